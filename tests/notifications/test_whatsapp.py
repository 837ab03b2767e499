"""WhatsApp through the Cloud API: the channel against a local server that plays the API's
documented HTTP contract (bench/whatsapp_server.py), and the preferences that offer it."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bench.whatsapp_server import TEMPLATE, WhatsAppServer
from diaspora.core.time import as_utc
from diaspora.notifications import services
from diaspora.notifications.jobs import BACKOFF, MAX_ATTEMPTS, deliver_due
from diaspora.notifications.models import Channel, DeliveryState, Notification
from diaspora.phones.models import MobileNumber
from tests.helpers import error_summary, free_port, submit

T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)
NUMBER = "+447911123456"
PREFERENCES = "/notifications/preferences"

pytestmark = pytest.mark.app_config(SERVICE_URL="https://diaspora.example.org")


def _state(db, row) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


def _message(queue, user, **fields) -> Notification:
    return queue(user, **({"channel": Channel.WHATSAPP, "due_at": T0} | fields))


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_a_due_message_is_sent_once_as_a_template_in_the_recipients_language(
    db, make, whatsapp, mobile, queue
):
    user = make.user()
    user.language = "bn"
    db.session.commit()
    mobile(user, NUMBER)
    row = _message(
        queue,
        user,
        subject="Your application was accepted",
        body="The organisation accepted you.\n\nSee   what comes next.",
    )
    assert deliver_due(now=T0) == 1
    assert deliver_due(now=T0 + timedelta(minutes=20)) == 0

    [message] = whatsapp.wait_for(1)
    assert message["to"] == NUMBER.lstrip("+")
    assert (message["template"], message["language"]) == (TEMPLATE, "bn")
    assert message["parameters"] == [
        "Your application was accepted",
        "The organisation accepted you. See what comes next.",
        "https://diaspora.example.org/engagements",
    ]
    assert message["reference"] == f"notification-{row.id}"
    sent = _state(db, row)
    assert (sent.state, sent.attempts, as_utc(sent.sent_at)) == (DeliveryState.SENT, 1, T0)
    assert sent.gateway_id == message["id"] and sent.gateway_id.startswith("wamid.")


def test_a_kind_may_have_its_own_template_and_english_is_british(
    db, app, make, mobile, queue, whatsapp
):
    whatsapp.templates.add("diaspora_milestone")
    app.config["WHATSAPP_TEMPLATES"] = "milestone_reminder = diaspora_milestone, bad"
    user = make.user()
    mobile(user)
    _message(queue, user, kind="milestone_reminder", body="x" * 2000)
    _message(queue, user, dedupe_key="other")
    deliver_due(now=T0)
    first, second = whatsapp.wait_for(2)
    assert (first["template"], first["language"]) == ("diaspora_milestone", "en_GB")
    assert len(first["parameters"][1]) <= 600 and first["parameters"][1].endswith("…")
    assert second["template"] == TEMPLATE


def test_the_server_refuses_a_template_it_does_not_know(db, app, make, mobile, queue, whatsapp):
    """The local API checks the body as the Cloud API does: the channel must send a known
    template, or the message fails for good with the API's code."""
    app.config["WHATSAPP_TEMPLATE"] = "not_approved"
    user = make.user()
    mobile(user)
    row = _message(queue, user)
    deliver_due(now=T0)
    failed = _state(db, row)
    assert failed.state == DeliveryState.FAILED
    assert failed.last_error.startswith("WhatsApp 400 132001")
    assert whatsapp.messages == []


