"""Texts through GOV.UK Notify: the official client against a local server that plays Notify's
documented HTTP contract (bench/notify_server.py), on a controlled clock."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bench.notify_server import SERVICE_ID, NotifyServer
from diaspora.audit.models import AuditEvent
from diaspora.core.time import as_utc
from diaspora.notifications import services
from diaspora.notifications.jobs import BACKOFF, MAX_ATTEMPTS, deliver_due
from diaspora.notifications.models import Channel, DeliveryState, Notification
from diaspora.notifications.texts import segments
from diaspora.phones.models import MobileNumber
from tests.helpers import free_port

T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)
NUMBER = "+447911123456"

pytestmark = pytest.mark.app_config(SERVICE_URL="https://diaspora.example.org")


def _state(db, row) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


def _text(queue, user, **fields) -> Notification:
    return queue(user, **({"channel": Channel.SMS, "due_at": T0} | fields))


@pytest.fixture(autouse=True)
def _clock():
    # Notify refuses a token issued more than 30 seconds away from its clock: the app's clock
    # and the server's are the same one here.
    with time_machine.travel(T0, tick=True):
        yield


def test_a_due_text_is_sent_once_with_the_template_and_a_link(db, make, notify, mobile, queue):
    user = make.user()
    mobile(user, NUMBER)
    row = _text(queue, user, subject="Your application was accepted")
    assert deliver_due(now=T0) == 1
    assert deliver_due(now=T0 + timedelta(minutes=20)) == 0

    [message] = notify.wait_for(1)
    assert message["phone_number"] == NUMBER
    assert message["template_id"] == notify.template_id
    assert message["reference"] == f"notification-{row.id}"
    body = message["personalisation"]["body"]
    assert body.startswith("Your application was accepted\n")
    assert body.endswith("\nhttps://diaspora.example.org/engagements")
    sent = _state(db, row)
    assert (sent.state, sent.attempts, as_utc(sent.sent_at)) == (DeliveryState.SENT, 1, T0)


def test_a_long_text_is_cut_to_two_segments_and_keeps_its_link(db, make, notify, mobile, queue):
    user = make.user()
    mobile(user)
    _text(queue, user, body="A long message. " * 80, link="/plans/7")
    _text(queue, user, body="অনেক লম্বা বার্তা। " * 40, link="/plans/8", dedupe_key="bn")
    deliver_due(now=T0)
    latin, bengali = (m["personalisation"]["body"] for m in notify.wait_for(2))
    assert segments(latin) == 2 and len(latin) <= 306
    assert latin.endswith("...\nhttps://diaspora.example.org/plans/7")
    assert segments(bengali) == 2 and len(bengali.encode("utf-16-le")) // 2 <= 134
    assert bengali.endswith("…\nhttps://diaspora.example.org/plans/8")


def test_the_client_signs_its_token_as_notify_checks_it(db, make, app, mobile, queue):
    """The server checks issuer (the key's service id) and signature (the key's secret): a key
    whose secret is not the service's is refused with 403, and the text fails as a
    configuration error."""
    server = NotifyServer(secret="00000000-0000-0000-0000-000000000000").start()
    try:
        app.config.update(server.settings())
        wrong = f"diaspora_local-{SERVICE_ID}-3d844edf-8d35-48ac-975b-e847b4f122b0"
        app.config["NOTIFY_API_KEY"] = wrong
        user = make.user()
        mobile(user)
        row = _text(queue, user)
        deliver_due(now=T0)
        assert server.messages == [] and server.refused_requests == 1
        failed = _state(db, row)
        assert failed.state == DeliveryState.FAILED
        assert failed.last_error.startswith("Notify 403 AuthError")
    finally:
        server.stop()


def test_a_403_fails_for_good_and_logs_without_personal_data(
    db, make, app, notify, mobile, queue, caplog
):
    app.config["NOTIFY_API_KEY"] = f"other_key-{SERVICE_ID}-{'1' * 8}-1111-1111-1111-{'1' * 12}"
    user = make.user(name="Nadia Rahman")
    mobile(user)
    rows = [_text(queue, user, dedupe_key=f"k{n}") for n in range(2)]
    with caplog.at_level(logging.INFO):
        deliver_due(now=T0)
    assert {_state(db, r).state for r in rows} == {DeliveryState.FAILED}
    assert "Notify refused the API key (403)" in caplog.text
    assert NUMBER not in caplog.text and "7911" not in caplog.text
    assert "Nadia" not in caplog.text


def test_an_invalid_number_fails_marks_the_number_and_tells_the_person_by_email(
    db, make, notify, mobile, queue
):
    user = make.user(email="kwame@example.org")
    number = mobile(user)
    notify.refuse.add(NUMBER)
    row = _text(queue, user)
    later = _text(queue, user, dedupe_key="later", due_at=T0 + timedelta(hours=1))
    deliver_due(now=T0)

    failed = _state(db, row)
    assert failed.state == DeliveryState.FAILED
    assert failed.last_error == "Notify 400 BadRequestError: Not a valid phone number"
    db.session.expire_all()
    assert db.session.get(MobileNumber, number.id).failing_at is not None
    assert _state(db, later).state == DeliveryState.CANCELLED
    [email] = db.session.scalars(
        db.select(Notification).filter_by(address="kwame@example.org", channel="email")
    ).all()
    assert email.subject == "We could not send a text message to your mobile number"
    assert "/account/mobile" in email.body
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="mobile.refused"))
    # from now on the person's texts come by email
    services.set_preferences(db.session, user, {"engagement_update": "immediate"})
    db.session.commit()
    assert not services.sms_available(db.session, user.id)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_retried_with_backoff(
    db, make, notify, mobile, queue, status
):
    user = make.user()
    mobile(user)
    row = _text(queue, user)
    other = _text(queue, user, dedupe_key="other")
    notify.script.append(status)
    deliver_due(now=T0)
    waiting = _state(db, row)
    assert waiting.state == DeliveryState.PENDING
    assert as_utc(waiting.due_at) == T0 + BACKOFF[0]
    assert waiting.last_error.startswith(f"Notify {status}")
    assert _state(db, other).state == DeliveryState.SENT  # one failing text holds up no other
    deliver_due(now=T0 + BACKOFF[0])
    assert _state(db, row).state == DeliveryState.SENT
    assert notify.references()[f"notification-{row.id}"] == 1


def test_a_text_fails_after_six_attempts(db, make, notify, mobile, queue):
    user = make.user()
    mobile(user)
    row = _text(queue, user)
    moment = T0
    for attempt in range(MAX_ATTEMPTS):
        notify.script.append(500)
        deliver_due(now=moment)
        if attempt < len(BACKOFF):
            moment += BACKOFF[attempt]
    failed = _state(db, row)
    assert (failed.state, failed.attempts) == (DeliveryState.FAILED, MAX_ATTEMPTS)
    assert notify.messages == []


def test_when_notify_cannot_be_reached_the_batch_waits(db, app, make, notify, mobile, queue):
    app.config["NOTIFY_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    user = make.user()
    mobile(user)
    rows = [_text(queue, user, dedupe_key=f"k{n}") for n in range(3)]
    deliver_due(now=T0)
    states = [_state(db, r) for r in rows]
    assert {r.state for r in states} == {DeliveryState.PENDING}
    assert all(r.last_error == "Notify 503: no answer" for r in states)


def test_a_code_is_emptied_once_sent_and_other_texts_go_to_the_confirmed_number(
    db, make, notify, mobile, queue
):
    user = make.user()
    mobile(user, NUMBER)
    code = _text(queue, user, kind="account", address="+2348031234567", body="Your code is 123456.")
    _text(queue, user, dedupe_key="other")
    deliver_due(now=T0)
    assert notify.codes_for("+2348031234567") == ["123456"]
    assert len(notify.to(NUMBER)) == 1
    assert _state(db, code).body == ""


def test_a_text_without_a_confirmed_number_fails_alone(db, make, notify, queue):
    row = _text(queue, make.user())
    deliver_due(now=T0)
    assert _state(db, row).last_error == "Not sent: no confirmed mobile number"


def test_texts_fail_as_unconfigured_without_the_notify_settings(db, app, make, mobile, queue, sink):
    user = make.user()
    mobile(user)
    row = _text(queue, user)
    deliver_due(now=T0)
    assert sink.messages == []
    failed = _state(db, row)
    assert failed.last_error == "Not sent: text messages are not configured"


# Choosing texts, quiet hours -----------------------------------------------------------------


def _queued(db, user) -> dict[str, Notification]:
    rows = db.session.scalars(db.select(Notification).filter_by(recipient_id=user.id)).all()
    return {row.channel: row for row in rows}


def test_a_kind_chosen_as_text_queues_a_text_and_the_inbox_copy(db, make, notify, mobile):
    user = make.user()
    mobile(user)
    services.set_preferences(db.session, user, {"engagement_update": "sms"})
    db.session.commit()
    with time_machine.travel(datetime(2027, 5, 4, 12, 0, tzinfo=UTC), tick=False):
        services.notify(
            db.session,
            user,
            "engagement_update",
            subject="Answered",
            template="notifications_message",
            message="x",
        )
    db.session.commit()
    rows = _queued(db, user)
    assert set(rows) == {Channel.INBOX, Channel.SMS}
    assert as_utc(rows[Channel.SMS].due_at) == datetime(2027, 5, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "due"),
    [
        # 22:30 in London (BST) waits for 08:00 the next morning, 07:00 UTC
        ("Europe/London", datetime(2027, 5, 4, 21, 30, tzinfo=UTC), datetime(2027, 5, 5, 7, 0)),
        # 02:00 in Dhaka waits for 08:00 the same day, 02:00 UTC
        ("Asia/Dhaka", datetime(2027, 5, 3, 20, 0, tzinfo=UTC), datetime(2027, 5, 4, 2, 0)),
        # 20:59 in Lagos goes at once
        ("Africa/Lagos", datetime(2027, 5, 4, 19, 59, tzinfo=UTC), datetime(2027, 5, 4, 19, 59)),
    ],
)
def test_texts_wait_for_the_end_of_quiet_hours(db, person, notify, mobile, zone, now, due):
    user = person(zone)
    mobile(user)
    services.set_preferences(db.session, user, {"engagement_update": "sms"})
    db.session.commit()
    with time_machine.travel(now, tick=False):
        services.notify(
            db.session,
            user,
            "engagement_update",
            subject="Answered",
            template="notifications_message",
            message="x",
        )
    db.session.commit()
    rows = _queued(db, user)
    assert as_utc(rows[Channel.SMS].due_at) == due.replace(tzinfo=UTC)
    assert as_utc(rows[Channel.INBOX].due_at) == now


def test_a_text_choice_goes_by_email_without_a_working_number(db, make, notify, mobile):
    user = make.user()
    number = mobile(user)
    services.set_preferences(db.session, user, {"engagement_update": "sms"})
    number.failing_at = T0
    db.session.commit()
    services.notify(
        db.session,
        user,
        "engagement_update",
        subject="Answered",
        template="notifications_message",
        message="x",
    )
    assert set(_queued(db, user)) == {Channel.INBOX, Channel.EMAIL}


def test_texts_cannot_be_chosen_without_a_confirmed_number_or_settings(db, app, make, mobile):
    user = make.user()
    with pytest.raises(ValueError, match="sms"):
        services.set_preferences(db.session, user, {"engagement_update": "sms"})
    mobile(user)
    with pytest.raises(ValueError, match="sms"):  # no Notify settings: texts are off
        services.set_preferences(db.session, user, {"engagement_update": "sms"})
