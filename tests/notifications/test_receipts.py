"""Delivery receipts and STOP: Notify's callbacks (bearer token) and WhatsApp's webhook
(`X-Hub-Signature-256`), posted as the gateways post them to the real routes, for messages the
channels sent to the local Notify and WhatsApp servers."""

import json
import logging
from datetime import UTC, datetime

import pytest
import time_machine

from bench.whatsapp_server import VERIFY_TOKEN, signed, status_event, text_event
from diaspora.audit.models import AuditEvent
from diaspora.notifications import services
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.models import Channel, DeliveryState, Notification, Receipt
from diaspora.phones.models import MobileNumber
from tests.helpers import submit

T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)
NUMBER = "+447911123456"
CALLBACK_TOKEN = "notify-callback-token-0123456789"
STATUS = "/callbacks/notify/status"
RECEIVED = "/callbacks/notify/received"
WEBHOOK = "/callbacks/whatsapp"

pytestmark = pytest.mark.app_config(
    SERVICE_URL="https://diaspora.example.org", NOTIFY_CALLBACK_TOKEN=CALLBACK_TOKEN
)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=True):  # Notify checks its token's time
        yield


def _reload(db, row) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


def _mobile_of(db, user) -> MobileNumber:
    db.session.expire_all()
    return db.session.scalar(db.select(MobileNumber).filter_by(user_id=user.id))


def _emails_to(db, address) -> list[Notification]:
    return db.session.scalars(
        db.select(Notification).filter_by(address=address, channel=Channel.EMAIL)
    ).all()


def _notify_post(client, url, data, token=CALLBACK_TOKEN):
    return client.post(url, json=data, headers={"Authorization": f"Bearer {token}"})


def _webhook(client, payload, secret=None):
    raw, headers = signed(payload) if secret is None else signed(payload, secret)
    return client.post(WEBHOOK, data=raw, headers=headers)


@pytest.fixture
def sent_text(db, make, notify, mobile, queue):
    """A text sent through the local Notify: (person, row, Notify's id for it)."""
    user = make.user(email="ama@example.org")
    mobile(user, NUMBER)
    row = queue(user, channel=Channel.SMS, due_at=T0)
    deliver_due(now=T0)
    [message] = notify.wait_for(1)
    assert _reload(db, row).gateway_id == message["id"]
    return user, row, message["id"]


@pytest.fixture
def sent_whatsapp(db, make, whatsapp, mobile, queue):
    user = make.user(email="ama@example.org")
    mobile(user, NUMBER)
    row = queue(user, channel=Channel.WHATSAPP, due_at=T0)
    deliver_due(now=T0)
    [message] = whatsapp.wait_for(1)
    return user, row, message["id"]


def _notify_receipt(notification_id: str, status: str, row: Notification) -> dict:
    """Notify's delivery-status callback body."""
    return {
        "id": notification_id,
        "reference": f"notification-{row.id}",
        "to": NUMBER,
        "status": status,
        "created_at": "2027-05-04T10:00:00.000000Z",
        "completed_at": "2027-05-04T10:00:05.000000Z",
        "sent_at": "2027-05-04T10:00:01.000000Z",
        "notification_type": "sms",
        "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
        "template_version": 1,
    }


# Notify's delivery receipts ------------------------------------------------------------------


