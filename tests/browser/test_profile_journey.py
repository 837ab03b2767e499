"""A staff member builds their profile in a real browser, one page at a time, every page
checked with axe-core."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

NAME = "Adébáyọ̀ Okonkwo"
EMAIL = "adebayo.okonkwo@nhs.example.org"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_staff_member_completes_their_profile(live_server, open_tab):
    with live_server.app.app_context():
        Factories(db.session).user(email=EMAIL, name=NAME, roles=["staff"])
    tab = open_tab()
    page = tab.page
    tab.sign_in(EMAIL)

    tab.follow(page.get_by_role("banner").get_by_role("link", name="Your profile"))
    expect(_heading(page)).to_have_text("Create your profile")
    tab.follow(page.get_by_role("button", name="Start now"))

    # Work in the NHS, with one mistake first
    expect(_heading(page)).to_have_text("Your work in the NHS")
    page.get_by_label("Profession").select_option(label="Midwife")
    page.get_by_label("Years of experience").fill("seventy-one")
    tab.follow(page.get_by_role("button", name="Save and continue"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        ["Select your grade or band", "Years of experience must be a whole number, like 12"]
    )
    expect(page.get_by_label("Profession")).to_have_value("midwife")
    page.get_by_label("Grade or Agenda for Change band").select_option(label="Band 7")
    page.get_by_label("Specialty (optional)").fill("Obstetrics")
    page.get_by_label("NHS employer (optional)").fill("Barts Health NHS Trust")
    page.get_by_label("Years of experience").fill("14")
    page.get_by_label("About you (optional)").fill("Mo kọ́ ẹ̀kọ́ ní Ìbàdàn. <b>Not bold</b>")
    tab.follow(page.get_by_role("button", name="Save and continue"))

    # Country ties: add two, remove one
    expect(_heading(page)).to_have_text("Countries you have ties to")
    for country, tie in (("Nigeria", "Born there"), ("France", "Worked there")):
        page.get_by_label("Country", exact=True).select_option(label=country)
        page.get_by_label(tie).check()
        tab.follow(page.get_by_role("button", name="Add country"))
    table = page.get_by_role("table", name="Your countries")
    expect(table.get_by_role("row", name=re.compile("Nigeria"))).to_contain_text(
        "WHO safeguards list"
    )
    expect(table.get_by_role("row", name=re.compile("France"))).not_to_contain_text("WHO")
    tab.follow(page.get_by_role("button", name="Remove France (worked there)"))
    expect(table.get_by_role("row", name=re.compile("France"))).to_have_count(0)
    tab.follow(page.get_by_role("button", name="Continue"))

    # Languages
    expect(_heading(page)).to_have_text("Languages you speak")
    for language, level in (("Yoruba", "Native"), ("English", "Fluent")):
        page.get_by_label("Language", exact=True).select_option(label=language)
        page.get_by_label(level, exact=True).check()
        tab.follow(page.get_by_role("button", name="Add language"))
    tab.follow(page.get_by_role("button", name="Continue"))

    # Skills: one from the list, one in her own words
    expect(_heading(page)).to_have_text("Your skills")
    page.get_by_label("Skill from the list").select_option(label="Neonatal resuscitation")
    page.get_by_label("Can teach others").check()
    tab.follow(page.get_by_role("button", name="Add skill"))
    page.get_by_label("Or describe a skill in your own words").fill("Obstetric ultrasound")
    page.get_by_label("Practitioner").check()
    tab.follow(page.get_by_role("button", name="Add skill"))
    expect(page.get_by_role("table", name="Your skills")).to_contain_text("Obstetric ultrasound")
    tab.follow(page.get_by_role("button", name="Continue"))

    # Availability, then the dates she could travel
    expect(_heading(page)).to_have_text("Your availability")
    page.get_by_label("Hours a month").fill("8")
    page.get_by_label("Remotely or on site").check()
    page.get_by_label("Notice you need, in weeks (optional)").fill("6")
    tab.follow(page.get_by_role("button", name="Save and continue"))
    expect(_heading(page)).to_have_text("When you could travel")
    year = str(date.today().year + 1)
    for group, (day, month) in (("Start date", ("1", "3")), ("End date", ("28", "2"))):
        dates = page.get_by_role("group", name=group)
        dates.get_by_label("Day").fill(day)
        dates.get_by_label("Month").fill(month)
        dates.get_by_label("Year").fill(year)
    tab.follow(page.get_by_role("button", name="Add dates"))
    expect(summary.get_by_role("link")).to_have_text(
        ["Window end must be the same as or after its start"]
    )
    summary.get_by_role("link").click()
    expect(page.get_by_role("group", name="End date").get_by_label("Day")).to_be_focused()
    page.get_by_role("group", name="End date").get_by_label("Day").fill("14")
    page.get_by_role("group", name="End date").get_by_label("Month").fill("3")
    tab.follow(page.get_by_role("button", name="Add dates"))
    expect(page.get_by_role("table", name="Your dates")).to_contain_text(
        f"1 March {year} to 14 March {year}"
    )
    tab.follow(page.get_by_role("button", name="Continue"))

    # Privacy
    expect(_heading(page)).to_have_text("Privacy and contact")
    expect(page.get_by_label("Only me")).to_be_checked()
    page.get_by_label("Volunteer coordinators at verified charities and NHS trusts").check()
    page.get_by_label("I agree to be contacted").check()
    tab.follow(page.get_by_role("button", name="Save and continue"))

    # Check your answers, change one, then save
    expect(_heading(page)).to_have_text("Check your answers before saving your profile")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Mo kọ́ ẹ̀kọ́ ní Ìbàdàn. <b>Not bold</b>")
    tab.follow(main.get_by_role("link", name="Change notice needed"))
    page.get_by_label("Notice you need, in weeks (optional)").fill("4")
    tab.follow(page.get_by_role("button", name="Save and continue"))
    expect(_heading(page)).to_have_text("Check your answers before saving your profile")
    expect(main).to_contain_text("4 weeks")
    tab.follow(page.get_by_role("button", name="Save profile"))

    expect(_heading(page)).to_have_text("Your profile")
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(main).to_contain_text(NAME)
    expect(main).to_contain_text("Midwife")
    expect(main.locator(".nhsuk-summary-list__row", has_text="Nigeria")).to_contain_text(
        "WHO safeguards list"
    )
    expect(main).to_contain_text("Can teach others")
