"""A staff member applies for a placement, the organisation accepts, the line manager confirms
release through the emailed link, and the organisation starts the engagement: every page
checked with axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

STAFF = "sadia@nhs.example.org"
PARTNER = "farhana@hospital.example.org"
LINE_MANAGER = "ward.manager@leedsth.nhs.uk"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _world(make: Factories) -> int:
    partner = make.user(email=PARTNER, name="Farhana Rahman", roles=["partner"])
    organisation = make.organisation(owner=partner, name="Sylhet MAG Osmani Hospital")
    staff = make.user(email=STAFF, name="Sadia Begum")
    make.session.refresh(staff)  # the shared factory reads the user: load it first
    make.profile(staff, specialty="Neonatology")
    opportunity = make.opportunity(
        organisation, kind="placement", modality="on_site", title="Neonatal unit placement"
    )
    return opportunity.id


def test_apply_accept_release_and_start(live_server, open_tab):
    with live_server.app.app_context():
        opportunity_id = _world(Factories(db.session))

    staff = open_tab()
    staff.sign_in(STAFF)
    staff.visit(f"/opportunities/{opportunity_id}")
    staff.follow(staff.page.get_by_role("button", name="Apply", exact=True))
    expect(_heading(staff.page)).to_have_text("Apply for Neonatal unit placement")
    staff.follow(staff.page.get_by_role("button", name="Send application"))
    expect(staff.page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter your message to the organisation"
    )
    staff.page.get_by_label("Your message to the organisation").fill(
        "I have worked in a level 3 neonatal unit for eight years."
    )
    staff.follow(staff.page.get_by_role("button", name="Send application"))
    expect(staff.page.get_by_text("Your application has been sent")).to_be_visible()

    partner = open_tab()
    partner.sign_in(PARTNER)
    partner.visit(f"/opportunities/{opportunity_id}")
    partner.follow(partner.page.get_by_role("link", name=re.compile("Review applicants")))
    expect(partner.page.get_by_text("level 3 neonatal unit")).to_be_visible()
    expect(partner.page.get_by_text(STAFF)).to_have_count(0)
    partner.follow(partner.page.get_by_role("link", name=re.compile("Decide on the application")))
    partner.page.get_by_label("Accept: offer a place").check()
    partner.follow(partner.page.get_by_role("button", name="Save decision"))
    expect(partner.page.get_by_text(STAFF).first).to_be_visible()
    expect(partner.page.get_by_text("They cannot start until")).to_be_visible()

    staff.visit("/engagements")
    staff.follow(staff.page.get_by_role("link", name="Neonatal unit placement"))
    staff.follow(staff.page.get_by_role("button", name="Name your line manager"))
    staff.page.get_by_label("Your NHS line manager's email address").fill(LINE_MANAGER)
    staff.follow(staff.page.get_by_role("button", name="Send the request"))
    expect(staff.page.get_by_text("We have emailed your line manager")).to_be_visible()

    live_server.mail.deliver()  # the outbox also holds the messages to the partner and to staff
    (email,) = live_server.mail.to(LINE_MANAGER)
    manager = open_tab()
    manager.visit(live_server.mail.link(email))
    expect(_heading(manager.page)).to_have_text("Release Sadia Begum to take part")
    manager.page.get_by_label("Yes, I confirm their release").check()
    manager.follow(manager.page.get_by_role("button", name="Send your answer"))
    expect(_heading(manager.page)).to_have_text("This request has been answered")

    partner.page.reload()
    partner.check_accessibility()
    partner.follow(partner.page.get_by_role("button", name="Start the engagement"))
    expect(partner.page.get_by_text("The engagement has started.")).to_be_visible()