def test_a_delivered_receipt_is_recorded_once_and_shown_to_administrators(
    db, client, login_as, sent_text
):
    _user, row, notify_id = sent_text
    for _ in range(2):  # Notify may call again: nothing changes the second time
        response = _notify_post(client, STATUS, _notify_receipt(notify_id, "delivered", row))
        assert response.status_code == 204
        got = _reload(db, row)
        assert (got.state, got.receipt) == (DeliveryState.SENT, Receipt.DELIVERED)
    assert response.headers["X-RateLimit-Limit"] == "600"
    login_as("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    receipts = page.split('id="receipts"')[1].split("</table>")[0]
    assert "Text message" in receipts and ">1</td>" in receipts


def test_a_wrong_or_missing_token_is_refused_and_changes_nothing(db, client, sent_text, caplog):
    _user, row, notify_id = sent_text
    body = _notify_receipt(notify_id, "permanent-failure", row)
    with caplog.at_level(logging.INFO):
        assert _notify_post(client, STATUS, body, token="wrong").status_code == 403
        assert client.post(STATUS, json=body).status_code == 403
        assert _notify_post(client, RECEIVED, {}, token="wrong").status_code == 403
    got = _reload(db, row)
    assert (got.state, got.receipt) == (DeliveryState.SENT, None)
    assert _mobile_of(db, sent_text[0]).failing_at is None
    assert "7911" not in caplog.text


def test_without_the_callback_token_setting_the_callbacks_are_not_there(app, client, db):
    app.config["NOTIFY_CALLBACK_TOKEN"] = None
    assert _notify_post(client, STATUS, {}, token="").status_code == 404
    assert _notify_post(client, RECEIVED, {}, token="").status_code == 404


def test_an_unknown_id_is_ignored(db, client, sent_text):
    _user, row, _id = sent_text
    body = _notify_receipt("00000000-0000-0000-0000-000000000000", "delivered", row)
    body["reference"] = None
    assert _notify_post(client, STATUS, body).status_code == 204
    assert _reload(db, row).receipt is None
    assert _notify_post(client, STATUS, {"id": 5, "status": "nonsense"}).status_code == 204
    assert (
        client.post(
            STATUS, data="not json", headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"}
        ).status_code
        == 400
    )


def test_a_receipt_finds_its_text_by_reference_when_the_id_was_not_kept(db, client, sent_text):
    _user, row, notify_id = sent_text
    _reload(db, row).gateway_id = None
    db.session.commit()
    _notify_post(client, STATUS, _notify_receipt(notify_id, "delivered", row))
    got = _reload(db, row)
    assert (got.receipt, got.gateway_id) == (Receipt.DELIVERED, notify_id)


def test_a_permanent_failure_marks_the_number_and_emails_the_person(
    db, client, sent_text, queue, caplog
):
    user, row, notify_id = sent_text
    waiting = queue(user, channel=Channel.SMS, dedupe_key="later", due_at=T0)
    with caplog.at_level(logging.INFO):
        _notify_post(client, STATUS, _notify_receipt(notify_id, "permanent-failure", row))
    got = _reload(db, row)
    assert (got.state, got.receipt) == (DeliveryState.FAILED, Receipt.PERMANENT_FAILURE)
    assert got.last_error == "Notify receipt: permanent-failure"
    assert _mobile_of(db, user).failing_at is not None
    assert _reload(db, waiting).state == DeliveryState.CANCELLED
    [email] = _emails_to(db, "ama@example.org")
    assert email.subject == "We could not send a text message to your mobile number"
    assert "7911" not in caplog.text and "ama@" not in caplog.text


@pytest.mark.parametrize("status", ["temporary-failure", "technical-failure"])
def test_a_temporary_failure_fails_the_text_but_not_the_number(db, client, sent_text, status):
    user, row, notify_id = sent_text
    _notify_post(client, STATUS, _notify_receipt(notify_id, status, row))
    got = _reload(db, row)
    assert (got.state, got.receipt) == (DeliveryState.FAILED, status)
    assert _mobile_of(db, user).failing_at is None
    assert _emails_to(db, "ama@example.org") == []
    # an administrator may send it again; the old receipt goes with the retry
    admin = db.session.get(type(user), user.id)
    assert services.retry(db.session, admin, row.id)
    db.session.commit()
    got = _reload(db, row)
    assert (got.state, got.receipt, got.gateway_id) == (DeliveryState.PENDING, None, None)


# STOP ----------------------------------------------------------------------------------------


def _received(text: str, source: str = "447911123456") -> dict:
    """Notify's received-text callback body."""
    return {
        "id": "f4a1b9e1-3b1c-4c0e-9b2f-6f8a3c2e1d00",
        "source_number": source,
        "destination_number": "07797400000",
        "message": text,
        "date_received": "2027-05-04T10:05:00.000000Z",
    }


@pytest.mark.parametrize("word", ["STOP", " stop \n", "Unsubscribe", "stopall"])
def test_a_stop_reply_to_notify_stops_texts_and_whatsapp_to_the_number(
    db, client, make, notify, mobile, queue, word, caplog
):
    user = make.user(email="ama@example.org")
    mobile(user, NUMBER)
    services.set_preferences(db.session, user, {"engagement_update": "sms"})
    db.session.commit()
    text = queue(user, channel=Channel.SMS, due_at=T0)
    message = queue(user, channel=Channel.WHATSAPP, dedupe_key="w", due_at=T0)
    with caplog.at_level(logging.INFO):
        assert _notify_post(client, RECEIVED, _received(word)).status_code == 204
    assert _mobile_of(db, user).opted_out_at is not None
    assert {_reload(db, text).state, _reload(db, message).state} == {DeliveryState.CANCELLED}
    assert services.preference_for(db.session, user.id, "engagement_update") == ("email", False)
    assert not services.sms_available(db.session, user.id)
    [email] = _emails_to(db, "ama@example.org")
    assert email.subject == "We have stopped sending messages to your mobile number"
    assert "/account/mobile" in email.body
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="mobile.opted_out"))
    assert "7911" not in caplog.text
    # said again: nothing more happens, no second email
    _notify_post(client, RECEIVED, _received("STOP"))
    assert len(_emails_to(db, "ama@example.org")) == 1


