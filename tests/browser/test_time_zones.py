"""Sign-up starts at the browser's time zone where JavaScript runs, and at the default without it;
either way the form works and the zone chosen is the account's."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from diaspora.auth.models import User
from diaspora.extensions import db
from diaspora.reference.places import DEFAULT_TIME_ZONE
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_up(tab, email: str) -> None:
    page = tab.page
    page.get_by_label("Full name").fill("Nusrat Jahan")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password", exact=True).fill(PASSWORD)


def _zone_of(live_server, email: str) -> str:
    with live_server.app.app_context():
        return db.session.scalar(select(User.time_zone).where(User.email == email))


def test_sign_up_starts_at_the_browsers_zone(live_server, open_tab):
    tab = open_tab(timezone_id="Asia/Dhaka")
    tab.visit("/account/register/staff")
    zone = tab.page.get_by_label("Your time zone")
    expect(zone).to_have_value("Asia/Dhaka")
    # the list reads as countries and their cities
    expect(zone.locator("optgroup[label='Bangladesh'] option")).to_have_text(["Dhaka"])
    _sign_up(tab, "nusrat@example.org")
    tab.follow(tab.page.get_by_role("button", name="Create account"))
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert _zone_of(live_server, "nusrat@example.org") == "Asia/Dhaka"


def test_an_older_name_the_browser_gives_selects_the_listed_zone(live_server, open_tab):
    """Chromium calls India's zone Asia/Calcutta; the list has Asia/Kolkata."""
    tab = open_tab(timezone_id="Asia/Kolkata")
    tab.visit("/account/register/organisation")
    expect(tab.page.get_by_label("Your time zone")).to_have_value("Asia/Kolkata")
    # the organisation's own zone is not the person's: it keeps the default until chosen
    expect(tab.page.get_by_label("The organisation's time zone")).to_have_value(DEFAULT_TIME_ZONE)


def test_a_choice_shown_back_after_an_error_is_kept(live_server, open_tab):
    tab = open_tab(timezone_id="Asia/Dhaka")
    tab.visit("/account/register/staff")
    page = tab.page
    _sign_up(tab, "not an address")
    page.get_by_label("Your time zone").select_option("Africa/Lagos")
    tab.follow(page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("alert")).to_contain_text("Enter an email address")
    expect(page.get_by_label("Your time zone")).to_have_value("Africa/Lagos")


def test_without_javascript_the_default_stays_and_sign_up_works(live_server, open_tab):
    tab = open_tab(timezone_id="Asia/Dhaka", java_script_enabled=False)
    page = tab.page
    page.goto("/account/register/staff")
    expect(page.get_by_label("Your time zone")).to_have_value(DEFAULT_TIME_ZONE)
    _sign_up(tab, "no.script@example.org")
    with page.expect_event("load"):
        page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/account/check-your-email$"))
    # the pages are those the tests above check with axe-core, which needs JavaScript
    tab.unchecked.clear()
    tab.static_responses.clear()
    assert _zone_of(live_server, "no.script@example.org") == DEFAULT_TIME_ZONE
