"""Someone who must have a second factor and has none reaches nothing but the enrolment pages
and signing out, whatever the route; the JSON API, known by its tokens, is unchanged."""

import pytest

from diaspora.api import tokens
from diaspora.factors.gate import ENROLMENT_ENDPOINTS, OPEN_ENDPOINTS
from diaspora.organisations.models import Membership
from tests.factors.support import html
from tests.helpers import sign_in, submit

SET_UP = "/account/two-factor/set-up"


@pytest.fixture
def newcomer(make, db):
    """A member of an organisation, without a second factor (as everyone was before)."""
    user = make.user()
    organisation = make.organisation()
    db.session.add(Membership(user=user, organisation=organisation))
    db.session.commit()
    return user


def _simple_get_routes(app):
    for rule in app.url_map.iter_rules():
        if (
            "GET" in rule.methods
            and not rule.arguments
            and rule.endpoint not in OPEN_ENDPOINTS | ENROLMENT_ENDPOINTS
            and not rule.endpoint.startswith("api.")
        ):
            yield rule.rule


def test_every_page_sends_them_to_set_up_a_second_factor(app, client, newcomer):
    sign_in(client, newcomer.email)
    routes = list(_simple_get_routes(app))
    assert "/account/tokens" in routes and "/account" in routes
    for path in routes:
        response = client.get(path)
        assert response.status_code == 302 and response.location == SET_UP, path
    page = client.get(SET_UP)
    assert "a password alone is not enough" in html(page)
    for path in ("/account/two-factor/app", "/account/two-factor/passkeys/new"):
        assert client.get(path).status_code == 200
    # Forms too: no API token can be made before the second factor.
    made = submit(
        client, "/account/tokens", {"name": "Rota", "scope": "read", "days": "90"}, page=SET_UP
    )
    assert made.location == SET_UP
    assert tokens.live_tokens(client.application.extensions["sqlalchemy"].session, newcomer) == []
    # Signing out works.
    assert submit(client, "/account/sign-out", {}, page=SET_UP).location == "/account/signed-out"


def test_an_administrator_without_a_factor_is_sent_to_set_one_up(client, make):
    admin = make.user(roles=["admin"], second_factor=False)
    sign_in(client, admin.email)
    assert client.get("/admin/").location == SET_UP


def test_staff_without_a_factor_go_where_they_like(client, make):
    staff = make.user()
    sign_in(client, staff.email)
    assert client.get("/account").status_code == 200
    assert "A second factor keeps your account safe" in html(client.get(SET_UP))


def test_the_api_still_answers_their_tokens(client, db, newcomer):
    _token, secret = tokens.create(db.session, newcomer, "Rota system", "read")
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
