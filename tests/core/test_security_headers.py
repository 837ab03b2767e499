"""Security headers on every kind of response, and the session cookie's flags."""

import re

import pytest

from diaspora import config
from tests.core.support import ProductionTestConfig, csp_nonce, fresh_app

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>")
SCRIPT_NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def test_app(database_url):
    """An application with a route that fails, added before it serves its first request."""
    with fresh_app(config.TestConfig, database_url) as app:

        @app.get("/boom")
        def boom():
            raise RuntimeError("something broke")

        yield app


def fetch(app, path: str, status: int):
    response = app.test_client().get(path)
    assert response.status_code == status, path
    return response


def assert_security_headers(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"

    nonce = csp_nonce(response)
    inline = INLINE_SCRIPT.findall(response.get_data(as_text=True))
    assert inline, "the page has no inline script to check"
    for attributes in inline:
        match = SCRIPT_NONCE.search(attributes)
        assert match, "an inline script without a nonce"
        assert match.group(1) == nonce, "the script's nonce is not the one in the header"


CASES = [
    ("/", 200, "Diaspora health partnerships"),
    ("/no-such-page", 404, "Page not found"),
    ("/boom", 500, "Sorry, there is a problem with the service"),
]


@pytest.mark.parametrize(("path", "status", "heading"), CASES, ids=["200", "404", "500"])
def test_headers_on_every_kind_of_response(test_app, path, status, heading, caplog):
    response = fetch(test_app, path, status)
    assert_security_headers(response)
    html = response.get_data(as_text=True)
    assert heading in html
    assert "nhsuk-header" in html
    assert "Strict-Transport-Security" not in response.headers
    if status == 500:
        assert "something broke" not in html  # no internals shown to the public
        assert "Unhandled error" in caplog.text


def test_each_response_gets_a_fresh_nonce(test_app):
    assert csp_nonce(fetch(test_app, "/", 200)) != csp_nonce(fetch(test_app, "/", 200))


def test_signed_in_pages_are_not_stored(client, login_as):
    login_as("staff")
    for path, status in [("/account", 200), ("/", 200), ("/no-such-page", 404)]:
        response = client.get(path)
        assert response.status_code == status
        assert "no-store" in response.headers["Cache-Control"], path
        assert_security_headers(response)


def _cookie_header(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if "session=" in value]
    assert cookies, "the page set no session cookie"
    return cookies[0]


def test_session_cookie_flags_in_testing(client):
    cookie = _cookie_header(client.get("/account/sign-in"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development and tests


@pytest.fixture
def production_app(database_url):
    with fresh_app(ProductionTestConfig, database_url) as app:
        yield app


def test_production_config_insists_on_a_secret_key(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


@pytest.mark.parametrize(("path", "status"), [("/", 200), ("/no-such-page", 404)])
def test_production_sends_hsts(production_app, path, status):
    response = fetch(production_app, path, status)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_security_headers(response)


def test_production_session_cookie_is_secure(production_app):
    cookie = _cookie_header(fetch(production_app, "/account/sign-in", 200))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
