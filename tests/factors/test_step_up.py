"""Step-up: each sensitive action asks for the second factor again when it was last given more
than 15 minutes ago (the password, for someone who has no second factor), and changes nothing
until then."""

import re
from datetime import timedelta

import pytest
import time_machine

from diaspora.auth.models import User
from diaspora.organisations.models import Organisation
from tests.factors.support import STEP_UP, T0, html
from tests.fixtures.impact import RANGE_ARGS
from tests.helpers import csrf_token, second_factor_answer, sign_in, submit

LATER = timedelta(minutes=16)


def _coordinator(make):
    user = make.coordinator()
    return user, {"org": make.session.query(Organisation).order_by(Organisation.id.desc()).first()}


def _admin(make):
    admin = make.user(roles=["admin"])
    return admin, {"person": make.user(), "org": make.organisation(verified=False)}


# (name, who, method, path, form) for every sensitive action.
ACTIONS = [
    ("directory export", _coordinator, "POST", lambda w: "/directory/export", lambda w: {}),
    (
        "impact export",
        _coordinator,
        "POST",
        lambda w: f"/impact/organisations/{w['org'].id}/export/engagements",
        lambda w: RANGE_ARGS,
    ),
    (
        "role change",
        _admin,
        "POST",
        lambda w: f"/admin/users/{w['person'].id}",
        lambda w: {"roles": ["staff", "admin"]},
    ),
    (
        "organisation verification",
        _admin,
        "POST",
        lambda w: f"/admin/organisations/{w['org'].id}",
        lambda w: {"decision": "verify"},
    ),
    ("API token creation", _coordinator, "GET", lambda w: "/account/tokens", None),
    ("email change", _coordinator, "GET", lambda w: "/account/email", None),
    ("password change", _coordinator, "GET", lambda w: "/account/password", None),
    ("account deletion", _coordinator, "GET", lambda w: "/account/my-data/delete", None),
]


@pytest.mark.parametrize(
    ("name", "who", "method", "path", "form"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_each_sensitive_action_asks_again_after_15_minutes(
    client, make, db, name, who, method, path, form
):
    with time_machine.travel(T0, tick=False) as clock:
        user, world = who(make)
        sign_in(client, user.email)
        url = path(world)
        token = csrf_token(client, "/account")
        clock.shift(LATER)

        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**form(world), "csrf_token": token})
        assert response.status_code == 302, name
        assert response.location.startswith(f"{STEP_UP}?next="), name
        if name == "role change":
            assert db.session.get(User, world["person"].id).role_names == {"staff"}
        if name == "organisation verification":
            assert db.session.get(Organisation, world["org"].id).verification == "pending"

        page, code = second_factor_answer(user.email)
        assert page == "/account/two-factor"
        back = submit(client, response.location, {"code": code})
        assert back.status_code == 302 and back.location != response.location
        if method == "GET":
            assert client.get(url).status_code == 200, name
        else:
            again = client.post(url, data={**form(world), "csrf_token": token})
            assert STEP_UP not in (again.location or ""), name


def test_a_fresh_factor_needs_no_step_up(client, make):
    with time_machine.travel(T0, tick=False) as clock:
        user = make.coordinator()
        sign_in(client, user.email)
        clock.shift(timedelta(minutes=14))
        assert client.get("/account/tokens").status_code == 200


def test_someone_without_a_factor_gives_their_password_again(client, make, db):
    with time_machine.travel(T0, tick=False) as clock:
        user = make.user()
        sign_in(client, user.email)
        clock.shift(LATER)
        response = client.get("/account/password")
        assert response.location == f"{STEP_UP}?next=/account/password"
        page = client.get(response.location)
        assert 'autocomplete="current-password"' in html(page)
        wrong = submit(client, response.location, {"password": "not my password"})
        assert "Your password is not correct" in html(wrong)
        right = submit(client, response.location, {"password": "correct horse battery"})
        assert right.location == "/account/password"
        assert client.get("/account/password").status_code == 200


def test_step_up_never_sends_anyone_off_the_site(client, make):
    with time_machine.travel(T0, tick=False) as clock:
        user = make.user()
        sign_in(client, user.email)
        clock.shift(LATER)
        url = f"{STEP_UP}?next=//evil.example/"
        response = submit(client, url, {"password": "correct horse battery"})
        assert response.location == "/account"
        assert re.match(r"^/", response.location)
