"""A partner posts a weekly tele-teaching series in a real browser and publishes it; a staff
member finds it in the listing with a filter. Every page is checked with axe-core."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

PARTNER = "farhana@dmch.example.org"
STAFF = "nasrin@nhs.example.org"
TITLE = "Sepsis recognition for final-year nursing students"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_partner_posts_a_series_and_a_staff_member_finds_it(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        partner = make.user(email=PARTNER, name="Dr Farhana Rahman", roles=["partner"])
        make.organisation(name="Dhaka Medical College Hospital", members=(partner,))
        make.user(email=STAFF, name="Nasrin Akter", roles=["staff"])

    tab = open_tab()
    page = tab.page
    tab.sign_in(PARTNER)
    tab.visit("/opportunities/manage")
    expect(_heading(page)).to_have_text("Your organisation's opportunities")
    tab.follow(page.get_by_role("button", name="Post an opportunity"))
    expect(_heading(page)).to_have_text("Post an opportunity")
    page.get_by_label("Tele-teaching session").check()
    tab.follow(page.get_by_role("button", name="Continue"))
    expect(_heading(page)).to_have_text("New tele-teaching session")

    first = date.today() + timedelta(days=10)
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description").fill("Weekly case-based teaching on sepsis.")
    page.get_by_label("Country", exact=True).select_option(label="Bangladesh")
    page.get_by_label("Region or city (optional)").fill("Dhaka")
    page.get_by_label("Remote", exact=True).check()
    page.get_by_label("Time zone of the sessions").select_option("Asia/Dhaka")
    page.get_by_label("Day", exact=True).fill(str(first.day))
    page.get_by_label("Month", exact=True).fill(str(first.month))
    page.get_by_label("Year", exact=True).fill(str(first.year))
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Duration in minutes").fill("60")
    page.get_by_label("Every week").check()
    page.get_by_label("Number of sessions in the series").fill("3")
    page.get_by_label("Places in each session").fill("20")
    page.get_by_label("Join link").fill("http://meet.example.org/sepsis")
    page.get_by_label("Adult nurse").check()
    page.get_by_label("Skill 1", exact=True).select_option(label="Emergency and acute care")
    tab.follow(page.get_by_role("button", name="Save as draft"))

    # The join link is refused; everything typed is still there
    expect(page).to_have_title(re.compile(r"^Error: New tele-teaching session"))
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["Enter a join link that starts with https://"]
    )
    expect(page.get_by_label("Join link")).to_have_value("http://meet.example.org/sepsis")
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)
    expect(page.get_by_label("Start time")).to_have_value("14:00")
    expect(page.get_by_label("Adult nurse")).to_be_checked()
    page.get_by_label("Join link").fill("https://meet.example.org/sepsis")
    tab.follow(page.get_by_role("button", name="Save as draft"))

    expect(_heading(page)).to_have_text(TITLE)
    expect(page.get_by_text("Your opportunity is saved as a draft")).to_be_visible()
    expect(page.get_by_text("Weekly, 3 sessions from")).to_be_visible()
    tab.follow(page.get_by_role("button", name="Publish"))
    expect(page.get_by_text("Your opportunity is published.")).to_be_visible()

    reader = open_tab()
    other = reader.page
    reader.sign_in(STAFF)
    reader.visit("/opportunities")
    expect(_heading(other)).to_have_text("Find opportunities")
    other.get_by_label("Kind").select_option(label="Tele-teaching session")
    other.get_by_label("Country").select_option(label="Bangladesh")
    reader.follow(other.get_by_role("button", name="Apply filters"))
    expect(other.get_by_role("heading", name="1 opportunity found")).to_be_visible()
    expect(other.get_by_label("Kind")).to_have_value("teaching")
    expect(other.get_by_text("14:00 in Dhaka").first).to_be_visible()
    reader.follow(other.get_by_role("link", name=TITLE))
    expect(_heading(other)).to_have_text(TITLE)
    expect(other.get_by_text("WHO safeguards list", exact=True)).to_have_count(1)
    expect(other.get_by_text("https://meet.example.org/sepsis")).to_have_count(0)
