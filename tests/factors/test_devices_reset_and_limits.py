"""Remembered browsers (never for administrators, at most 30 days, revocable, ended by a password
change), an administrator's reset of someone else's factors, the command line's reset, and the
limits on wrong codes."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from diaspora.factors import services
from diaspora.factors.models import Passkey, RecoveryCode, RememberedDevice, TotpFactor
from tests.factories import PASSWORD
from tests.factors.support import T0, VERIFY, actions, html
from tests.helpers import csrf_token, second_factor_answer, sign_in, sign_out, submit


def _password(client, email, password=PASSWORD):
    return submit(client, "/account/sign-in", {"email": email, "password": password})


def _remembering_sign_in(client, email):
    assert _password(client, email).location == VERIFY
    _page, code = second_factor_answer(email)
    return submit(client, VERIFY, {"code": code, "remember": "y"})


def test_a_remembered_browser_skips_the_factor_until_it_is_forgotten(client, make, db):
    with time_machine.travel(T0, tick=False) as clock:
        user = make.coordinator()
        assert _remembering_sign_in(client, user.email).location == "/"
        sign_out(client)
        assert _password(client, user.email).location == "/"  # no second factor asked
        assert "factor.device_remembered" in actions(db, user)
        page = html(client.get("/account/security"))
        assert "until" in page and "Forget" in page
        # Step-up still asks for the factor: a remembered browser is not a fresh factor.
        clock.shift(timedelta(minutes=1))
        assert client.get("/account/tokens").location.startswith("/account/confirm-it-is-you")

        device = db.session.scalar(
            select(RememberedDevice).where(RememberedDevice.user_id == user.id)
        )
        submit(
            client, f"/account/two-factor/devices/{device.id}/forget", {}, page="/account/security"
        )
        sign_out(client)
        assert _password(client, user.email).location == VERIFY


def test_a_remembered_browser_is_named_in_the_readers_language(client, make, db):
    user = make.coordinator()
    user.language = "fr"
    db.session.commit()
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    client.environ_base["HTTP_USER_AGENT"] = firefox
    _remembering_sign_in(client, user.email)
    services.remember_device(db.session, user, "A browser")  # one that said nothing of itself
    db.session.commit()
    page = html(client.get("/account/security"))
    assert "Firefox sous Windows, mémorisé" in page
    assert "Un navigateur, mémorisé" in page
    assert "Windows on" not in page and "A browser" not in page


def test_a_remembered_browser_lasts_30_days(client, make):
    with time_machine.travel(T0, tick=False) as clock:
        user = make.coordinator()
        _remembering_sign_in(client, user.email)
        sign_out(client)
        clock.shift(timedelta(days=29))
        assert _password(client, user.email).location == "/"
        sign_out(client)
        clock.shift(timedelta(days=2))
        assert _password(client, user.email).location == VERIFY


def test_a_password_change_forgets_every_browser(client, make):
    user = make.coordinator()
    _remembering_sign_in(client, user.email)
    new = "a brand new passphrase for me"
    changed = submit(client, "/account/password", {"current_password": PASSWORD, "password": new})
    assert changed.location == "/account"
    assert "No browser is remembered" in html(client.get("/account/security"))
    sign_out(client)
    assert _password(client, user.email, new).location == VERIFY


def test_administrators_are_never_remembered(client, make, db):
    admin = make.user(roles=["admin"])
    assert _password(client, admin.email).location == VERIFY
    assert "Remember this browser" not in html(client.get(VERIFY))
    _page, code = second_factor_answer(admin.email)
    signed_in = submit(client, VERIFY, {"code": code, "remember": "y"})
    assert "remember=" not in signed_in.headers.get("Set-Cookie", "")
    assert db.session.scalar(select(func.count()).select_from(RememberedDevice)) == 0
    sign_out(client)
    assert _password(client, admin.email).location == VERIFY


def test_an_administrator_resets_a_colleagues_factor_but_never_their_own(client, make, db, smtp):
    admin = make.user(roles=["admin"])
    colleague = make.coordinator()
    sign_in(client, admin.email)
    page = html(client.get(f"/admin/users/{colleague.id}"))
    assert "Reset second factor" in page
    assert "Reset second factor" not in html(client.get(f"/admin/users/{admin.id}"))

    own = submit(client, f"/admin/users/{admin.id}/second-factor/reset", {}, page="/admin/")
    assert own.location == f"/admin/users/{admin.id}"
    assert db.session.scalar(select(TotpFactor).where(TotpFactor.user_id == admin.id))

    reset = submit(client, f"/admin/users/{colleague.id}/second-factor/reset", {}, page="/admin/")
    assert reset.location == f"/admin/users/{colleague.id}"
    for model in (TotpFactor, Passkey, RecoveryCode, RememberedDevice):
        assert (
            db.session.scalar(
                select(func.count()).select_from(model).where(model.user_id == colleague.id)
            )
            == 0
        )
    assert "factor.reset" in actions(db, colleague)
    subjects = {(m["To"], m["Subject"]) for m in smtp.delivered(2)}
    assert (colleague.email, "Your second factor has been reset") in subjects
    assert (admin.email, "You reset someone's second factor") in subjects
    # At their next sign-in the colleague sets up a new one.
    sign_out(client)
    assert _password(client, colleague.email).location == "/"
    assert client.get("/account").location == "/account/two-factor/set-up"


def test_the_command_line_resets_the_only_administrator(app, make, db):
    admin = make.user(roles=["admin"])
    result = app.test_cli_runner().invoke(
        args=["users", "reset-second-factor", admin.email.upper()]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(TotpFactor).where(TotpFactor.user_id == admin.id)) is None
    assert "factor.reset" in actions(db, admin)
    unknown = app.test_cli_runner().invoke(
        args=["users", "reset-second-factor", "nobody@example.org"]
    )
    assert unknown.exit_code != 0


def test_wrong_codes_are_limited_per_account(client, make, db):
    user = make.coordinator()
    for attempt in range(10):
        assert _password(client, user.email).location == VERIFY
        assert submit(client, VERIFY, {"code": "000000"}).status_code == 200, attempt
    _page, code = second_factor_answer(user.email)
    refused = submit(client, VERIFY, {"code": code})
    assert refused.status_code == 429
    assert actions(db, user).count("factor.failed") == 10
    # Another account is not affected.
    other = make.coordinator()
    sign_in(client, other.email)


@pytest.mark.app_config(FACTOR_CLIENT_LIMIT="3 per hour")
def test_wrong_codes_are_limited_per_client_across_accounts(client, make):
    people = [make.coordinator() for _ in range(4)]
    for person in people[:3]:
        assert _password(client, person.email).location == VERIFY
        assert submit(client, VERIFY, {"code": "000000"}).status_code == 200
    assert _password(client, people[3].email).location == VERIFY
    _page, code = second_factor_answer(people[3].email)
    assert submit(client, VERIFY, {"code": code}).status_code == 429


def test_a_passkey_answer_needs_a_challenge_of_its_own(client, make):
    user = make.coordinator()
    assert _password(client, user.email).location == VERIFY
    token = csrf_token(client, VERIFY)
    headers = {"X-CSRFToken": token}
    # No passkey: no challenge.
    assert client.post("/account/two-factor/passkey/options", headers=headers).status_code == 404
    # An answer without a challenge in the session is refused before anything is checked.
    answer = client.post("/account/two-factor/passkey", json={"credential": {}}, headers=headers)
    assert answer.status_code == 400
    assert answer.json["detail"] == "Start again: the passkey request has expired."


def test_the_passkey_scripts_messages_are_the_pages_in_its_language(client, make, db):
    """static/js/passkeys.js says nothing of its own: it shows the form's words."""
    user = make.user()
    user.language = "fr"
    db.session.commit()
    sign_in(client, user.email)
    page = html(client.get("/account/two-factor/passkeys/new"))
    messages = dict(re.findall(r'data-(start-failed|check-failed|not-used)="([^"]*)"', page))
    assert messages["not-used"].endswith("pas été utilisée. Réessayez, ou utilisez un autre moyen.")
    assert messages["check-failed"].endswith("pas pu être vérifiée. Réessayez.")
    assert messages["start-failed"].endswith("Rechargez la page et réessayez.")
    assert "The passkey" not in page
