"""Registration, verification, sign-in, password reset and email change, with real email."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from diaspora.account import services as account
from diaspora.auth import services
from diaspora.auth.models import User
from tests.core.support import snapshot, without_nonces
from tests.factories import PASSWORD
from tests.helpers import SmtpSink, error_summary, sign_in, submit

REGISTER = "/account/register/staff"
SIGN_IN = "/account/sign-in"
FORGOT = "/account/forgot-password"
GOOD_PASSWORD = "a long enough password"


def link_path(message) -> str:
    return urlsplit(SmtpSink.link(message)).path


def register(client, email: str, name: str = "Ann Example", password: str = GOOD_PASSWORD):
    return submit(client, REGISTER, {"display_name": name, "email": email, "password": password})


def user_by_email(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


def test_register_confirm_and_sign_in(client, smtp, db):
    response = register(client, "Ann.Example@Example.org")
    assert response.status_code == 302
    assert response.location == "/account/check-your-email"
    assert "Check your email" in client.get(response.location).get_data(as_text=True)

    [message] = smtp.delivered(1)
    assert message["To"] == "ann.example@example.org"
    assert message["Subject"] == "Confirm your email address"
    user = user_by_email(db, "ann.example@example.org")
    assert user is not None
    assert user.email_verified_at is None
    assert user.role_names == {"staff"}

    # Not yet: an unverified account cannot sign in, and is told why.
    refused = submit(client, SIGN_IN, {"email": user.email, "password": GOOD_PASSWORD})
    assert refused.status_code == 200
    assert error_summary(refused) == [
        "You need to confirm your email address before you can sign in"
    ]
    assert "Send the confirmation email again" in refused.get_data(as_text=True)
    assert client.get("/account").status_code == 302

    path = link_path(message)
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my email address" in page.get_data(as_text=True)
    assert user_by_email(db, user.email).email_verified_at is None  # the GET changed nothing

    confirmed = submit(client, path, {})
    assert confirmed.status_code == 302
    assert confirmed.location == SIGN_IN
    assert user_by_email(db, user.email).email_verified_at is not None

    sign_in(client, user.email, GOOD_PASSWORD)
    assert client.get("/account").status_code == 200


def test_a_verification_link_is_tied_to_the_address(app, client, make, db):
    user = make.user(verified=False)
    with app.test_request_context():
        token = services.make_token("verify", {"u": user.id, "e": services.fingerprint("x@y.org")})
    assert client.get(f"/account/verify/{token}").status_code == 400
    assert client.get("/account/verify/not-a-token").status_code == 400


def test_registering_a_taken_address_looks_the_same_and_tells_the_owner(client, smtp, make, db):
    owner = make.user(email="taken@example.org")
    fresh = register(client, "new.person@example.org")
    smtp.delivered(1)
    before = snapshot()

    taken = register(client, "Taken@Example.org", name="Somebody Else")
    assert taken.status_code == fresh.status_code == 302
    assert taken.location == fresh.location
    assert without_nonces(client.get(taken.location).get_data(as_text=True)) == without_nonces(
        client.get(fresh.location).get_data(as_text=True)
    )

    messages = smtp.delivered(2)
    assert [m["Subject"] for m in smtp.to(owner.email)] == [
        "Someone tried to register with your email address"
    ]
    assert len(messages) == 2
    after = snapshot()
    after.pop("notifications"), before.pop("notifications")  # the email to the owner
    assert after == before  # no account, no change to the owner's


def test_resend_verification_sends_a_fresh_link_only_to_unverified_accounts(client, smtp, make):
    unverified = make.user(verified=False)
    verified = make.user()
    for email in (verified.email, "nobody@example.org", unverified.email):
        response = submit(client, "/account/resend-verification", {"email": email})
        assert response.location == "/account/check-your-email"
    [message] = smtp.delivered(1)
    assert message["To"] == unverified.email
    assert client.get(link_path(message)).status_code == 200


def test_forgot_password_reads_the_same_for_unknown_addresses(client, smtp, make):
    user = make.user()
    unknown = submit(client, FORGOT, {"email": "nobody@example.org"})
    assert unknown.status_code == 200
    assert smtp.delivered(0) == []  # nothing was queued for an unknown address

    known = submit(client, FORGOT, {"email": user.email})
    assert known.status_code == 200
    assert without_nonces(unknown.get_data(as_text=True)) == without_nonces(
        known.get_data(as_text=True)
    )
    [message] = smtp.delivered(1)
    assert (message["To"], message["Subject"]) == (user.email, "Reset your password")


def test_a_reset_link_works_once(client, smtp, make, db):
    user = make.user()
    submit(client, FORGOT, {"email": user.email})
    path = link_path(smtp.delivered(1)[0])

    assert client.get(path).status_code == 200
    response = submit(client, path, {"password": "my brand new password"})
    assert response.status_code == 302
    assert response.location == SIGN_IN

    assert [m["Subject"] for m in smtp.delivered(2)] == [
        "Reset your password",
        "Your password has been changed",
    ]
    wrong = submit(client, SIGN_IN, {"email": user.email, "password": PASSWORD})
    assert wrong.status_code == 200
    sign_in(client, user.email, "my brand new password")

    again = client.get(path)
    assert again.status_code == 400
    assert "This link has expired or has already been used" in again.get_data(as_text=True)
    reused = submit(client, path, {"password": "yet another password"}, page=FORGOT)
    assert reused.status_code == 400


def test_a_reset_link_expires_after_an_hour(client, smtp, make):
    user = make.user()
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        submit(client, FORGOT, {"email": user.email})
        path = link_path(smtp.delivered(1)[0])
        clock.shift(timedelta(minutes=59))
        assert client.get(path).status_code == 200
        clock.shift(timedelta(minutes=1, seconds=2))
        expired = client.get(path)
    assert expired.status_code == 400
    assert "Password reset links work once, for 1 hour." in expired.get_data(as_text=True)


PASSWORD_RULES = [
    ("123456789", "Ann Example", "Password must be 10 characters or more"),
    ("x" * 129, "Ann Example", "Password must be 128 characters or fewer"),
    ("Rules@Example.org", "Ann Example", "Password must not be your email address"),
    ("annabel example", "Annabel Example", "Password must not be your name"),
]


@pytest.mark.parametrize(("password", "name", "message"), PASSWORD_RULES)
def test_password_rules(client, db, password, name, message):
    response = register(client, "rules@example.org", name=name, password=password)
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert user_by_email(db, "rules@example.org") is None


# Hard to guess as well as of the limit lengths (common or guessable passwords are refused).
@pytest.mark.parametrize(
    "password",
    ["Kx9!mPq2&w", ("orchid tram velvet lantern quiver " * 5)[:128]],
    ids=["10", "128"],
)
def test_password_length_limits_are_inclusive(client, db, password):
    assert register(client, "limits@example.org", password=password).status_code == 302
    assert user_by_email(db, "limits@example.org") is not None


def test_changing_email_needs_the_password_and_a_confirmed_link(client, smtp, login_as, db):
    user = login_as("staff")
    old_email = user.email
    new_email = "moved.on@example.org"

    refused = submit(client, "/account/email", {"email": new_email, "current_password": "wrong"})
    assert refused.status_code == 200
    assert error_summary(refused) == ["Your current password is not correct"]
    assert user_by_email(db, old_email).pending_email is None

    response = submit(client, "/account/email", {"email": new_email, "current_password": PASSWORD})
    assert response.location == "/account/check-your-email"
    [message] = smtp.delivered(1)
    assert (message["To"], message["Subject"]) == (new_email, "Confirm your new email address")
    assert len(smtp.messages) == 1  # the password had been wrong: nothing sent then
    assert user_by_email(db, old_email).pending_email == new_email
    assert user_by_email(db, new_email) is None  # not changed yet

    path = link_path(message)
    assert client.get(path).status_code == 200
    assert user_by_email(db, new_email) is None
    confirmed = submit(client, path, {})
    assert confirmed.location == "/account"

    assert user_by_email(db, old_email) is None
    assert user_by_email(db, new_email).id == user.id
    assert [m["Subject"] for m in smtp.delivered(2) if m["To"] == old_email] == [
        "Your email address has changed"
    ]
    elsewhere = client.application.test_client()
    sign_in(elsewhere, new_email)
    assert elsewhere.get("/account").status_code == 200


def test_passwords_are_stored_as_argon2id(client, smtp, db):
    register(client, "hash@example.org")
    stored = user_by_email(db, "hash@example.org").password_hash
    assert stored.startswith("$argon2id$")
    assert GOOD_PASSWORD not in stored


def test_the_hash_is_upgraded_at_sign_in_when_the_parameters_change(app, client, make, db):
    user = make.user()
    original = user.password_hash
    sign_in(client, user.email)
    assert user_by_email(db, user.email).password_hash == original  # same parameters: untouched

    app.config["ARGON2_TIME_COST"] = 2
    sign_in(app.test_client(), user.email)
    upgraded = user_by_email(db, user.email).password_hash
    assert upgraded != original
    assert upgraded.startswith("$argon2id$") and ",t=2," in upgraded
    sign_in(app.test_client(), user.email)  # and the new hash still verifies


def test_mail_waits_for_the_commit(app, smtp, db):
    details = {"display_name": "Rolled Back", "password": GOOD_PASSWORD, "roles": ["staff"]}
    with app.test_request_context():
        user = account.register_user(db.session, email="rollback@example.org", **details)
        assert user is not None
        db.session.flush()
        assert smtp.messages == []
        db.session.rollback()
    assert smtp.delivered(0) == []
    assert user_by_email(db, "rollback@example.org") is None

    with app.test_request_context():
        account.register_user(db.session, email="kept@example.org", **details)
        assert smtp.messages == []
        db.session.commit()
    [message] = smtp.delivered(1)
    assert message["To"] == "kept@example.org"  # the rolled-back message never went out
