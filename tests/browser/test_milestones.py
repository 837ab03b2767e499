"""An earn-learn-return plan in a real browser, every page checked by axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from diaspora.milestones.services import load_templates
from tests.factories import Factories

pytestmark = pytest.mark.browser

EMAIL = "chidi.okeke@nhs.example.org"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_staff_member_creates_an_mti_plan_and_keeps_it_up_to_date(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        make.user(email=EMAIL, name="Chidi Okeke", roles=["staff"])
        coordinator = make.user(name="Nasreen Chowdhury", roles=["coordinator"])
        make.organisation(kind="charity", name="Sylhet Health Link", members=(coordinator,))
        load_templates(db.session)
        db.session.commit()
    tab = open_tab()
    page = tab.page
    tab.sign_in(EMAIL)

    tab.visit("/plans")
    expect(_heading(page)).to_have_text("Your earn, learn and return plans")
    tab.follow(page.get_by_role("button", name="Start a plan"))
    page.get_by_label("Medical Training Initiative (MTI)").check()
    tab.follow(page.get_by_role("button", name="Continue"))
    expect(_heading(page)).to_have_text("Your plan: Medical Training Initiative (MTI)")
    expect(page.get_by_text("This scheme is closing", exact=False).first).to_be_visible()
    page.locator("#starts_on").fill("4")
    page.locator("#starts_on-month").fill("1")
    page.locator("#starts_on-year").fill("2027")
    page.get_by_label("Country you will return to (optional)").select_option(label="Nigeria")
    page.get_by_label("Your coordinator (optional)").select_option(
        label="Nasreen Chowdhury, Sylhet Health Link"
    )
    tab.follow(page.get_by_role("button", name="Create plan"))
    expect(_heading(page)).to_have_text("Medical Training Initiative (MTI) plan")
    expect(page.get_by_text("0 of 13 done").first).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(13)
    expect(rows.first).to_contain_text("Arrive and start work")
    expect(rows.last).to_contain_text("Check-in 12 months after returning")

    tab.follow(page.get_by_role("link", name=re.compile(r"^Mark as done\W+Arrive and start work$")))
    expect(_heading(page)).to_have_text("Mark as done: Arrive and start work")
    page.get_by_label("Note (optional)").fill("Started on the acute medical unit")
    tab.follow(page.get_by_role("button", name="Mark as done"))
    expect(page.get_by_text("1 of 13 done").first).to_be_visible()
    expect(rows.first).to_contain_text("Started on the acute medical unit")
    expect(rows.first).to_contain_text("Done")
    expect(
        page.get_by_role("button", name=re.compile(r"^Mark as not done\W+Arrive"))
    ).to_be_visible()

    tab.follow(page.get_by_role("link", name="Change reminders"))
    expect(_heading(page)).to_have_text("Reminders for your plan")
    page.get_by_label("Days before a due date").fill("400")
    tab.follow(page.get_by_role("button", name="Save reminders"))
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["Each number of days must be 365 or fewer"]
    )
    page.get_by_label("Days before a due date").fill("14, 2")
    tab.follow(page.get_by_role("button", name="Save reminders"))
    expect(page.get_by_text("Days before each due date: 14, 2")).to_be_visible()
