"""The second factor in a real browser: a passkey registered and used through Chromium's
virtual authenticator (a real WebAuthn ceremony), and an authenticator app set up with the
app's JavaScript blocked. axe-core checks every page of both journeys."""

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from diaspora.auth.models import User
from diaspora.extensions import db
from diaspora.organisations.models import Membership
from tests.factories import PASSWORD, Factories

pytestmark = pytest.mark.browser

MEMBER = "amina.member@nhs.example"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _new_member(live_server) -> None:
    """A member of an organisation with no second factor yet, as everyone was before."""
    with live_server.app.app_context():
        make = Factories(db.session)
        user = make.user(email=MEMBER, name="Amina Member", roles=[])
        db.session.add(Membership(user=user, organisation=make.organisation()))
        db.session.commit()


def _password(tab) -> None:
    page = tab.page
    tab.visit("/account/sign-in")
    page.get_by_label("Email address").fill(MEMBER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.follow(page.get_by_role("button", name="Sign in"))


def _sign_out(tab) -> None:
    tab.follow(tab.page.get_by_role("button", name="Sign out"))
    expect(_heading(tab.page)).to_have_text("You have signed out")


def _save_recovery_codes(tab) -> list[str]:
    page = tab.page
    expect(_heading(page)).to_have_text("Recovery codes")
    tab.follow(page.get_by_role("button", name="Make my recovery codes"))
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    tab.follow(page.get_by_role("link", name="I have saved them"))
    expect(_heading(page)).to_have_text("Your second factor")
    return codes


def test_a_member_registers_a_passkey_and_signs_in_with_it(live_server, open_tab):
    _new_member(live_server)
    tab = open_tab()
    page = tab.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    _password(tab)
    expect(page).to_have_url(re.compile(r"/account/two-factor/set-up$"))
    expect(page.get_by_text("a password alone is not enough")).to_be_visible()
    tab.follow(page.get_by_role("link", name="Set up a passkey"))
    page.get_by_label("Name this passkey").fill("Work laptop")
    tab.follow(page.get_by_role("button", name="Create a passkey"))
    _save_recovery_codes(tab)
    expect(page.get_by_text("Work laptop: added")).to_be_visible()
    _sign_out(tab)

    _password(tab)
    expect(_heading(page)).to_have_text("Confirm it is you")
    tab.follow(page.get_by_role("button", name="Use your passkey"))
    expect(page).to_have_url(re.compile(r"/$"))
    tab.visit("/account/security")
    expect(page.get_by_text("Work laptop: added")).to_contain_text("last used")


def test_the_passkey_script_speaks_the_pages_language(live_server, open_tab):
    """The script's message comes from the page: a French page shows it in French."""
    _new_member(live_server)
    tab = open_tab()
    page = tab.page
    _password(tab)
    with live_server.app.app_context():
        db.session.execute(update(User).where(User.email == MEMBER).values(language="fr"))
        db.session.commit()
    tab.visit("/account/two-factor/passkeys/new")
    form = page.locator("form[data-passkey]")
    page.route(form.get_attribute("data-options"), lambda route: route.fulfill(status=500))
    form.locator("input[name=name]").fill("Portable")
    form.get_by_role("button").click()
    expect(page.locator("#passkey-error")).to_have_text(
        re.compile(r"n.a pas pu commencer\. Rechargez la page et réessayez\.$")
    )


def test_an_authenticator_app_is_set_up_and_used_without_javascript(live_server, open_tab):
    _new_member(live_server)
    tab = open_tab()
    page = tab.page
    page.route(re.compile(r"\.js$"), lambda route: route.abort())  # every script

    _password(tab)
    tab.follow(page.get_by_role("link", name="Set up a passkey"))
    expect(page.get_by_role("button", name="Create a passkey")).to_be_hidden()
    tab.follow(page.get_by_role("link", name="Set up an authenticator app instead"))
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill("000000")
    tab.follow(page.get_by_role("button", name="Turn on the authenticator app"))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The code is not correct")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    tab.follow(page.get_by_role("button", name="Turn on the authenticator app"))
    codes = _save_recovery_codes(tab)
    _sign_out(tab)

    _password(tab)
    expect(_heading(page)).to_have_text("Confirm it is you")
    tab.follow(page.get_by_role("link", name="Use a recovery code"))
    page.get_by_label("Recovery code").fill(codes[0])
    tab.follow(page.get_by_role("button", name="Continue"))
    expect(page.get_by_text("You have 9 recovery codes left.")).to_be_visible()
