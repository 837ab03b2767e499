"""A coordinator finds a volunteer in the directory with a real browser, every page checked with
axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@healthlink.example.org"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _people(make: Factories) -> None:
    """A coordinator of a verified charity, and three staff members to look through."""
    coordinator = make.user(email=COORDINATOR, name="Chris Coordinator", roles=["coordinator"])
    make.organisation(kind="charity", name="Sylhet Health Link", members=(coordinator,))
    people = [
        ("Nasrin Akter", (("BD", "born"),), (("ben", 4), ("eng", 3)), "Obstetrics"),
        ("Rahim Uddin", (("BD", "heritage"),), (("ben", 1), ("eng", 4)), "Emergency medicine"),
        ("Kwame Asante", (("GH", "born"),), (("twi", 4), ("eng", 4)), "Paediatrics"),
    ]
    for name, ties, languages, specialty in people:
        user = make.user(name=name, email=f"{name.split()[0].lower()}@nhs.example.org")
        make.session.refresh(user)  # the shared factory reads the user: load it first
        make.profile(
            user,
            ties=ties,
            languages=languages,
            specialty=specialty,
            visibility="coordinators",
            hours_per_month=8,
            modality="remote",
        )


def test_a_coordinator_finds_a_staff_member_by_language_and_country(live_server, open_tab):
    with live_server.app.app_context():
        _people(Factories(db.session))
    tab = open_tab()
    page = tab.page
    tab.sign_in(COORDINATOR)

    tab.follow(page.get_by_role("banner").get_by_role("link", name="Find volunteers"))
    expect(_heading(page)).to_have_text("Find volunteers")
    expect(page.get_by_role("heading", name="3 volunteers found")).to_be_visible()

    # A date range needs both ends: the error summary says so
    page.get_by_label("Available from").fill("2027-03-01")
    tab.follow(page.get_by_role("button", name="Search"))
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["Enter the date until which they should be available"]
    )
    expect(page).to_have_title(re.compile(r"^Error: Find volunteers"))
    page.get_by_label("Available from").fill("")

    page.get_by_label("Language").select_option(label="Bengali")
    page.get_by_label("How well they speak it").select_option(label="Fluent or above")
    page.get_by_label("Country they have ties with").select_option(label="Bangladesh")
    tab.follow(page.get_by_role("button", name="Search"))
    expect(page.get_by_role("heading", name="1 volunteer found")).to_be_visible()
    expect(page.get_by_text("Bengali (native)")).to_be_visible()
    expect(page.get_by_text("WHO safeguards list", exact=True)).to_have_count(1)
    expect(page.get_by_role("link", name="Rahim Uddin")).to_have_count(0)
    expect(page.get_by_label("Language")).to_have_value("ben")

    tab.follow(page.get_by_role("link", name="Nasrin Akter"))
    expect(_heading(page)).to_have_text("Nasrin Akter")
    expect(page).to_have_title(re.compile(r"^Nasrin Akter"))
    expect(page.get_by_text("Obstetrics")).to_be_visible()
    expect(page.get_by_text("nasrin@nhs.example.org")).to_have_count(0)
    tab.follow(page.get_by_role("link", name="Back to search"))
    expect(_heading(page)).to_have_text("Find volunteers")
