"""An authenticator app from enrolment to sign-in with a controlled clock: a code works once,
one step of drift either way is tolerated; recovery codes are single use and counted."""

import re
from datetime import UTC, datetime, timedelta

import time_machine

from diaspora.factors import services as factors
from tests.factories import PASSWORD
from tests.factors.support import (
    APP,
    RECOVERY,
    T0,
    VERIFY,
    actions,
    code,
    html,
    secret_of,
    secret_on_page,
)
from tests.helpers import error_summary, sign_in, sign_out, submit

STEP = timedelta(seconds=30)


def _sign_in_with_password(client, email):
    response = submit(client, "/account/sign-in", {"email": email, "password": PASSWORD})
    assert response.location == VERIFY
    return response


def test_a_staff_member_sets_up_an_app_and_signs_in_with_it(client, make, db, smtp):
    with time_machine.travel(T0, tick=False) as clock:
        user = make.user()
        sign_in(client, user.email)
        page = client.get(APP)
        assert page.status_code == 200
        assert "<svg" in html(page) and "QR code" in html(page)
        secret = secret_on_page(page)
        assert secret_on_page(client.get(APP)) == secret  # the same key until it is confirmed

        wrong = submit(client, APP, {"code": "000000"})
        assert wrong.status_code == 200
        assert error_summary(wrong) == [
            "The code is not correct. Check your app and enter the code it shows now"
        ]
        done = submit(client, APP, {"code": code(secret, T0)})
        assert done.location == "/account/two-factor/recovery-codes"
        shown = submit(client, "/account/two-factor/recovery-codes", {})
        codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", html(shown))
        assert len(codes) == 10 and len(set(codes)) == 10
        assert "factor.enrolled" in actions(db, user)
        assert smtp.delivered(1)[-1]["Subject"] == "A second factor was added to your account"

        sign_out(client)
        _sign_in_with_password(client, user.email)
        # Not signed in until the factor is given.
        assert client.get("/account").location.startswith("/account/sign-in")
        _sign_in_with_password(client, user.email)
        replay = submit(client, VERIFY, {"code": code(secret, T0)})
        assert replay.status_code == 200, "a code works once"
        ahead = submit(client, VERIFY, {"code": code(secret, T0 + STEP)})
        assert ahead.location == "/", "one step ahead is tolerated"
        assert client.get("/account").status_code == 200

        clock.shift(STEP * 3)  # now T0 + 3 steps
        sign_out(client)
        _sign_in_with_password(client, user.email)
        assert submit(client, VERIFY, {"code": code(secret, T0 + STEP)}).status_code == 200
        behind = submit(client, VERIFY, {"code": code(secret, T0 + STEP * 2)})
        assert behind.location == "/", "one step behind is tolerated"
        sign_out(client)
        clock.shift(STEP * 3)  # now T0 + 6 steps: two behind is too old
        _sign_in_with_password(client, user.email)
        assert submit(client, VERIFY, {"code": code(secret, T0 + STEP * 4)}).status_code == 200

    assert actions(db, user).count("factor.failed") >= 3
    assert actions(db, user).count("factor.used") == 2

    # Recovery codes: each works once, says how many are left and emails the person.
    _sign_in_with_password(client, user.email)
    used = submit(client, RECOVERY, {"code": codes[0].upper()}, follow_redirects=True)
    assert "You have 9 recovery codes left." in html(used)
    assert client.get("/account").status_code == 200
    assert smtp.delivered(2)[-1]["Subject"] == "A recovery code was used on your account"
    assert "9 recovery codes left" in smtp.messages[-1].get_body(("plain",)).get_content()
    sign_out(client)
    _sign_in_with_password(client, user.email)
    again = submit(client, RECOVERY, {"code": codes[0]})
    assert error_summary(again) == ["This recovery code is not correct or was already used"]
    assert "factor.recovery_code_used" in actions(db, user)


def test_new_recovery_codes_replace_the_old_ones(client, make, db):
    user = make.user()
    make.organisation(owner=user)
    sign_in(client, user.email)
    first = re.findall(
        r"<li><code>([a-z0-9-]+)</code></li>",
        html(submit(client, "/account/two-factor/recovery-codes", {})),
    )
    second = submit(client, "/account/two-factor/recovery-codes", {})
    assert "You have 10 unused recovery codes" in html(
        client.get("/account/two-factor/recovery-codes")
    )
    assert set(first).isdisjoint(re.findall(r"<code>([a-z0-9-]+)</code>", html(second)))
    sign_out(client)
    _sign_in_with_password(client, user.email)
    assert submit(client, RECOVERY, {"code": first[0]}).status_code == 200


def test_the_last_factor_of_someone_who_must_have_one_cannot_be_removed(client, make, db):
    user = make.user()
    make.organisation(owner=user)
    sign_in(client, user.email)
    response = submit(
        client,
        "/account/two-factor/app/remove",
        {},
        page="/account/security",
        follow_redirects=True,
    )
    assert "add another passkey or an authenticator app first" in html(response)
    assert "Remove the authenticator app" in html(client.get("/account/security"))


def test_an_app_whose_secret_can_no_longer_be_read_says_so_and_recovery_codes_still_work(
    app, client, make, db
):
    """After SECRET_KEY changes, the stored secret cannot be decrypted: the person is told to use
    a recovery code rather than shown an error page or told their code is wrong."""
    user = make.user(second_factor=True)
    codes = factors.new_recovery_codes(db.session, user)
    db.session.commit()
    secret = secret_of(db, user)
    app.config["SECRET_KEY"] = "a-key-from-a-later-deployment"

    _sign_in_with_password(client, user.email)
    refused = submit(client, VERIFY, {"code": code(secret, datetime.now(UTC))})
    assert refused.status_code == 200
    assert error_summary(refused) == [
        "Your authenticator app can no longer be checked. Use a recovery code, or ask an"
        " administrator to reset your second factor"
    ]
    assert actions(db, user)[-1] == "factor.failed"
    assert submit(client, RECOVERY, {"code": codes[0]}).location == "/"