def test_other_replies_change_nothing(db, client, make, notify, mobile):
    user = make.user()
    mobile(user, NUMBER)
    for text in ("Please stop by tomorrow", "STOP IT", "", None):
        assert _notify_post(client, RECEIVED, _received(text)).status_code == 204
    _notify_post(client, RECEIVED, _received("STOP", source="447700900999"))  # someone else
    assert _mobile_of(db, user).opted_out_at is None


@pytest.mark.parametrize(
    "source", ["07911123456", "07911 123456", "+447911123456", "00447911123456"]
)
def test_a_stop_reply_finds_the_number_however_notify_writes_it(
    db, client, make, notify, mobile, source
):
    user = make.user()
    mobile(user, NUMBER)
    assert _notify_post(client, RECEIVED, _received("STOP", source=source)).status_code == 204
    assert _mobile_of(db, user).opted_out_at is not None


def test_a_stopped_person_sees_it_and_confirming_the_number_again_turns_it_back_on(
    db, client, login_as, notify, mobile
):
    me = login_as("staff")
    mobile(me, NUMBER)
    _notify_post(client, RECEIVED, _received("STOP"))
    page = client.get("/account/mobile").get_data(as_text=True)
    assert 'id="stopped"' in page and "You replied STOP" in page
    prefs = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="sms"' not in prefs and "You replied STOP" in prefs

    response = submit(client, "/account/mobile", {"country": "GB", "number": "07911 123456"})
    assert response.status_code == 302
    deliver_due()
    code = notify.codes_for(NUMBER)[-1]
    assert submit(client, "/account/mobile/confirm", {"code": code}).status_code == 302
    assert _mobile_of(db, me).opted_out_at is None
    assert services.sms_available(db.session, me.id)
    assert 'value="sms"' in client.get("/notifications/preferences").get_data(as_text=True)


# WhatsApp's webhook --------------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge_only_for_our_verify_token(client, whatsapp):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = client.get(WEBHOOK, query_string=query)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "1158201444")
    assert client.get(WEBHOOK, query_string=query | {"hub.verify_token": "x"}).status_code == 403
    assert client.get(WEBHOOK, query_string=query | {"hub.mode": "other"}).status_code == 403