def test_an_undeliverable_number_fails_marks_the_number_and_tells_the_person(
    db, make, whatsapp, mobile, queue
):
    user = make.user(email="kwame@example.org")
    number = mobile(user)
    whatsapp.refuse.add(NUMBER.lstrip("+"))
    row = _message(queue, user)
    later = _message(queue, user, dedupe_key="later", due_at=T0 + timedelta(hours=1))
    text = queue(user, channel=Channel.SMS, dedupe_key="text", due_at=T0 + timedelta(hours=1))
    deliver_due(now=T0)

    failed = _state(db, row)
    assert failed.state == DeliveryState.FAILED
    assert failed.last_error == "WhatsApp 400 131026: Unable to deliver message."
    db.session.expire_all()
    assert db.session.get(MobileNumber, number.id).failing_at is not None
    assert _state(db, later).state == DeliveryState.CANCELLED
    assert _state(db, text).state == DeliveryState.CANCELLED
    [email] = db.session.scalars(
        db.select(Notification).filter_by(address="kwame@example.org", channel="email")
    ).all()
    assert email.subject == "We could not send a WhatsApp message to your mobile number"
    assert "WhatsApp told us the number cannot get WhatsApp messages" in email.body
    assert "/account/mobile" in email.body
    assert not services.whatsapp_available(db.session, user.id)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_retried_with_backoff(
    db, make, whatsapp, mobile, queue, status
):
    user = make.user()
    mobile(user)
    row = _message(queue, user)
    other = _message(queue, user, dedupe_key="other")
    whatsapp.script.append(status)
    deliver_due(now=T0)
    waiting = _state(db, row)
    assert waiting.state == DeliveryState.PENDING
    assert as_utc(waiting.due_at) == T0 + BACKOFF[0]
    assert waiting.last_error.startswith(f"WhatsApp {status} ")
    assert _state(db, other).state == DeliveryState.SENT
    deliver_due(now=T0 + BACKOFF[0])
    assert _state(db, row).state == DeliveryState.SENT
    assert whatsapp.references()[f"notification-{row.id}"] == 1


def test_a_message_fails_after_six_attempts(db, make, whatsapp, mobile, queue):
    user = make.user()
    mobile(user)
    row = _message(queue, user)
    moment = T0
    for attempt in range(MAX_ATTEMPTS):
        whatsapp.script.append(429)
        deliver_due(now=moment)
        if attempt < len(BACKOFF):
            moment += BACKOFF[attempt]
    failed = _state(db, row)
    assert (failed.state, failed.attempts) == (DeliveryState.FAILED, MAX_ATTEMPTS)
    assert failed.last_error.startswith("WhatsApp 429 130429")


def test_a_refused_token_fails_and_logs_without_personal_data(
    db, make, app, whatsapp, mobile, queue, caplog
):
    app.config["WHATSAPP_TOKEN"] = "EAA-revoked"
    user = make.user(name="Nadia Rahman")
    mobile(user)
    rows = [_message(queue, user, dedupe_key=f"k{n}") for n in range(2)]
    with caplog.at_level(logging.INFO):
        deliver_due(now=T0)
    assert {_state(db, r).state for r in rows} == {DeliveryState.FAILED}
    assert whatsapp.refused_requests == 2 and whatsapp.messages == []
    assert _state(db, rows[0]).last_error.startswith("WhatsApp 401 190")
    assert "WhatsApp refused the access token" in caplog.text
    assert "7911" not in caplog.text and "Nadia" not in caplog.text


