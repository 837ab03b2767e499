"""Ten wrong passwords an hour for one account, from clients it was never used on, and that
account's sign-in refuses them for a while; nobody else's is affected. (The owner's own device,
and the spraying of one password over many accounts: tests/security/test_accounts.py.)"""

import os
import socket

import pytest
import redis

from tests.factories import PASSWORD
from tests.helpers import sign_in, submit

SIGN_IN = "/account/sign-in"
WRONG = "not the right password"


def attempt(client, email: str, password: str):
    return submit(client, SIGN_IN, {"email": email, "password": password})


def fail_ten_times(client, email: str) -> None:
    for n in range(10):
        # However the address is typed, the failures count against the same account.
        typed = email.upper() if n % 2 else email.title()
        response = attempt(client, typed, WRONG)
        assert response.status_code == 200, f"attempt {n + 1} answered {response.status_code}"


def assert_throttled(response) -> None:
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html
    assert "nhsuk-header" in html


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(client, make):
    user = make.user()
    fail_ten_times(client, user.email)
    assert_throttled(attempt(client, user.email, PASSWORD))
    assert client.get("/account").status_code == 302  # not signed in


def test_another_account_is_unaffected(app, client, make):
    locked, other = make.user(), make.user()
    fail_ten_times(client, locked.email)
    assert_throttled(attempt(client, locked.email, PASSWORD))
    # Same browser, same IP address: the limit belongs to the account, not the connection.
    assert attempt(client, other.email, PASSWORD).status_code == 302
    assert attempt(app.test_client(), other.email, WRONG).status_code == 200


def test_nine_failures_still_let_the_right_password_in(client, make):
    user = make.user()
    for _ in range(9):
        assert attempt(client, user.email, WRONG).status_code == 200
    sign_in(client, user.email)


def test_successful_sign_ins_do_not_count_as_failures(client, make):
    user = make.user()
    for _ in range(12):
        sign_in(client, user.email)
    fail_ten_times(client, user.email)  # all ten are answered normally, none with 429
    assert_throttled(attempt(client, user.email, PASSWORD))


REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.app_config(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX="throttle-test")
def test_failures_are_counted_in_redis_as_in_production(client, make):
    """Production keeps the counts in Redis so that every worker shares them."""
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is expected on 127.0.0.1:6379 under CI")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    user = make.user()
    fail_ten_times(client, user.email)
    assert_throttled(attempt(client, user.email, PASSWORD))
    store = redis.Redis.from_url(REDIS_URL)
    keys = store.keys("*throttle-test*")
    assert keys, "the limiter did not store its counts in Redis"
    store.delete(*keys)