def test_without_the_webhook_settings_it_is_not_there(client, db):
    assert client.get(WEBHOOK, query_string={"hub.mode": "subscribe"}).status_code == 404
    raw, headers = signed(status_event("wamid.x", "delivered", NUMBER))
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 404


@pytest.mark.parametrize(("status", "receipt"), [("delivered", "delivered"), ("read", "read")])
def test_delivered_and_read_statuses_are_recorded(db, client, sent_whatsapp, status, receipt):
    _user, row, wamid = sent_whatsapp
    assert _webhook(client, status_event(wamid, "sent", NUMBER)).status_code == 200
    assert _reload(db, row).receipt is None
    for _ in range(2):
        assert _webhook(client, status_event(wamid, status, NUMBER)).status_code == 200
        got = _reload(db, row)
        assert (got.state, got.receipt) == (DeliveryState.SENT, receipt)


def test_a_late_delivered_does_not_undo_read(db, client, sent_whatsapp):
    _user, row, wamid = sent_whatsapp
    _webhook(client, status_event(wamid, "read", NUMBER))
    _webhook(client, status_event(wamid, "delivered", NUMBER))
    assert _reload(db, row).receipt == Receipt.READ


def test_a_bad_signature_is_refused_and_changes_nothing(db, client, sent_whatsapp, caplog):
    user, row, wamid = sent_whatsapp
    payload = status_event(wamid, "failed", NUMBER, errors=[131026])
    with caplog.at_level(logging.INFO):
        assert _webhook(client, payload, secret="not-the-app-secret").status_code == 403
        raw, _headers = signed(payload)
        assert client.post(WEBHOOK, data=raw, headers={}).status_code == 403
        tampered = json.dumps(status_event(wamid, "read", NUMBER)).encode()
        assert client.post(WEBHOOK, data=tampered, headers=_headers).status_code == 403
        stop_raw, stop_headers = signed(text_event(NUMBER, "STOP"), "wrong")
        assert client.post(WEBHOOK, data=stop_raw, headers=stop_headers).status_code == 403
    got = _reload(db, row)
    assert (got.state, got.receipt) == (DeliveryState.SENT, None)
    mobile = _mobile_of(db, user)
    assert mobile.failing_at is None and mobile.opted_out_at is None
    assert "7911" not in caplog.text


def test_an_undeliverable_status_fails_the_message_and_marks_the_number(db, client, sent_whatsapp):
    user, row, wamid = sent_whatsapp
    _webhook(client, status_event(wamid, "failed", NUMBER, errors=[131026]))
    got = _reload(db, row)
    assert (got.state, got.receipt) == (DeliveryState.FAILED, Receipt.PERMANENT_FAILURE)
    assert got.last_error == "WhatsApp receipt: permanent-failure 131026"
    assert _mobile_of(db, user).failing_at is not None
    [email] = _emails_to(db, "ama@example.org")
    assert email.subject == "We could not send a WhatsApp message to your mobile number"
    assert "Check that the number has WhatsApp" in email.body
    assert "/account/mobile" in email.body


def test_the_failing_text_email_is_in_the_person_language(db, client, sent_text):
    user, row, notify_id = sent_text
    user.language = "bn"
    db.session.commit()
    _notify_post(client, STATUS, _notify_receipt(notify_id, "permanent-failure", row))
    [email] = _emails_to(db, "ama@example.org")
    assert email.subject == "আমরা আপনার মোবাইল নম্বরে এসএমএস পাঠাতে পারিনি"
    assert "এসএমএস সেবা জানিয়েছে" in email.body


