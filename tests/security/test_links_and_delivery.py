"""Regression tests for links built from the configured address (finding 1), email delivery
that one bad message cannot stop (finding 2) and account emails sent through the outbox
(finding 3)."""

import re
import smtplib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import request, url_for
from sqlalchemy import select

from diaspora import config
from diaspora.core.time import as_utc, utcnow
from diaspora.notifications import services as notifications
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.mail import ACCOUNT_KIND
from diaspora.notifications.models import Channel, DeliveryState, Notification
from tests.core.support import ProductionTestConfig, fresh_app
from tests.helpers import SmtpSink, free_port, submit

FORGOT = "/account/forgot-password"
SERVICE = "https://diaspora.example.org"
SOURCE = Path(__file__).resolve().parents[2] / "diaspora"


def _email_row(db, user, **fields) -> Notification:
    values = {
        "recipient_id": user.id,
        "kind": "engagement_update",
        "channel": Channel.EMAIL,
        "subject": "Your application",
        "body": "The organisation has answered your application.",
        "link": "/engagements",
        "due_at": utcnow(),
        "state": DeliveryState.PENDING,
        "attempts": 0,
    }
    row = Notification(**(values | fields))
    db.session.add(row)
    db.session.commit()
    return row


def _states(db, rows) -> dict[int, str]:
    db.session.expire_all()
    return {row.id: db.session.get(Notification, row.id).state for row in rows}


# Finding 1: links come from SERVICE_URL, never from the request ----------------------------


@pytest.mark.app_config(SERVICE_URL=SERVICE, WTF_CSRF_ENABLED=False)
def test_finding_1_reset_link_ignores_a_forged_host_header(client, make, smtp):
    """(CSRF is off only because the forged host gets no session cookie in the test client.)"""
    user = make.user()
    data = {"email": user.email}
    response = client.post(FORGOT, data=data, headers={"Host": "evil.example"})
    assert response.status_code == 200
    [message] = smtp.delivered(1)
    link = SmtpSink.link(message)
    assert link.startswith(f"{SERVICE}/account/reset-password/"), link
    assert "evil.example" not in message.get_body(("plain",)).get_content()


@pytest.mark.app_config(SERVICE_URL=SERVICE)
def test_finding_1_external_urls_are_built_on_the_service_address(app):
    with app.test_request_context("/", base_url="http://evil.example"):
        assert request.host == "evil.example"
        assert url_for("auth.sign_in", _external=True) == f"{SERVICE}/account/sign-in"
        assert url_for("auth.sign_in", _scheme="http").startswith(SERVICE)
        assert url_for("auth.sign_in") == "/account/sign-in"
    with app.app_context():  # no request at all: the scheduler
        assert url_for("auth.sign_in") == f"{SERVICE}/account/sign-in"


