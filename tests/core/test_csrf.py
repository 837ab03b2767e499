"""Every POST route refuses a request without a CSRF token, found by walking the URL map."""

import pytest

from diaspora import config
from tests.core.support import dummy_path, fresh_app, rules_accepting
from tests.helpers import submit

CSRF_PAGE = "The form you sent had expired or was missing its security check."


def post_rules(app) -> list:
    """The routes a browser's cookies could reach: the API's and the gateways' callbacks never
    look at cookies (see `test_the_api_ignores_the_session_cookie` and
    `test_the_gateways_callbacks_ignore_the_session_cookie`), so a forged cross-site request
    gets nowhere."""
    return [
        rule
        for rule in rules_accepting(app, "POST")
        if rule.endpoint != "static" and not rule.endpoint.startswith(("api.", "gateways."))
    ]


def assert_csrf_rejection(response, path: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400, f"POST {path} without a token: {response.status_code}"
    assert "Sorry, there is a problem with the request" in html, path
    assert CSRF_PAGE in html, f"POST {path} was not refused by the CSRF check"
    assert "nhsuk-header" in html, f"POST {path} did not answer the NHS page"


def test_the_enumeration_finds_the_post_routes(app):
    endpoints = {rule.endpoint for rule in post_rules(app)}
    assert {"auth.sign_in", "auth.sign_out", "auth.register_staff", "admin.set_active"} <= endpoints
    assert "static" not in endpoints


@pytest.mark.parametrize("signed_in_as", [None, "admin"], ids=["anonymous", "admin"])
def test_every_post_route_rejects_a_missing_csrf_token(app, client, login_as, signed_in_as):
    if signed_in_as:
        login_as(signed_in_as)
    rules = post_rules(app)
    assert rules
    for rule in rules:
        path = dummy_path(rule)
        assert_csrf_rejection(client.post(path, data={"email": "someone@example.org"}), path)
    if signed_in_as:  # still signed in: the refused sign-out POST did nothing
        assert client.get("/account").status_code == 200


def test_the_api_ignores_the_session_cookie(app, client, login_as):
    """Signed in with a cookie but no token, every API write is refused before it runs."""
    login_as("admin")
    writes = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert writes
    for rule, method in writes:
        path = dummy_path(rule)
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"


def test_a_wrong_csrf_token_is_rejected_too(client):
    response = client.post(
        "/account/sign-in",
        data={"email": "someone@example.org", "password": "x", "csrf_token": "forged"},
    )
    assert_csrf_rejection(response, "/account/sign-in")


def test_the_same_post_with_its_token_gets_past_the_check(client):
    """The control: it is the missing token, not the route, that earns the 400."""
    response = submit(client, "/account/sign-in", {"email": "nobody@example.org", "password": "x"})
    assert response.status_code == 200
    assert CSRF_PAGE not in response.get_data(as_text=True)


def test_a_post_route_added_later_is_covered_automatically(database_url):
    with fresh_app(config.TestConfig, database_url) as app:

        @app.post("/added-later/<int:thing_id>")
        def added_later(thing_id: int):
            return f"changed {thing_id}"

        rules = {rule.endpoint: rule for rule in post_rules(app)}
        assert "added_later" in rules
        path = dummy_path(rules["added_later"])
        assert_csrf_rejection(app.test_client().post(path), path)


def test_the_gateways_callbacks_ignore_the_session_cookie(app, client, login_as):
    """Exempt from CSRF, the callbacks of Notify and WhatsApp take a bearer token or a signature:
    signed in with a cookie but neither, every post is refused before it runs."""
    app.config.update(NOTIFY_CALLBACK_TOKEN="callback-token", WHATSAPP_APP_SECRET="app-secret")
    login_as("admin")
    rules = [rule for rule in rules_accepting(app, "POST") if rule.endpoint.startswith("gateways.")]
    assert {rule.endpoint for rule in rules} == {
        "gateways.notify_status",
        "gateways.notify_received",
        "gateways.whatsapp_webhook",
    }
    for rule in rules:
        path = dummy_path(rule)
        response = client.post(path, json={"status": "delivered"})
        assert response.status_code == 403, f"POST {path}: {response.status_code}"
