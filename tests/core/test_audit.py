"""The audit log records who did what, from where, keeps personal data out, and never changes."""

import json

import pytest

from diaspora.audit.models import AuditEvent, AuditLogIsAppendOnly
from diaspora.auth.models import User
from tests.factories import PASSWORD
from tests.helpers import submit

IP = "203.0.113.7"


@pytest.fixture
def remote_client(client):
    """The browser, seen from a documentation address, so the recorded IP is clearly its own."""
    client.environ_base["REMOTE_ADDR"] = IP
    return client


def events(db, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action)))


def only_event(db, action: str) -> AuditEvent:
    found = events(db, action)
    assert len(found) == 1, f"{len(found)} {action} events"
    return found[0]


def as_text(event: AuditEvent) -> str:
    columns = {c.name: getattr(event, c.key) for c in AuditEvent.__table__.columns}
    return json.dumps(columns, default=str)


def test_sign_in_is_recorded(remote_client, make, db):
    user = make.user()
    submit(remote_client, "/account/sign-in", {"email": user.email, "password": PASSWORD})
    event = only_event(db, "sign_in")
    assert (event.actor_id, event.subject_type, event.subject_id) == (user.id, "User", user.id)
    assert event.ip == IP
    assert event.at is not None


def test_a_failed_sign_in_is_recorded_without_the_address(remote_client, make, db):
    user = make.user(email="known.person@example.org")
    for email in (user.email, "Unknown.Person@Example.org"):
        submit(remote_client, "/account/sign-in", {"email": email, "password": "wrong password"})

    wrong, unknown = sorted(events(db, "sign_in.failed"), key=lambda e: e.id)
    assert (wrong.subject_type, wrong.subject_id, wrong.actor_id) == ("User", user.id, None)
    assert wrong.details == {"reason": "wrong_password"}
    assert (unknown.subject_id, unknown.actor_id) == (None, None)
    assert unknown.details == {"reason": "unknown_account"}
    for event in (wrong, unknown):
        assert event.ip == IP
        text = as_text(event).lower()
        assert "known.person" not in text
        assert "example.org" not in text
        assert "wrong password" not in text


def test_registration_is_recorded(remote_client, smtp, db):
    data = {
        "display_name": "New Person",
        "email": "new.person@example.org",
        "password": "orchid tram velvet lantern",
    }
    submit(remote_client, "/account/register/staff", data)
    user = db.session.scalar(db.select(User).filter_by(email="new.person@example.org"))
    event = only_event(db, "account.registered")
    assert (event.actor_id, event.subject_type, event.subject_id) == (user.id, "User", user.id)
    assert event.ip == IP
    assert event.details == {"roles": ["staff"]}
    assert "new.person" not in as_text(event)


def test_a_password_change_is_recorded(remote_client, login_as, db):
    user = login_as("staff")
    data = {"current_password": PASSWORD, "password": "another long password"}
    assert submit(remote_client, "/account/password", data).status_code == 302
    event = only_event(db, "account.password_changed")
    assert (event.actor_id, event.subject_type, event.subject_id) == (user.id, "User", user.id)
    assert event.ip == IP
    assert event.details == {"via": "change", "tokens_revoked": 0}
    assert "another long password" not in as_text(event)


def test_an_account_being_disabled_names_the_admin(app, client, login_as, make, db):
    admin = login_as("admin")
    person = make.user()
    page = f"/admin/users/{person.id}"
    submit(client, f"/admin/users/{person.id}/active", {"active": "0"}, page=page)
    event = only_event(db, "account.disabled")
    assert (event.actor_id, event.subject_id) == (admin.id, person.id)


@pytest.fixture
def recorded(client, make, db) -> AuditEvent:
    user = make.user()
    submit(client, "/account/sign-in", {"email": user.email, "password": PASSWORD})
    return only_event(db, "sign_in")


def test_audit_events_cannot_be_changed(recorded, db):
    recorded.action = "nothing.to.see"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert only_event(db, "sign_in").id == recorded.id
    assert events(db, "nothing.to.see") == []


def test_audit_events_cannot_be_deleted(recorded, db):
    db.session.delete(recorded)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert only_event(db, "sign_in").id == recorded.id


def test_an_email_change_request_is_recorded_against_the_user(remote_client, login_as, db):
    user = login_as("staff")
    data = {"email": "elsewhere@example.org", "current_password": PASSWORD}
    assert submit(remote_client, "/account/email", data).status_code == 302
    event = only_event(db, "account.email_change_requested")
    assert (event.actor_id, event.subject_type, event.subject_id) == (user.id, "User", user.id)
    assert "elsewhere" not in as_text(event)