def test_the_failing_whatsapp_email_is_in_the_person_language(db, client, sent_whatsapp):
    user, _row, wamid = sent_whatsapp
    user.language = "fr"
    db.session.commit()
    _webhook(client, status_event(wamid, "failed", NUMBER, errors=[131026]))
    [email] = _emails_to(db, "ama@example.org")
    assert email.subject == (
        "Nous n\u2019avons pas pu envoyer de message WhatsApp à votre numéro de téléphone mobile"
    )
    assert "Vérifiez que ce numéro utilise WhatsApp" in email.body


def test_a_rate_limited_status_is_a_temporary_failure(db, client, sent_whatsapp):
    user, row, wamid = sent_whatsapp
    _webhook(client, status_event(wamid, "failed", NUMBER, errors=[130429]))
    got = _reload(db, row)
    assert (got.state, got.receipt) == (DeliveryState.FAILED, Receipt.TEMPORARY_FAILURE)
    assert _mobile_of(db, user).failing_at is None
    # delivered after all: no longer failed
    _webhook(client, status_event(wamid, "delivered", NUMBER))
    got = _reload(db, row)
    assert (got.state, got.receipt, got.last_error) == (DeliveryState.SENT, "delivered", None)


def test_unknown_messages_and_odd_payloads_are_ignored(db, client, sent_whatsapp):
    _user, row, _wamid = sent_whatsapp
    assert _webhook(client, status_event("wamid.unknown", "delivered", NUMBER)).status_code == 200
    for odd in ({}, {"entry": "x"}, {"entry": [{"changes": [{"value": []}]}]}):
        assert _webhook(client, odd).status_code == 200
    raw, headers = signed([1, 2])
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 400
    assert _reload(db, row).receipt is None


def test_a_status_finds_its_message_by_its_reference_when_the_id_was_not_kept(
    db, client, sent_whatsapp
):
    _user, row, wamid = sent_whatsapp
    _reload(db, row).gateway_id = None
    db.session.commit()
    _webhook(client, status_event(wamid, "delivered", NUMBER, reference=f"notification-{row.id}"))
    assert _reload(db, row).receipt == Receipt.DELIVERED


@pytest.mark.parametrize("word", ["STOP", "unsubscribe"])
def test_a_stop_message_on_whatsapp_opts_the_number_out(
    db, client, make, whatsapp, mobile, queue, word
):
    user = make.user(email="ama@example.org")
    mobile(user, NUMBER)
    services.set_preferences(db.session, user, {"engagement_update": "whatsapp"})
    db.session.commit()
    waiting = queue(user, channel=Channel.WHATSAPP, due_at=T0)
    assert _webhook(client, text_event(NUMBER, word)).status_code == 200
    assert _mobile_of(db, user).opted_out_at is not None
    assert _reload(db, waiting).state == DeliveryState.CANCELLED
    assert services.preference_for(db.session, user.id, "engagement_update") == ("email", False)
    assert not services.whatsapp_available(db.session, user.id)
    assert len(_emails_to(db, "ama@example.org")) == 1
    deliver_due(now=T0)
    assert whatsapp.messages == []


@pytest.mark.parametrize("number", ["+8801712345678", "+2348031234567"])
def test_a_stop_message_on_whatsapp_finds_numbers_of_other_countries(
    db, client, make, whatsapp, mobile, number
):
    user = make.user()
    mobile(user, number)
    assert _webhook(client, text_event(number, "STOP")).status_code == 200
    assert _mobile_of(db, user).opted_out_at is not None


def test_other_whatsapp_messages_change_nothing(db, client, make, whatsapp, mobile):
    user = make.user()
    mobile(user, NUMBER)
    _webhook(client, text_event(NUMBER, "Thank you, see you on Monday"))
    assert _mobile_of(db, user).opted_out_at is None


def test_other_posts_still_need_their_csrf_token(client, login_as):
    """Only the gateways' routes are exempt."""
    login_as("staff")
    response = client.post("/notifications/preferences", data={"engagement_update": "off"})
    assert response.status_code == 400