def test_finding_1_no_link_is_taken_from_the_request():
    """The whole class: outside the one place that builds addresses, nothing in the service
    builds one from the request."""
    pattern = re.compile(r"host_url|url_root|_external=True|request\.host\b")
    found = [
        f"{path.relative_to(SOURCE)}:{number}"
        for path in SOURCE.rglob("*.py")
        if path != SOURCE / "core" / "urls.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def test_finding_1_production_needs_a_service_url(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "a key")
    monkeypatch.setattr(config.ProductionConfig, "SERVICE_URL", None)
    with pytest.raises(RuntimeError, match="SERVICE_URL"):
        config.ProductionConfig()


def test_finding_1_production_refuses_unknown_hosts(database_url):
    with fresh_app(ProductionTestConfig, database_url) as app:
        client = app.test_client()
        assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/", headers={"Host": "localhost"}).status_code == 200


@pytest.mark.parametrize(("proxies", "seen"), [(1, "203.0.113.9"), (0, "10.0.0.1")])
def test_finding_1_client_address_comes_from_trusted_proxies_only(database_url, proxies, seen):
    with fresh_app(config.TestConfig, database_url, PROXY_COUNT=proxies) as app:
        app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.host}")
        response = app.test_client().get(
            "/whoami",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        assert response.get_data(as_text=True) == f"{seen} localhost"


# Finding 2: one bad email fails alone; outcomes are recorded as each is sent -----------------


def test_finding_2_one_unwritable_email_fails_alone(db, make, smtp):
    good = [_email_row(db, make.user()) for _ in range(3)]
    injected = make.user()
    crafted = _email_row(db, injected, subject="Hello\r\nBcc: spy@evil.example")
    bad_address = _email_row(
        db, make.user(), recipient_id=None, kind=ACCOUNT_KIND, link=None,
        address="victim@example.org\r\nBcc: spy@evil.example",
    )  # fmt: skip

    assert deliver_due() == 4
    messages = smtp.wait_for(4)
    assert all(m["Bcc"] is None for m in messages)
    assert [m["Subject"] for m in smtp.to(injected.email)] == ["Hello Bcc: spy@evil.example"]
    assert _states(db, [*good, crafted, bad_address]) == {
        **{row.id: DeliveryState.SENT for row in [*good, crafted]},
        bad_address.id: DeliveryState.FAILED,
    }
    error = db.session.get(Notification, bad_address.id).last_error
    assert error and "example.org" not in error and "evil" not in error


def test_finding_2_a_failed_email_shows_on_the_outbox_page(db, make, client, login_as):
    row = _email_row(db, make.user(), recipient_id=None, kind=ACCOUNT_KIND, address="x\n@y")
    deliver_due()
    assert _states(db, [row]) == {row.id: DeliveryState.FAILED}
    login_as("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "An address with no account" in page
    assert "Not sent: ValueError" in page
    assert "x\n@y" not in page


def test_finding_2_a_crash_mid_batch_keeps_what_was_sent(db, make, smtp, monkeypatch):
    rows = [_email_row(db, make.user()) for _ in range(5)]
    calls = Counter()
    real_sendmail = smtplib.SMTP.sendmail

    def sendmail(self, *args, **kwargs):
        calls["sendmail"] += 1
        if calls["sendmail"] == 4:
            raise SystemExit("killed")
        return real_sendmail(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", sendmail)
    with pytest.raises(SystemExit):
        deliver_due()
    states = Counter(_states(db, rows).values())
    assert states == {DeliveryState.SENT: 3, DeliveryState.SENDING: 2}

    monkeypatch.setattr(smtplib.SMTP, "sendmail", real_sendmail)
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        assert deliver_due() == 2
    ids = Counter(message["Message-ID"] for message in smtp.wait_for(5))
    assert len(ids) == 5 and set(ids.values()) == {1}, "an email was sent twice"


# Finding 3: account emails go through the outbox ---------------------------------------------


def test_finding_3_account_emails_wait_in_the_outbox_not_in_the_request(db, make, client, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens
    user = make.user()
    notifications.set_preferences(db.session, user, dict.fromkeys(notifications.KINDS, "off"))
    db.session.commit()

    response = submit(client, FORGOT, {"email": user.email})
    assert response.status_code == 200

    [row] = db.session.scalars(select(Notification)).all()
    assert (row.kind, row.channel, row.state, row.digest) == (
        ACCOUNT_KIND,
        Channel.EMAIL,
        DeliveryState.PENDING,
        False,
    )
    assert (row.recipient_id, row.address) == (None, user.email)
    assert as_utc(row.due_at) <= utcnow()
    assert notifications.unread_count(db.session, user) == 0  # not in anybody's inbox

    assert deliver_due() == 0  # SMTP down: kept for later, not lost
    db.session.refresh(row)
    assert row.state == DeliveryState.PENDING and row.last_error


def test_finding_3_an_account_email_is_delivered_by_the_next_tick(db, make, client, smtp):
    user = make.user()
    submit(client, FORGOT, {"email": user.email})
    assert smtp.messages == []
    [message] = smtp.delivered(1)
    assert message["Subject"] == "Reset your password"
    assert "/account/reset-password/" in SmtpSink.link(message)
    assert "Choose which emails you get" not in message.get_body(("plain",)).get_content()
    sent = db.session.scalar(select(Notification).where(Notification.kind == ACCOUNT_KIND))
    assert sent.state == DeliveryState.SENT
    assert sent.body == ""  # the reset link is not kept once sent


def test_finding_3_erasure_removes_account_emails_to_the_address(db, make, client):
    user = make.user()
    submit(client, FORGOT, {"email": user.email})
    notifications.forget(db.session, user)
    db.session.commit()
    assert db.session.scalars(select(Notification)).all() == []
