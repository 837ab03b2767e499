"""Accounts, after the outside security test: guessing passwords, weak passwords, API tokens,
links that should work once, where sign-in sends people back to, cookies and sign-up timing."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from diaspora import scheduler
from diaspora.account import services as account
from diaspora.api import tokens
from diaspora.api.jobs import token_reminders
from diaspora.api.models import AccessToken
from diaspora.audit.models import AuditEvent
from diaspora.auth import services
from diaspora.auth.models import User
from diaspora.core.time import as_utc, utcnow
from diaspora.notifications.models import Notification
from tests.core.support import ProductionTestConfig
from tests.factories import PASSWORD
from tests.helpers import error_summary, sign_in, submit

SIGN_IN = "/account/sign-in"
WRONG = "not the right password"
NEW_PASSWORD = "orchid tram velvet lantern"


def attempt(client, email: str, password: str):
    return submit(client, SIGN_IN, {"email": email, "password": password})


def exhaust(client, email: str, times: int = 10) -> None:
    for n in range(times):
        assert attempt(client, email, WRONG).status_code == 200, f"attempt {n + 1} refused"


def events(db, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).filter_by(action=action)))


def sign_out(client) -> None:
    submit(client, "/account/sign-out", {}, page="/account")


@pytest.fixture
def links(monkeypatch):
    """The signed links the service makes, by purpose, newest last (however they are sent)."""
    made: dict[str, list[str]] = {}
    original = services.make_token

    def _record(purpose, payload):
        token = original(purpose, payload)
        made.setdefault(purpose, []).append(token)
        return token

    monkeypatch.setattr(services, "make_token", _record)
    return made


# Finding 1: lockout as a weapon ---------------------------------------------------------------


def test_finding_1_guessing_does_not_keep_the_owner_out_of_their_own_device(app, client, make):
    owner = make.user()
    sign_in(client, owner.email)  # this browser is now trusted for the account
    sign_out(client)
    attacker = app.test_client()
    exhaust(attacker, owner.email)
    assert attempt(attacker, owner.email, PASSWORD).status_code == 429
    assert attempt(client, owner.email, PASSWORD).status_code == 302


def test_finding_1_a_reset_link_lets_the_owner_in_anywhere(app, client, make):
    owner = make.user()
    exhaust(app.test_client(), owner.email)
    assert attempt(client, owner.email, PASSWORD).status_code == 429
    with app.test_request_context():
        token = services.reset_token(owner)
    reset = submit(client, f"/account/reset-password/{token}", {"password": NEW_PASSWORD})
    assert reset.status_code == 302
    assert attempt(client, owner.email, NEW_PASSWORD).status_code == 302
    # Other untrusted clients are still held back.
    assert attempt(app.test_client(), owner.email, NEW_PASSWORD).status_code == 429


def test_finding_1_the_per_account_budget_is_shared_by_every_client(app, client, make):
    owner = make.user()
    for n in range(10):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        assert attempt(client, owner.email, WRONG).status_code == 200
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "198.51.100.200"
    assert attempt(fresh, owner.email, PASSWORD).status_code == 429


def test_finding_1_a_trusted_device_cookie_is_for_its_own_account_only(app, client, make):
    owner, other = make.user(), make.user()
    sign_in(client, owner.email)
    sign_out(client)
    exhaust(app.test_client(), other.email)
    assert attempt(client, other.email, PASSWORD).status_code == 429
    client.set_cookie("device", "forged-value")
    assert attempt(client, other.email, PASSWORD).status_code == 429


def test_finding_1_a_trusted_device_has_its_own_budget(app, client, make):
    owner = make.user()
    sign_in(client, owner.email)
    sign_out(client)
    exhaust(client, owner.email)
    assert attempt(client, owner.email, PASSWORD).status_code == 429


@pytest.mark.app_config(SIGN_IN_CLIENT_LIMIT="5 per hour")
def test_finding_1_spraying_one_password_over_many_accounts_is_limited_per_client(client, make):
    people = [make.user() for _ in range(6)]
    for person in people[:5]:
        assert attempt(client, person.email, WRONG).status_code == 200
    assert attempt(client, people[5].email, PASSWORD).status_code == 429


def test_finding_1_the_refusal_reads_the_same_for_unknown_addresses(app, client, make):
    known = make.user()
    answers = []
    for email in (known.email, "nobody.here@example.org"):
        client = app.test_client()
        exhaust(client, email)
        response = attempt(client, email, WRONG)
        assert response.status_code == 429
        answers.append(re.sub(r'value="[^"]*"|nonce="[^"]*"', "", response.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert "reset your password" in answers[0]


def test_finding_1_form_errors_cost_no_attempts(client, make):
    owner = make.user()
    for _ in range(12):
        assert attempt(client, owner.email, "").status_code == 200
    assert attempt(client, owner.email, PASSWORD).status_code == 302


def test_finding_1_current_password_checks_share_one_audited_budget(client, login_as, db):
    user = login_as("staff")
    pages = [
        ("/account/password", {"current_password": WRONG, "password": NEW_PASSWORD}),
        ("/account/email", {"email": "new.home@example.org", "current_password": WRONG}),
        ("/account/my-data/delete", {"password": WRONG}),
    ]
    for n in range(10):
        url, data = pages[n % 3]
        assert submit(client, url, data).status_code == 200, url
    for url, data in pages:
        assert submit(client, url, data).status_code == 429, url
    audited = events(db, "password_check.failed")
    assert len(audited) == 10
    assert {event.subject_id for event in audited} == {user.id}
    assert {event.details["purpose"] for event in audited} == {
        "change_password",
        "change_email",
        "erase_account",
    }
    for event in audited:
        assert WRONG not in str(event.details) and user.email not in str(event.details)


# Finding 2: weak passwords --------------------------------------------------------------------

WEAK = ["password12", "qwertyuiop", "1234567890"]


@pytest.mark.parametrize("password", WEAK)
def test_finding_2_common_passwords_are_refused_at_sign_up(client, db, password):
    response = submit(
        client,
        "/account/register/staff",
        {"display_name": "Ann Example", "email": "ann@example.org", "password": password},
    )
    assert response.status_code == 200
    [message] = error_summary(response)
    assert "commonly used" in message or "could be guessed" in message
    assert db.session.scalar(select(User).filter_by(email="ann@example.org")) is None


@pytest.mark.parametrize("password", WEAK)
def test_finding_2_common_passwords_are_refused_everywhere_a_password_is_set(
    app, client, login_as, password
):
    user = login_as("staff")
    change = submit(
        client, "/account/password", {"current_password": PASSWORD, "password": password}
    )
    assert change.status_code == 200 and error_summary(change)
    with app.test_request_context():
        token = services.reset_token(user)
    reset = submit(client, f"/account/reset-password/{token}", {"password": password})
    assert reset.status_code == 200 and error_summary(reset)
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "root@example.org", "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code != 0


def test_finding_2_the_message_says_why(app):
    with app.app_context():
        assert "most commonly used" in services.password_problem("qwertyuiop")
        assert "could be guessed" in services.password_problem("bluebird77")


def test_finding_2_the_persons_name_and_address_do_not_make_a_password_strong(app):
    name, email = "Rahima Chowdhury", "rahima.chowdhury@example.org"
    for password in ("RahimaChowdhury1", "Rahima Chowdhury 1", "rahima.chowdhury@NHS"):
        assert services.password_problem(password, email=email, name=name) is not None
    assert services.password_problem("RahimaChowdhury1") is None  # strong for anyone else


@pytest.mark.parametrize("password", ["correct horse battery", NEW_PASSWORD])
def test_finding_2_a_good_passphrase_passes(client, db, password):
    response = submit(
        client,
        "/account/register/staff",
        {"display_name": "Ann Example", "email": "ann@example.org", "password": password},
    )
    assert response.status_code == 302


# Finding 3: API tokens expire -----------------------------------------------------------------

TOKENS = "/account/tokens"
SECRET = re.compile(r"dsp_[A-Za-z0-9_-]{43}")


def new_token(client, days: str | None = None) -> str:
    data = {"name": "Rota system", "scope": "read"}
    if days is not None:
        data["days"] = days
    response = submit(client, TOKENS, data)
    assert response.status_code == 200
    [secret] = SECRET.findall(response.get_data(as_text=True))
    return secret


def token_row(db, secret: str) -> AccessToken:
    db.session.expire_all()
    return db.session.scalar(select(AccessToken).filter_by(digest=tokens.digest(secret)))


def test_finding_3_tokens_expire_after_the_chosen_time(client, login_as, db):
    login_as("partner")
    default = token_row(db, new_token(client))
    assert as_utc(default.expires_at) - utcnow() == pytest.approx(
        timedelta(days=90), abs=timedelta(minutes=1)
    )
    year = token_row(db, new_token(client, "365"))
    assert as_utc(year.expires_at) - utcnow() > timedelta(days=364)
    refused = submit(client, TOKENS, {"name": "Forever", "scope": "read", "days": "3650"})
    assert refused.status_code == 200 and error_summary(refused)


def test_finding_3_the_command_line_chooses_the_expiry_within_a_year(app, make, db):
    make.user(email="rota@example.org", roles=["partner"])
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["tokens", "create", "rota@example.org", "--name", "R", "--days", "30"]
    )
    assert made.exit_code == 0, made.output
    row = token_row(db, made.stdout.strip())
    assert timedelta(days=29) < as_utc(row.expires_at) - utcnow() <= timedelta(days=30)
    too_long = runner.invoke(
        args=["tokens", "create", "rota@example.org", "--name", "R", "--days", "366"]
    )
    assert too_long.exit_code != 0 and "between 1 and 365 days" in too_long.output


def test_finding_3_an_expired_token_is_refused_saying_so(client, login_as, db):
    login_as("partner")
    secret = new_token(client, "30")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["reason"] == "token_expired"
    assert "expired" in response.json["detail"]


def test_finding_3_the_tokens_page_shows_expiry_and_last_use(client, login_as, db):
    login_as("partner")
    secret = new_token(client, "30")
    page = client.get(TOKENS).get_data(as_text=True)
    assert "Expires" in page and "Never" in page
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert "Never" not in client.get(TOKENS).get_data(as_text=True)


def test_finding_3_the_owner_is_reminded_a_week_before_once(app, client, login_as, db):
    owner = login_as("partner")
    row = token_row(db, new_token(client, "30"))
    expires = as_utc(row.expires_at)
    assert token_reminders(now=expires - timedelta(days=8)) == 0
    assert token_reminders(now=expires - timedelta(days=7)) == 1
    assert token_reminders(now=expires - timedelta(days=7)) == 0
    assert token_reminders(now=expires - timedelta(days=1)) == 0
    db.session.expire_all()
    sent = db.session.scalars(select(Notification).filter_by(kind="token_expiry")).all()
    assert {n.recipient_id for n in sent} == {owner.id}
    assert {n.channel for n in sent} == {"inbox", "email"}
    assert all("Rota system" in n.subject for n in sent)
    assert token_reminders in scheduler.JOBS  # the scheduler runs it


def test_finding_3_the_reminder_is_in_the_owners_language(app, client, login_as, db):
    owner = login_as("partner")
    row = token_row(db, new_token(client, "30"))
    owner.language = "fr"
    db.session.commit()
    assert token_reminders(now=as_utc(row.expires_at) - timedelta(days=7)) == 1
    db.session.expire_all()
    [email] = db.session.scalars(
        select(Notification).filter_by(kind="token_expiry", channel="email")
    ).all()
    assert email.subject == "Votre jeton d\u2019API « Rota system » expire dans 7 jours"
    assert "expire le " in email.body and "expires" not in email.body


def test_finding_3_revoked_tokens_are_not_reminded_about(client, login_as, db):
    owner = login_as("partner")
    row = token_row(db, new_token(client, "30"))
    tokens.revoke(db.session, row, owner)
    db.session.commit()
    assert token_reminders(now=as_utc(row.expires_at) - timedelta(days=3)) == 0


def test_finding_3_a_password_change_offers_to_revoke_the_tokens(client, login_as, db):
    user = login_as("partner")
    secrets_ = [new_token(client), new_token(client)]
    page = client.get("/account/password").get_data(as_text=True)
    assert "Also revoke my 2 API tokens" in page
    assert re.search(r'name="revoke_tokens"[^>]*checked', page)
    response = submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "revoke_tokens": "y"},
    )
    assert response.status_code == 302
    for secret in secrets_:
        assert token_row(db, secret).revoked_at is not None
    [changed] = events(db, "account.password_changed")
    assert changed.details["tokens_revoked"] == 2
    revoked = events(db, "token.revoked")
    assert {e.details["reason"] for e in revoked} == {"password_change"}
    assert {e.actor_id for e in revoked} == {user.id}


def test_finding_3_unticking_keeps_the_tokens(client, login_as, db):
    login_as("partner")
    secret = new_token(client)
    response = submit(
        client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert token_row(db, secret).revoked_at is None


def test_finding_3_a_password_reset_offers_to_revoke_the_tokens(app, client, login_as, db):
    user = login_as("partner")
    secret = new_token(client)
    sign_out(client)
    with app.test_request_context():
        token = services.reset_token(user)
    url = f"/account/reset-password/{token}"
    assert "Also revoke my 1 API token" in client.get(url).get_data(as_text=True)
    assert submit(client, url, {"password": NEW_PASSWORD, "revoke_tokens": "y"}).status_code == 302
    assert token_row(db, secret).revoked_at is not None
    assert events(db, "token.revoked")[0].details["reason"] == "password_reset"


def test_finding_3_no_offer_without_tokens(client, login_as):
    login_as("staff")
    assert "revoke_tokens" not in client.get("/account/password").get_data(as_text=True)


# Finding 4: links that work once ----------------------------------------------------------------


def request_change(client, email: str):
    response = submit(client, "/account/email", {"email": email, "current_password": PASSWORD})
    assert response.status_code == 302


def confirm(client, token: str):
    return submit(client, f"/account/email/confirm/{token}", {})


def test_finding_4_an_email_change_link_works_once(client, login_as, links):
    login_as("staff")
    request_change(client, "first.new@example.org")
    link = links["email-change"][-1]
    assert confirm(client, link).status_code == 302
    assert confirm(client, link).status_code == 400
    assert client.get(f"/account/email/confirm/{link}").status_code == 400


def test_finding_4_asking_for_the_same_address_again_does_not_revive_a_link(
    client, login_as, links
):
    login_as("staff")
    request_change(client, "wanted@example.org")
    first = links["email-change"][-1]
    request_change(client, "other@example.org")
    request_change(client, "wanted@example.org")
    assert confirm(client, first).status_code == 400
    assert confirm(client, links["email-change"][-1]).status_code == 302


def test_finding_4_a_newer_request_withdraws_the_older_link(client, login_as, links, db):
    user = login_as("staff")
    request_change(client, "older@example.org")
    older = links["email-change"][-1]
    request_change(client, "newer@example.org")
    assert confirm(client, older).status_code == 400
    assert confirm(client, links["email-change"][-1]).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "newer@example.org"


def test_finding_4_asking_for_a_taken_address_withdraws_the_older_link(
    client, login_as, make, links
):
    login_as("staff")
    taken = make.user()
    request_change(client, "older@example.org")
    older = links["email-change"][-1]
    request_change(client, taken.email)
    assert confirm(client, older).status_code == 400


def test_finding_4_an_address_taken_meanwhile_kills_the_link(client, login_as, make, links, db):
    login_as("staff")
    request_change(client, "wanted@example.org")
    link = links["email-change"][-1]
    make.user(email="wanted@example.org")
    assert confirm(client, link).status_code == 409
    assert client.get(f"/account/email/confirm/{link}").status_code == 400


def test_finding_4_a_password_change_withdraws_the_email_change(client, login_as, links):
    login_as("staff")
    request_change(client, "new.home@example.org")
    link = links["email-change"][-1]
    response = submit(
        client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert confirm(client, link).status_code == 400


def test_finding_4_a_reset_link_works_once_and_dies_with_a_password_change(app, client, make):
    user = make.user()
    with app.test_request_context():
        first, second = services.reset_token(user), services.reset_token(user)
    assert (
        submit(client, f"/account/reset-password/{first}", {"password": NEW_PASSWORD}).status_code
        == 302
    )
    assert client.get(f"/account/reset-password/{first}").status_code == 400
    assert client.get(f"/account/reset-password/{second}").status_code == 400


def test_finding_4_a_reset_link_dies_when_the_address_changes(app, client, login_as, links, db):
    user = login_as("staff")
    with app.test_request_context():
        token = services.reset_token(user)
    request_change(client, "moved@example.org")
    assert confirm(client, links["email-change"][-1]).status_code == 302
    assert client.get(f"/account/reset-password/{token}").status_code == 400


def test_finding_4_a_confirmation_link_works_once(app, client, make):
    user = make.user(verified=False)
    with app.test_request_context():
        token = services.make_token("verify", {"u": user.id, "e": services.fingerprint(user.email)})
    assert submit(client, f"/account/verify/{token}", {}).status_code == 302
    assert client.get(f"/account/verify/{token}").status_code == 400


# Finding 5: where sign-in sends people back to --------------------------------------------------

BYPASSES = [
    "//evil.example",
    "/\\evil.example",
    "/%09/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "https://evil.example",
    "http:/evil.example",
    "/\r\nLocation: https://evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    "javascript:alert(1)",
    " /account",
    "/\u3000/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_finding_5_sign_in_never_sends_people_off_the_site(client, make, target):
    user = make.user()
    response = client.post(
        SIGN_IN,
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(client)},
    )
    # Control characters are refused by the input filter before sign-in reads them.
    refused = response.status_code == 400 and any(ord(c) < 32 for c in target)
    assert refused or (response.status_code, response.location) == (302, "/")


def test_finding_5_a_path_on_the_site_is_followed(client, make):
    user = make.user()
    response = client.post(
        SIGN_IN,
        query_string={"next": "/account/tokens?from=menu"},
        data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf(client)},
    )
    assert response.location == "/account/tokens?from=menu"


def _csrf(client) -> str:
    page = client.get(SIGN_IN).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


# Finding 6: cookies -----------------------------------------------------------------------------


def test_finding_6_the_production_session_cookie_is_host_only_and_secure(database_url):
    from diaspora import create_app

    app = create_app(ProductionTestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["DEVICE_COOKIE_NAME"].startswith("__Host-")
    with app.app_context():
        response = app.test_client().get(SIGN_IN, base_url="https://localhost")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-")]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes
    assert "domain" not in attributes
    assert "Path=/" in cookie and "SameSite=Lax" in cookie


def test_finding_6_the_device_cookie_follows_the_same_rules(client, make):
    user = make.user()
    response = sign_in(client, user.email)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("device=")]
    assert "HttpOnly" in cookie and "Path=/" in cookie and "SameSite=Lax" in cookie
    assert "Domain" not in cookie
    assert user.email not in cookie and str(user.password_hash) not in cookie


# Finding 7: sign-up takes the same path for a taken address ------------------------------------


def test_finding_7_sign_up_hashes_and_answers_alike_for_a_taken_address(client, make, monkeypatch):
    existing = make.user()
    hashed = []
    original = account.hash_password
    monkeypatch.setattr(account, "hash_password", lambda p: hashed.append(p) or original(p))
    answers = []
    for email in (existing.email, "brand.new@example.org"):
        response = submit(
            client,
            "/account/register/staff",
            {"display_name": "Ann Example", "email": email, "password": NEW_PASSWORD},
        )
        answers.append((response.status_code, response.location))
    assert hashed == [NEW_PASSWORD, NEW_PASSWORD]
    assert answers[0] == answers[1] == (302, "/account/check-your-email")
