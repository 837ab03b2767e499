"""A staff member sees a recommendation and why; the organisation opens its suggested
candidates and invites her with a message; she sees the invitation and its message and accepts
it, going on to apply. Every page checked with axe-core."""

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

STAFF = "rahima@nhs.example.org"
PARTNER = "farid@neonatal.example.org"
TITLE = "Newborn resuscitation training"
MESSAGE = "Your neonatal skills are just what our trainees need."


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _world(make: Factories) -> int:
    partner = make.user(email=PARTNER, name="Farid Uddin", roles=["partner"])
    organisation = make.organisation(owner=partner, name="Sylhet Neonatal Trust")
    staff = make.user(email=STAFF, name="Rahima Begum")
    make.session.refresh(staff)
    make.profile(staff, modality="both", hours_per_month=10)
    opportunity = make.opportunity(organisation, title=TITLE, languages=(("ben", 3),))
    return opportunity.id


def test_recommended_suggested_invited_and_accepted(live_server, open_tab):
    with live_server.app.app_context():
        opportunity_id = _world(Factories(db.session))

    staff = open_tab()
    staff.sign_in(STAFF)
    expect(staff.page.get_by_role("link", name=TITLE)).to_be_visible()  # the home short list
    staff.follow(staff.page.get_by_role("link", name="See all your recommendations"))
    expect(_heading(staff.page)).to_have_text("Recommended for you")
    expect(staff.page.get_by_text("Strong match").first).to_be_visible()
    expect(staff.page.get_by_text("Why it matches")).to_be_visible()

    partner = open_tab()
    partner.sign_in(PARTNER)
    partner.visit(f"/opportunities/{opportunity_id}")
    partner.follow(partner.page.get_by_role("link", name="Suggested candidates"))
    expect(_heading(partner.page)).to_have_text("Suggested candidates")
    expect(partner.page.get_by_text("1 person suggested")).to_be_visible()
    partner.follow(partner.page.get_by_role("button", name="Invite to apply Rahima Begum"))
    expect(_heading(partner.page)).to_have_text("Invite Rahima Begum to apply")
    message = partner.page.get_by_label("Message (optional)")
    message.fill("x" * 1001)
    expect(partner.page.get_by_text("You have 1 character too many")).to_be_visible()
    partner.check_accessibility()
    partner.follow(partner.page.get_by_role("button", name="Send invitation"))
    expect(partner.page.get_by_role("alert")).to_contain_text(
        "Your message must be 1000 characters or fewer"
    )
    message.fill(MESSAGE)
    partner.follow(partner.page.get_by_role("button", name="Send invitation"))
    expect(partner.page.get_by_text("Rahima Begum is invited to apply.")).to_be_visible()
    expect(partner.page.get_by_text("Invited", exact=True)).to_be_visible()

    staff.visit(f"/opportunities/{opportunity_id}")
    expect(staff.page.get_by_role("heading", name="Your invitation")).to_be_visible()
    expect(staff.page.get_by_text(MESSAGE)).to_be_visible()
    staff.follow(staff.page.get_by_role("link", name="All your invitations"))
    expect(_heading(staff.page)).to_have_text("Your invitations")
    expect(staff.page.get_by_role("link", name=TITLE)).to_be_visible()
    staff.follow(staff.page.get_by_role("button", name=f"Accept the invitation to {TITLE}"))
    expect(_heading(staff.page)).to_have_text(f"Apply for {TITLE}")
    expect(staff.page.get_by_text("You accepted the invitation.")).to_be_visible()
