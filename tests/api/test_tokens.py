"""Personal access tokens: made, shown once, stored hashed, revoked; the API's door."""

import re

import pytest
from sqlalchemy import select

from diaspora.api import tokens
from diaspora.api.models import AccessToken
from diaspora.audit.models import AuditEvent
from diaspora.core.time import as_utc
from tests.helpers import error_summary, submit

PAGE = "/account/tokens"
SECRET = re.compile(r"dsp_[A-Za-z0-9_-]{43}")


def make_token(client, name="Rota system", scope="read-write") -> str:
    response = submit(client, PAGE, {"name": name, "scope": scope})
    assert response.status_code == 200
    [secret] = SECRET.findall(response.get_data(as_text=True))
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_the_page_needs_an_account(client, db):
    assert client.get(PAGE).status_code == 302
    assert client.get("/account").status_code == 302


def test_the_account_page_links_to_tokens(client, login_as):
    login_as("staff")
    assert f'href="{PAGE}"' in client.get("/account").get_data(as_text=True)


def test_a_token_is_shown_once_and_stored_hashed(client, login_as, db):
    user = login_as("partner")
    response = submit(client, PAGE, {"name": "Rota system", "scope": "read"})
    html = response.get_data(as_text=True)
    [secret] = SECRET.findall(html)
    assert "only time the token is shown" in html
    assert "no-store" in response.headers["Cache-Control"]

    [row] = db.session.scalars(select(AccessToken)).all()
    assert (row.user_id, row.name, row.scope) == (user.id, "Rota system", "read")
    assert row.digest == tokens.digest(secret) != secret
    assert secret.startswith(row.prefix) and len(row.prefix) == 8
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Rota system" in listing and row.prefix in listing
    assert secret not in listing
    event = db.session.scalar(select(AuditEvent).filter_by(action="token.created"))
    assert event.actor_id == user.id and secret not in str(event.details)


def test_bad_input_is_explained_and_kept(client, login_as, db):
    login_as("staff")
    response = submit(client, PAGE, {"name": "  ", "scope": ""})
    assert error_summary(response) == [
        "Enter a name for the token, such as the system that will use it",
        "Choose what the token may do",
    ]
    response = submit(client, PAGE, {"name": "x" * 81, "scope": "read"})
    assert error_summary(response) == ["Name must be 80 characters or fewer"]
    assert 'value="read" checked' in response.get_data(as_text=True)
    assert db.session.scalar(select(AccessToken)) is None


def test_creating_needs_the_security_check(client, login_as, db):
    login_as("staff")
    assert client.post(PAGE, data={"name": "x", "scope": "read"}).status_code == 400
    assert db.session.scalar(select(AccessToken)) is None


def test_the_api_knows_the_caller_by_the_token(client, login_as, db):
    user = login_as("staff", name="Amina Rahman")
    secret = make_token(client, scope="read")
    client.get("/account/sign-out")

    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    expires_at = as_utc(db.session.scalar(select(AccessToken)).expires_at).isoformat()
    assert response.json == {
        "id": user.id,
        "display_name": "Amina Rahman",
        "roles": ["staff"],
        "token": {"name": "Rota system", "scope": "read", "expires_at": expires_at},
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(AccessToken)).last_used_at is not None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer dsp_wrong"},
        {"Authorization": "Basic x"},
    ],
)
def test_no_or_a_wrong_token_is_401_with_a_problem(client, db, headers):
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json["status"] == 401
    assert "Authorization: Bearer" in response.json["detail"]


def test_a_signed_in_browser_is_not_enough(client, login_as, db):
    """Cookies never authenticate the API, which is why it needs no CSRF token."""
    login_as("admin")
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_api_paths_answer_problems(client, login_as, db):
    login_as("staff")
    secret = make_token(client)
    response = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "Not Found"
    response = client.post("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_a_read_only_token_cannot_write(client, login_as, db):
    login_as("staff")
    secret = make_token(client, scope="read")
    response = client.delete("/api/v1/token", headers=bearer(secret))
    assert response.status_code == 403
    assert response.json["detail"] == "This token is read only."
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_a_token_can_revoke_itself(client, login_as, db):
    login_as("staff")
    secret = make_token(client, scope="read-write")
    assert client.delete("/api/v1/token", headers=bearer(secret)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_revoking_stops_the_token_at_once(client, login_as, db):
    login_as("staff")
    secret = make_token(client)
    token = db.session.scalar(select(AccessToken))
    page = f"{PAGE}/{token.id}/revoke"
    assert "Any system using it will stop working" in client.get(page).get_data(as_text=True)
    response = submit(client, page, {})
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Token “Rota system” revoked" in listing
    assert "You have no tokens." in listing
    assert db.session.scalar(select(AuditEvent).filter_by(action="token.revoked")) is not None


def test_nobody_else_can_see_or_revoke_a_token(client, login_as, make, db):
    owner = make.user()
    token, secret = tokens.create(db.session, owner, "Theirs", "read")
    db.session.commit()
    login_as("admin")
    assert "Theirs" not in client.get(PAGE).get_data(as_text=True)
    page = f"{PAGE}/{token.id}/revoke"
    assert client.get(page).status_code == 404
    assert submit(client, page, {}, page=PAGE).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_a_disabled_account_s_tokens_stop_at_once(client, make, db):
    owner = make.user()
    _token, secret = tokens.create(db.session, owner, "Theirs", "read")
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    owner.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_the_command_line_issues_a_token(app, make, db):
    user = make.user(roles=["partner"], email="rota@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["tokens", "create", "ROTA@example.org", "--name", "Rota", "--scope", "read-write"]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()  # the expiry date goes to stderr, so scripts read the secret
    assert SECRET.fullmatch(secret)
    token = tokens.authenticate(db.session, secret)
    assert (token.user_id, token.name, token.scope) == (user.id, "Rota", "read-write")

    unknown = runner.invoke(args=["tokens", "create", "nobody@example.org", "--name", "x"])
    assert unknown.exit_code != 0 and "No active account" in unknown.output
    bad = runner.invoke(args=["tokens", "create", "rota@example.org", "--name", " "])
    assert bad.exit_code != 0 and "Enter a name" in bad.output
