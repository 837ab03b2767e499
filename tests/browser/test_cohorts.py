"""A cohort in a real browser: a coordinator creates it and shares its link, a staff member
joins, the coordinator writes to the cohort and the member reads it; every page checked."""

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

COORDINATOR = "nasreen.chowdhury@sylhethealthlink.example"
STAFF = "shirin.akter@nhs.example.org"
NAME = "Bangladesh maternal health volunteers 2027"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_coordinator_gathers_a_cohort_and_writes_to_it(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        charity = make.organisation(kind="charity", country="GB", name="Sylhet Health Link")
        make.coordinator(charity, email=COORDINATOR, name="Nasreen Chowdhury")
        staff = make.user(email=STAFF, name="Shirin Akter", roles=["staff"])
        make.profile(staff, visibility="coordinators", profession="midwife")

    coordinator = open_tab()
    page = coordinator.page
    coordinator.sign_in(COORDINATOR)
    coordinator.visit("/cohorts")
    expect(_heading(page)).to_have_text("Cohorts")
    coordinator.follow(page.get_by_role("button", name="Create a cohort"))
    coordinator.follow(page.get_by_role("button", name="Create cohort"))
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["Enter a name for the cohort"]
    )
    page.get_by_label("Name of the cohort").fill(NAME)
    page.get_by_label("Description (optional)").fill("Midwives supporting Sylhet's hospitals.")
    page.get_by_label("Country it mainly serves (optional)").select_option(label="Bangladesh")
    coordinator.follow(page.get_by_role("button", name="Create cohort"))
    expect(_heading(page)).to_have_text(NAME)
    expect(page.get_by_text("Nobody is in the cohort yet.")).to_be_visible()

    coordinator.follow(page.get_by_role("link", name="Invitation link"))
    coordinator.follow(page.get_by_role("button", name="Create an invitation link"))
    link = page.get_by_label("The cohort's invitation link").input_value()
    assert "/cohorts/join/" in link

    member = open_tab()
    member.sign_in(STAFF)
    member.visit(link)
    expect(_heading(member.page)).to_have_text(f"Join {NAME}")
    expect(member.page.get_by_text("Sylhet Health Link").first).to_be_visible()
    member.follow(member.page.get_by_role("button", name="Join cohort"))
    expect(_heading(member.page)).to_have_text("Your cohorts")
    expect(member.page.get_by_role("heading", name=NAME)).to_be_visible()

    coordinator.visit("/cohorts")
    coordinator.follow(page.get_by_role("link", name=NAME))
    expect(page.get_by_role("cell", name="Shirin Akter", exact=True)).to_be_visible()
    coordinator.follow(page.get_by_role("link", name="Message the cohort"))
    page.get_by_label("Subject").fill("Induction evening")
    page.get_by_label("Message").fill("We meet online on Thursday at 7pm.")
    coordinator.follow(page.get_by_role("button", name="Send message"))
    expect(page.get_by_text("Your message has been sent to 1 member.")).to_be_visible()
    expect(page.get_by_role("heading", name="Induction evening")).to_be_visible()

    coordinator.follow(page.get_by_role("link", name="Add people"))
    page.get_by_label("Name, specialty or skill").fill("Shirin")
    coordinator.follow(page.get_by_role("button", name="Search"))
    expect(page.get_by_text("In the cohort")).to_be_visible()
    coordinator.visit("/cohorts")
    coordinator.follow(page.get_by_role("link", name=NAME))
    coordinator.follow(page.get_by_role("link", name="Propose a member for an opportunity"))
    coordinator.follow(page.get_by_role("button", name="Send invitation"))
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["Select a member", "Select an opportunity"]
    )

    member.visit("/notifications")
    expect(member.page.get_by_text(f"{NAME}: Induction evening", exact=True)).to_be_visible()
