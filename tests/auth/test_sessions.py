"""Sessions end for good: on sign-out, password change, disabling, and after idle or 12 hours."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.core.support import SIGNED_OUT_IDLE
from tests.factories import PASSWORD
from tests.helpers import sign_in, submit

NEW_PASSWORD = "a different long password"


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app, cookie_value: str):
    """A new browser presenting an old session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def assert_signed_out(client) -> None:
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/account/sign-in")


def test_a_copied_cookie_works_while_the_session_lives(app, client, login_as):
    """The control for the tests below: replaying a live session cookie signs you in."""
    login_as("staff")
    assert replay(app, session_cookie(client)).get("/account").status_code == 200


def test_the_old_cookie_is_dead_after_sign_out(app, client, login_as):
    login_as("staff")
    old = session_cookie(client)

    response = submit(client, "/account/sign-out", {}, page="/account")
    assert response.status_code == 302
    assert response.location == "/account/signed-out"

    assert_signed_out(client)
    assert_signed_out(replay(app, old))


def test_sign_out_ends_every_other_session_too(app, client, login_as):
    user = login_as("staff")
    laptop = app.test_client()
    sign_in(laptop, user.email)
    submit(client, "/account/sign-out", {}, page="/account")
    assert_signed_out(laptop)


def test_a_password_change_ends_other_sessions_but_keeps_this_one(app, client, login_as):
    user = login_as("staff")
    old = session_cookie(client)
    laptop = app.test_client()
    sign_in(laptop, user.email)

    response = submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == "/account"

    assert client.get("/account").status_code == 200
    assert_signed_out(replay(app, old))
    assert_signed_out(laptop)


def test_disabling_an_account_ends_its_sessions(app, client, login_as, make):
    user = login_as("staff")
    old = session_cookie(client)
    admin = make.user(roles=["admin"])
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)

    page = f"/admin/users/{user.id}"
    response = submit(admin_client, f"/admin/users/{user.id}/active", {"active": "0"}, page=page)
    assert response.status_code == 302
    assert_signed_out(client)
    assert_signed_out(replay(app, old))

    # Enabling the account again does not bring the old session back.
    submit(admin_client, f"/admin/users/{user.id}/active", {"active": "1"}, page=page)
    assert_signed_out(replay(app, old))
    sign_in(app.test_client(), user.email)  # but the person can sign in again


@pytest.fixture
def clock():
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def assert_signed_out_for_inactivity(client) -> None:
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/account/sign-in")
    page = client.get(response.location)
    assert SIGNED_OUT_IDLE in page.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # and it stays signed out


def test_thirty_idle_minutes_sign_you_out(client, login_as, clock):
    login_as("staff")
    clock.shift(timedelta(minutes=30, seconds=1))
    assert_signed_out_for_inactivity(client)


def test_activity_within_thirty_minutes_keeps_the_session(client, login_as, clock):
    login_as("staff")
    for _ in range(4):  # two hours in all, never idle for more than 29 minutes
        clock.shift(timedelta(minutes=29))
        assert client.get("/account").status_code == 200
    clock.shift(timedelta(minutes=31))
    assert_signed_out_for_inactivity(client)


def test_twelve_hours_sign_you_out_however_busy_you_are(client, login_as, clock):
    login_as("staff")
    elapsed = timedelta()
    step = timedelta(minutes=25)
    while elapsed + step <= timedelta(hours=12):
        clock.shift(step)
        elapsed += step
        assert client.get("/account").status_code == 200, f"signed out after {elapsed}"
    clock.shift(step)  # 12 hours 5 minutes after signing in
    assert_signed_out_for_inactivity(client)


def test_the_sign_in_page_does_not_claim_a_timeout_otherwise(client):
    page = client.get("/account/sign-in")
    assert SIGNED_OUT_IDLE not in page.get_data(as_text=True)
