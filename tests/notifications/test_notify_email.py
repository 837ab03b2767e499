"""Emails through GOV.UK Notify (EMAIL_CHANNEL = "notify"): the official client against the
local server that plays Notify's email endpoint; SMTP stays the default."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from diaspora.core.time import as_utc
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.models import DeliveryState, Notification

T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.app_config(SERVICE_URL="https://diaspora.example.org")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=True):  # Notify checks the token's time against its own
        yield


@pytest.fixture
def notify_email(app, notify):
    app.config["EMAIL_CHANNEL"] = "notify"
    return notify


def _reloaded(db, row) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


def test_an_email_goes_through_notify_with_subject_and_body(db, make, notify_email, queue, sink):
    user = make.user(email="amina@example.org")
    row = queue(user, subject="Your application was accepted", due_at=T0)
    assert deliver_due(now=T0) == 1
    assert deliver_due(now=T0 + timedelta(minutes=20)) == 0
    [email] = notify_email.emails
    assert email["email_address"] == "amina@example.org"
    assert email["template_id"] == notify_email.email_template_id
    assert email["reference"] == f"notification-{row.id}"
    personalisation = email["personalisation"]
    assert personalisation["subject"] == "Your application was accepted"
    body = personalisation["body"]
    assert body.startswith("The organisation has answered your application.\n")
    assert "Open it in the service:\nhttps://diaspora.example.org/engagements" in body
    assert "Choose which emails you get: https://diaspora.example.org/" in body
    assert sink.messages == [] and notify_email.messages == []  # not SMTP, not a text
    sent = _reloaded(db, row)
    assert (sent.state, as_utc(sent.sent_at)) == (DeliveryState.SENT, T0)


def test_a_daily_summary_is_one_notify_email(db, make, notify_email, queue):
    user = make.user()
    first = queue(user, subject="One", digest=True, due_at=T0, dedupe_key="a")
    queue(user, subject="Two", digest=True, due_at=T0, dedupe_key="b")
    assert deliver_due(now=T0) == 2
    [email] = notify_email.emails
    assert email["personalisation"]["subject"] == "Your daily summary"
    assert "1. One" in email["personalisation"]["body"]
    assert "2. Two" in email["personalisation"]["body"]
    assert email["reference"] == f"notification-{first.id}.digest"


def test_an_address_notify_refuses_fails_and_a_server_error_is_retried(
    db, make, notify_email, queue
):
    refused = make.user(email="nobody@example.org")
    notify_email.refuse.add("nobody@example.org")
    failed = queue(refused, due_at=T0)
    later = queue(make.user(), due_at=T0)
    notify_email.script.extend([201, 500])  # the first request goes, the second meets a 500
    deliver_due(now=T0)
    assert _reloaded(db, failed).state == DeliveryState.FAILED
    assert (
        _reloaded(db, failed).last_error == "Notify 400 BadRequestError: Not a valid email address"
    )
    waiting = _reloaded(db, later)
    assert waiting.state == DeliveryState.PENDING
    assert as_utc(waiting.due_at) == T0 + timedelta(minutes=1)


def test_notify_email_without_its_template_fails_as_unconfigured(db, app, make, notify, queue):
    app.config.update(EMAIL_CHANNEL="notify", NOTIFY_EMAIL_TEMPLATE_ID=None)
    row = queue(make.user(), due_at=T0)
    deliver_due(now=T0)
    failed = _reloaded(db, row)
    assert failed.state == DeliveryState.FAILED
    assert failed.last_error == "Not sent: emails through Notify are not configured"
    assert notify.emails == []


def test_smtp_stays_the_default(db, make, notify, queue, sink):
    row = queue(make.user(), due_at=T0)
    assert deliver_due(now=T0) == 1
    assert len(sink.messages) == 1 and notify.emails == []
    assert _reloaded(db, row).state == DeliveryState.SENT
