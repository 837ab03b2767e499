"""Importing volunteers in a real browser: a coordinator uploads a spreadsheet, reads the
preview (a bad row named with its reasons), confirms, and an invited person opens the emailed
link, creates their account and joins; every page checked (axe-core, 320 px)."""

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

COORDINATOR = "nasreen.chowdhury@sylhethealthlink.example"
NAME = "Bangladesh maternal health volunteers 2027"
SPREADSHEET = (
    "\ufeffname,email,profession,countries,languages\r\n"
    "Ayesha Rahman,ayesha.rahman@example.org,Midwife,Bangladesh; IN,Bengali; syl\r\n"
    '"=HYPERLINK(""http://evil.example"")",not-an-address,Astronaut,Narnia,\r\n'
)


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_coordinator_imports_volunteers_and_one_accepts(live_server, open_tab, tmp_path):
    with live_server.app.app_context():
        make = Factories(db.session)
        charity = make.organisation(kind="charity", country="GB", name="Sylhet Health Link")
        make.coordinator(charity, email=COORDINATOR, name="Nasreen Chowdhury")
        cohort_id = make.cohort(charity, name=NAME).id
    spreadsheet = tmp_path / "volunteers.csv"
    spreadsheet.write_text(SPREADSHEET, encoding="utf-8")

    coordinator = open_tab()
    page = coordinator.page
    coordinator.sign_in(COORDINATOR)
    coordinator.visit(f"/cohorts/{cohort_id}")
    coordinator.follow(page.get_by_role("link", name="Import volunteers"))
    expect(_heading(page)).to_have_text(f"Import volunteers into {NAME}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (CSV)").click()
    assert download.value.suggested_filename == "volunteers-template.csv"

    coordinator.follow(page.get_by_role("button", name="Upload and check"))
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["Select a CSV file of volunteers"]
    )
    page.locator("input[type=file]").set_input_files(str(spreadsheet))
    coordinator.follow(page.get_by_role("button", name="Upload and check"))
    expect(_heading(page)).to_have_text("Check the volunteers to invite")
    problems = page.get_by_role("row").filter(has_text="Not imported")
    expect(problems).to_contain_text("=HYPERLINK")
    for reason in (
        "Email address is not a valid email address",
        "Unknown profession: Astronaut",
        "Unknown country: Narnia",
    ):
        expect(problems).to_contain_text(reason)
    expect(page.get_by_role("row").filter(has_text="Ayesha Rahman")).to_contain_text(
        "Will be invited"
    )
    coordinator.follow(page.get_by_role("button", name="Send 1 invitation"))
    expect(page.get_by_text("1 person has been sent an invitation")).to_be_visible()
    expect(_heading(page)).to_have_text(f"Invitations to {NAME}")
    expect(page.get_by_role("row").filter(has_text="Ayesha Rahman")).to_contain_text("Invited")

    [email] = live_server.mail.wait_for(1)
    assert email["To"] == "ayesha.rahman@example.org"
    link = live_server.mail.link(email)

    invitee = open_tab()
    person = invitee.page
    invitee.visit(link)
    expect(_heading(person)).to_have_text(f"Join {NAME}")
    expect(person.get_by_label("Full name")).to_have_value("Ayesha Rahman")
    person.get_by_label("Create a password").fill("quiet harbour lantern")
    invitee.follow(person.get_by_role("button", name="Create account and join"))
    expect(_heading(person)).to_have_text(f"Welcome to {NAME}")
    expect(person.get_by_text("Profession: Midwife")).to_be_visible()
    invitee.follow(person.get_by_role("link", name="add Bangladesh to your profile"))
    expect(person.get_by_label("Country")).to_have_value("BD")

    coordinator.visit(f"/cohorts/{cohort_id}/invitations")
    expect(page.get_by_text("Every invitation has been answered")).to_be_visible()