def test_when_the_api_cannot_be_reached_the_batch_waits(db, app, make, whatsapp, mobile, queue):
    app.config["WHATSAPP_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    user = make.user()
    mobile(user)
    rows = [_message(queue, user, dedupe_key=f"k{n}") for n in range(3)]
    deliver_due(now=T0)
    states = [_state(db, r) for r in rows]
    assert {r.state for r in states} == {DeliveryState.PENDING}
    assert all(r.last_error == "WhatsApp: no answer (ConnectionError)" for r in states)


def test_messages_fail_as_unconfigured_without_the_settings(db, make, mobile, queue):
    user = make.user()
    mobile(user)
    row = _message(queue, user)
    deliver_due(now=T0)
    assert _state(db, row).last_error == "Not sent: WhatsApp is not configured"


def test_a_message_without_a_confirmed_number_fails_alone(db, make, whatsapp, queue):
    row = _message(queue, make.user())
    deliver_due(now=T0)
    assert _state(db, row).last_error == "Not sent: no confirmed mobile number"


# Choosing WhatsApp ---------------------------------------------------------------------------


def _queued(db, user) -> dict[str, Notification]:
    rows = db.session.scalars(db.select(Notification).filter_by(recipient_id=user.id)).all()
    return {row.channel: row for row in rows}


def _tell(db, user, when: datetime) -> None:
    with time_machine.travel(when, tick=False):
        services.notify(
            db.session,
            user,
            "engagement_update",
            subject="Answered",
            template="notifications_message",
            message="x",
        )
    db.session.commit()


def test_a_kind_chosen_as_whatsapp_queues_it_after_quiet_hours(db, person, whatsapp, mobile):
    user = person("Asia/Dhaka")
    mobile(user)
    services.set_preferences(db.session, user, {"engagement_update": "whatsapp"})
    db.session.commit()
    _tell(db, user, datetime(2027, 5, 3, 20, 0, tzinfo=UTC))  # 02:00 in Dhaka
    rows = _queued(db, user)
    assert set(rows) == {Channel.INBOX, Channel.WHATSAPP}
    assert as_utc(rows[Channel.WHATSAPP].due_at) == datetime(2027, 5, 4, 2, 0, tzinfo=UTC)


def test_a_whatsapp_choice_goes_by_email_when_the_channel_is_off(db, app, make, whatsapp, mobile):
    user = make.user()
    mobile(user)
    services.set_preferences(db.session, user, {"engagement_update": "whatsapp"})
    db.session.commit()
    app.config["WHATSAPP_TOKEN"] = None
    _tell(db, user, T0)
    assert set(_queued(db, user)) == {Channel.INBOX, Channel.EMAIL}


def test_whatsapp_cannot_be_chosen_without_a_number_or_settings(db, app, make, mobile):
    user = make.user()
    with pytest.raises(ValueError, match="whatsapp"):
        services.set_preferences(db.session, user, {"engagement_update": "whatsapp"})
    mobile(user)
    with pytest.raises(ValueError, match="whatsapp"):  # no WhatsApp settings: it is off
        services.set_preferences(db.session, user, {"engagement_update": "whatsapp"})


def test_the_preferences_page_says_why_whatsapp_is_not_offered(client, login_as, app, mobile, db):
    me = login_as("staff")
    html = _html(client.get(PREFERENCES))
    assert "WhatsApp messages are not available on this service" in html
    assert 'value="whatsapp"' not in html
    with WhatsAppServer() as server:
        app.config.update(server.settings())
        html = _html(client.get(PREFERENCES))
        assert "Add and confirm your mobile number to get WhatsApp messages" in html
        assert 'value="whatsapp"' not in html
        number = mobile(me)
        number.failing_at = T0
        db.session.commit()
        html = _html(client.get(PREFERENCES))
        assert "Change your mobile number to get WhatsApp messages" in html
        assert 'value="whatsapp"' not in html
        number.failing_at, number.opted_out_at = None, T0
        db.session.commit()
        html = _html(client.get(PREFERENCES))
        assert "You replied STOP" in html and 'value="whatsapp"' not in html


def test_a_person_with_a_confirmed_number_chooses_whatsapp_and_no_one_else_can(
    client, login_as, db, whatsapp, mobile
):
    me = login_as("staff")
    mobile(me)
    html = _html(client.get(PREFERENCES))
    assert 'id="whatsapp-on"' in html and 'value="whatsapp"' in html
    response = submit(client, PREFERENCES, {"engagement_update": "whatsapp"})
    assert response.status_code == 302
    assert services.preference_for(db.session, me.id, "engagement_update") == ("whatsapp", False)

    # someone else, signed in, sees their own choices and cannot choose WhatsApp without a number
    client.post("/account/sign-out", data={})
    other = login_as("staff")
    html = _html(client.get(PREFERENCES))
    assert 'value="whatsapp"' not in html
    response = submit(client, PREFERENCES, {"engagement_update": "whatsapp"})
    assert response.status_code == 200 and error_summary(response)
    assert services.preference_for(db.session, other.id, "engagement_update")[0] == "email"
    assert services.preference_for(db.session, me.id, "engagement_update") == ("whatsapp", False)
