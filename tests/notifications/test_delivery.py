"""Delivery through a real SMTP server (aiosmtpd) on a controlled clock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from diaspora.core.time import as_utc
from diaspora.notifications import services
from diaspora.notifications.jobs import BACKOFF, MAX_ATTEMPTS, claim, deliver_due
from diaspora.notifications.models import Channel, DeliveryState, Notification
from tests.notifications.conftest import message_id

T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.app_config(SERVICE_URL="https://diaspora.example.org")


def _state(db, row) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


def test_a_due_email_is_sent_once_with_its_derived_message_id(db, make, sink, queue):
    user = make.user(email="asha@example.org")
    row = queue(user, due_at=T0, subject="Your application was accepted — well done")
    assert deliver_due(now=T0) == 1
    assert deliver_due(now=T0 + timedelta(minutes=20)) == 0

    [message] = sink.wait_for(1)
    assert message["Message-ID"] == message_id(row.id)
    assert message["To"] == "asha@example.org"
    assert message["Subject"] == "Your application was accepted — well done"
    assert "no-reply@diaspora.localhost" in message["From"]
    body = message.get_body(("plain",))
    assert body["Content-Transfer-Encoding"] == "8bit"
    text = body.get_content()
    assert "The organisation has answered your application." in text
    assert "https://diaspora.example.org/engagements" in text.splitlines()
    assert "https://diaspora.example.org/notifications/preferences" in text
    sent = _state(db, row)
    assert sent.state == DeliveryState.SENT
    assert as_utc(sent.sent_at) == T0
    assert sent.attempts == 1


def test_an_email_is_not_sent_before_it_is_due(db, make, sink, queue):
    row = queue(make.user(), due_at=T0)
    assert deliver_due(now=T0 - timedelta(seconds=1)) == 0
    assert sink.messages == []
    assert _state(db, row).state == DeliveryState.PENDING
    assert deliver_due(now=T0) == 1
    assert len(sink.wait_for(1)) == 1


def test_the_email_goes_to_the_persons_current_address(db, make, sink, queue):
    user = make.user(email="old@example.org")
    queue(user, due_at=T0)
    user.email = "new@example.org"
    db.session.commit()
    deliver_due(now=T0)
    assert [m["To"] for m in sink.wait_for(1)] == ["new@example.org"]


def test_a_calendar_file_is_attached_as_text_calendar(db, make, sink, queue):
    ics = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"
    queue(make.user(), due_at=T0, attachment_name="session.ics", attachment=ics)
    deliver_due(now=T0)
    [message] = sink.wait_for(1)
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "CANCEL"
    assert part.get_filename() == "session.ics"
    assert "METHOD:CANCEL" in part.get_content()


def test_a_persons_due_digest_rows_go_in_one_summary_email(db, person, sink, queue):
    user = person("Asia/Dhaka")
    other = person("Europe/London")
    rows = [queue(user, due_at=T0, digest=True, subject=f"Reminder {n}") for n in range(3)]
    later = queue(user, due_at=T0 + timedelta(days=1), digest=True, subject="Tomorrow's")
    queue(other, due_at=T0, digest=True, subject="Theirs")
    assert deliver_due(now=T0) == 4

    messages = sink.wait_for(2)
    mine = sink.to(user.email)
    assert len(mine) == 1
    assert mine[0]["Subject"] == "Your daily summary"
    assert mine[0]["Message-ID"] == f"<notification-{rows[0].id}.digest@diaspora.localhost>"
    text = mine[0].get_body(("plain",)).get_content()
    assert all(f"Reminder {n}" in text for n in range(3))
    assert "Tomorrow's" not in text
    assert len(messages) == 2
    assert {_state(db, r).state for r in rows} == {DeliveryState.SENT}
    assert _state(db, later).state == DeliveryState.PENDING


def test_digest_emails_arrive_at_9am_local_across_the_clock_changes(db, person, sink):
    """Dhaka (UTC+6, no daylight saving) and London, either side of 28 March and
    31 October 2027: each summary is sent at the first tick at or after 09:00 local."""
    dhaka, london = person("Asia/Dhaka"), person("Europe/London")
    for user in (dhaka, london):
        services.set_preferences(db.session, user, {"engagement_update": "digest"})
    db.session.commit()
    cases = [
        (datetime(2027, 3, 27, 20, 0, tzinfo=UTC), london, datetime(2027, 3, 28, 8, 0)),
        (datetime(2027, 3, 27, 20, 0, tzinfo=UTC), dhaka, datetime(2027, 3, 28, 3, 0)),
        (datetime(2027, 10, 30, 20, 0, tzinfo=UTC), london, datetime(2027, 10, 31, 9, 0)),
        (datetime(2027, 10, 30, 20, 0, tzinfo=UTC), dhaka, datetime(2027, 10, 31, 3, 0)),
    ]
    for written, user, nine_local in cases:
        nine_local = nine_local.replace(tzinfo=UTC)
        with time_machine.travel(written, tick=False):
            services.notify(
                db.session,
                user,
                "engagement_update",
                subject=f"About {written:%B}",
                template="notifications_message",
                message="An update.",
            )
            db.session.commit()
        before = len(sink.messages)
        assert deliver_due(now=nine_local - timedelta(minutes=1)) == 0
        assert deliver_due(now=nine_local) == 1
        summary = sink.wait_for(before + 1)[-1]
        assert summary["To"] == user.email
        assert summary["Subject"] == "Your daily summary"


def test_inbox_messages_are_recorded_as_shown_when_due_without_smtp(db, make, nowhere, queue):
    user = make.user()
    due = queue(user, Channel.INBOX, due_at=T0)
    future = queue(user, Channel.INBOX, due_at=T0 + timedelta(hours=1))
    assert deliver_due(now=T0) == 0
    assert _state(db, due).state == DeliveryState.SENT
    assert _state(db, future).state == DeliveryState.PENDING


def test_nothing_is_sent_to_disabled_or_erased_accounts(db, make, sink, queue):
    disabled = make.user(active=False)
    email = queue(disabled, due_at=T0)
    inbox = queue(disabled, Channel.INBOX, due_at=T0)
    assert deliver_due(now=T0) == 0
    assert sink.messages == []
    assert _state(db, email).state == DeliveryState.CANCELLED
    assert _state(db, inbox).state == DeliveryState.CANCELLED


# Failures and retries ----------------------------------------------------------------------


def test_a_refused_connection_leaves_the_email_for_later_with_backoff(db, make, nowhere, queue):
    row = queue(make.user(email="lost@example.org"), due_at=T0)
    assert deliver_due(now=T0) == 0
    waiting = _state(db, row)
    assert waiting.state == DeliveryState.PENDING
    assert waiting.attempts == 1
    assert as_utc(waiting.due_at) == T0 + BACKOFF[0]
    assert "ConnectionRefusedError" in waiting.last_error
    assert "@" not in waiting.last_error


def test_an_smtp_outage_loses_nothing_and_each_email_arrives_once(db, make, sink, queue, app):
    """The server answers 421 for a while; the emails wait with growing backoff and are
    delivered once it answers again."""
    users = [make.user() for _ in range(3)]
    rows = [queue(user, due_at=T0) for user in users for _ in range(2)]
    sink.refuse_with = "421 4.3.2 Service not available, closing transmission channel"
    now = T0
    assert deliver_due(now=now) == 0
    for wait in BACKOFF[:2]:
        waiting = [_state(db, r) for r in rows]
        assert {r.state for r in waiting} == {DeliveryState.PENDING}
        assert all("421" in r.last_error for r in waiting)
        assert deliver_due(now=now + wait - timedelta(seconds=1)) == 0  # not yet
        now += wait
        assert deliver_due(now=now) == 0  # still refused
    assert sink.messages == []
    assert {_state(db, r).attempts for r in rows} == {3}

    sink.refuse_with = None
    assert deliver_due(now=now + BACKOFF[2]) == len(rows)
    assert deliver_due(now=now + timedelta(days=1)) == 0
    sink.wait_for(len(rows))
    assert set(sink.ids().values()) == {1}
    assert set(sink.ids()) == {message_id(r.id) for r in rows}


def test_after_the_last_attempt_the_email_fails_with_its_error_until_retried(db, make, sink, queue):
    admin = make.user(roles=["admin"])
    row = queue(make.user(), due_at=T0)
    sink.refuse_with = "451 4.3.0 Try again later"
    now = T0
    for attempt in range(MAX_ATTEMPTS):
        deliver_due(now=now)
        state = _state(db, row)
        assert state.attempts == attempt + 1
        now = as_utc(state.due_at)
    failed = _state(db, row)
    assert failed.state == DeliveryState.FAILED
    assert "451" in failed.last_error
    assert deliver_due(now=now + timedelta(days=1)) == 0  # failed is left alone

    sink.refuse_with = None
    assert services.retry(db.session, admin, row.id) is True
    db.session.commit()
    retried = _state(db, row)
    assert (retried.state, retried.attempts) == (DeliveryState.PENDING, 0)
    assert deliver_due() == 1
    assert sink.ids() == {message_id(row.id): 1}


def test_a_permanent_refusal_fails_at_once_and_others_still_go(db, make, sink, queue):
    refused = queue(make.user(), due_at=T0)
    sink.refuse_rcpt = "550 5.1.1 <someone@example.org>: Recipient address rejected"
    deliver_due(now=T0)
    failed = _state(db, refused)
    assert failed.state == DeliveryState.FAILED
    assert failed.attempts == 1
    assert "550" in failed.last_error
    assert "@" not in failed.last_error  # the address is not kept

    sink.refuse_rcpt = None
    fine = queue(make.user(), due_at=T0)
    assert deliver_due(now=T0) == 1
    assert sink.ids() == {message_id(fine.id): 1}


def test_a_row_stuck_in_sending_is_retried_after_10_minutes_only(db, make, sink, queue):
    young = queue(make.user(), due_at=T0, state=DeliveryState.SENDING, attempts=1,
                  claimed_at=T0 - timedelta(minutes=9))  # fmt: skip
    old = queue(make.user(), due_at=T0, state=DeliveryState.SENDING, attempts=1,
                claimed_at=T0 - timedelta(minutes=11))  # fmt: skip
    assert deliver_due(now=T0) == 1
    assert sink.ids() == {message_id(old.id): 1}
    assert _state(db, young).state == DeliveryState.SENDING
    assert _state(db, old).attempts == 2
    assert deliver_due(now=T0 + timedelta(minutes=2)) == 1
    assert sink.ids() == {message_id(old.id): 1, message_id(young.id): 1}


def test_a_claim_takes_rows_once(db, make, queue):
    user = make.user()
    rows = [queue(user, due_at=T0) for _ in range(5)]
    first = claim(db.session, T0, limit=3)
    second = claim(db.session, T0, limit=3)
    assert len(first) == 3 and len(second) == 2
    assert sorted(first + second) == sorted(r.id for r in rows)
    assert claim(db.session, T0 + timedelta(minutes=5)) == []
