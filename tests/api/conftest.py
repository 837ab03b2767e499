"""What every API test needs: tokens for people, and calls made with them."""

import pytest

from diaspora.api import tokens

API = "/api/v1"


@pytest.fixture
def bearer(db):
    """bearer(user, scope="read-write"): the Authorization header of a new token of theirs."""

    def _bearer(user, scope: str = "read-write") -> dict[str, str]:
        _, secret = tokens.create(db.session, user, f"token {user.id} {scope}", scope)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _bearer


@pytest.fixture
def call(client, bearer):
    """call(user, method, path, json=None, scope="read-write"): the API, as `user` (one token
    per person and scope)."""
    headers: dict[tuple[int, str], dict[str, str]] = {}

    def _call(user, method: str, path: str, json=None, scope: str = "read-write"):
        key = (user.id, scope)
        if key not in headers:
            headers[key] = bearer(user, scope)
        return client.open(API + path, method=method, json=json, headers=headers[key])

    return _call


@pytest.fixture
def get(call):
    """get(user, path): a read with a read-only token."""
    return lambda user, path: call(user, "GET", path, scope="read")
