"""The account journeys end to end: a real browser, a real server and real email over SMTP."""

import re
from email.message import EmailMessage

import pyotp
import pytest
from playwright.sync_api import Locator, Page, expect

from diaspora.extensions import db
from tests.factories import PASSWORD, Factories
from tests.helpers import SmtpSink

pytestmark = pytest.mark.browser


def _heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def _received(mail: SmtpSink, count: int, to: str, subject: str) -> EmailMessage:
    """The `count`th email the sink received, checked to be the one expected."""
    message = mail.wait_for(count)[count - 1]
    assert (message["To"], message["Subject"]) == (to, subject)
    return message


def _confirm_email(tab, message: EmailMessage) -> None:
    """Open the link from the email and confirm; the journey goes on at the sign-in page."""
    tab.visit(SmtpSink.link(message))
    expect(_heading(tab.page)).to_have_text("Confirm your email address")
    tab.follow(tab.page.get_by_role("button", name="Confirm my email address"))
    expect(tab.page).to_have_url(re.compile(r"/account/sign-in$"))
    expect(tab.page.get_by_text("Your email address is confirmed.")).to_be_visible()


def test_staff_member_registers_confirms_email_and_signs_in_and_out(live_server, open_tab):
    tab = open_tab()
    page = tab.page
    tab.visit("/account/register")
    page.get_by_label("I work in the NHS").check()
    tab.follow(page.get_by_role("button", name="Continue"))
    expect(_heading(page)).to_have_text("Create your NHS staff account")

    page.get_by_label("Full name").fill("Amara Okafor")
    page.get_by_label("Email address").fill("amara.okafor@example.org")
    page.get_by_label("Create a password", exact=True).fill(PASSWORD)
    tab.follow(page.get_by_role("button", name="Create account"))
    expect(_heading(page)).to_have_text("Check your email")

    message = _received(
        live_server.mail, 1, "amara.okafor@example.org", "Confirm your email address"
    )
    _confirm_email(tab, message)
    tab.sign_in("amara.okafor@example.org")
    expect(page.get_by_text("Welcome, Amara Okafor.")).to_be_visible()

    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Amara Okafor")).to_be_visible()
    tab.follow(header.get_by_role("button", name="Sign out"))
    expect(_heading(page)).to_have_text("You have signed out")
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()

    tab.visit("/account")
    expect(page).to_have_url(re.compile(r"/account/sign-in\?next=%2Faccount$"))
    expect(_heading(page)).to_have_text("Sign in")


def test_organisation_registers_and_an_admin_verifies_it(live_server, open_tab):
    owner = open_tab()
    page = owner.page
    owner.visit("/account/register/organisation")
    page.get_by_label("Full name").fill("Farida Rahman")
    page.get_by_label("Your work email address").fill("farida@dhaka-hospital.example.org")
    page.get_by_label("Create a password", exact=True).fill(PASSWORD)

    name = page.get_by_label("Organisation name")
    expect(name).to_be_hidden()
    page.get_by_label("No, register a new organisation").check()
    expect(name).to_be_visible()
    owner.check_accessibility()  # the revealed fields too
    name.fill("Dhaka Community Hospital")
    page.get_by_label("Type of organisation").select_option(label="Charity")
    page.get_by_label("Country").select_option(label="Bangladesh")
    page.get_by_label("Website (optional)").fill("https://dhaka-hospital.example.org")
    page.get_by_label("What the organisation does (optional)").fill("Maternity care in Dhaka.")
    owner.follow(page.get_by_role("button", name="Create account"))
    expect(_heading(page)).to_have_text("Check your email")

    message = _received(
        live_server.mail, 1, "farida@dhaka-hospital.example.org", "Confirm your email address"
    )
    _confirm_email(owner, message)
    owner.sign_in("farida@dhaka-hospital.example.org")
    # A member of an organisation sets up a second factor before anything else.
    expect(_heading(page)).to_have_text("Set up a second factor")
    owner.follow(page.get_by_role("link", name="Set up an authenticator app"))
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    owner.follow(page.get_by_role("button", name="Turn on the authenticator app"))
    owner.follow(page.get_by_role("button", name="Make my recovery codes"))
    owner.follow(page.get_by_role("banner").get_by_role("link", name="Organisations", exact=True))
    row = page.get_by_role("row", name=re.compile("Dhaka Community Hospital"))
    expect(row).to_contain_text("Waiting for verification")

    with live_server.app.app_context():
        Factories(db.session).user(email="admin@nhs.example.org", name="Sam Admin", roles=["admin"])
    admin = open_tab()
    admin.visit("/account/sign-in")
    admin.sign_in("admin@nhs.example.org")
    admin.follow(admin.page.get_by_role("banner").get_by_role("link", name="Administration"))
    admin.follow(admin.page.get_by_role("link", name="Organisations to verify"))
    admin.follow(admin.page.get_by_role("link", name="Dhaka Community Hospital"))
    expect(_heading(admin.page)).to_have_text("Dhaka Community Hospital")
    admin.follow(admin.page.get_by_role("button", name="Verify organisation"))
    expect(admin.page.get_by_text("Dhaka Community Hospital is verified.")).to_be_visible()
    expect(admin.page.get_by_text("No organisations are waiting")).to_be_visible()

    _received(
        live_server.mail,
        2,
        "farida@dhaka-hospital.example.org",
        "A second factor was added to your account",
    )
    message = _received(
        live_server.mail,
        3,
        "farida@dhaka-hospital.example.org",
        "Dhaka Community Hospital has been verified",
    )
    owner.visit(SmtpSink.link(message))
    expect(_heading(page)).to_have_text("Dhaka Community Hospital")
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()


def test_registration_errors_link_to_their_fields_and_keep_answers(live_server, open_tab):
    tab = open_tab()
    page = tab.page
    tab.visit("/account/register/staff")
    tab.follow(page.get_by_role("button", name="Create account"))

    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        ["Enter your full name", "Enter your email address", "Enter a password"]
    )
    labels = ["Full name", "Email address", "Create a password"]
    for link, label in zip(links.all(), labels, strict=True):
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_id(link.get_attribute("href").removeprefix("#"))
        expect(field).to_have_accessible_description(re.compile(re.escape(link.inner_text())))
        link.click()
        expect(field).to_be_focused()

    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Email address").fill("grace-at-example")
    page.get_by_label("Create a password", exact=True).fill("short")
    tab.follow(page.get_by_role("button", name="Create account"))

    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter an email address in the correct format, like name@example.com",
            "Password must be 10 characters or more",
        ]
    )
    expect(page.get_by_label("Full name")).to_have_value("Grace Hopper")
    expect(page.get_by_label("Email address")).to_have_value("grace-at-example")
    expect(page.get_by_label("Create a password", exact=True)).to_have_value("")
    assert live_server.mail.deliver() == []  # nobody was registered
