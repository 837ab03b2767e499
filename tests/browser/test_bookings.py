"""Two staff members and one place on a tele-teaching session, in a real browser: the first books
and downloads the calendar file, the second joins the waiting list and gets the place when the
first cancels. Every page is checked with axe-core.

The last test walks the whole journey from the organisation's posting form; the others make
the opportunity in the database.
"""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import select

from diaspora.auth.models import User
from diaspora.bookings import services
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.opportunities.models import Opportunity
from tests.factories import Factories

pytestmark = pytest.mark.browser

FIRST = "ama@nhs.example.org"
SECOND = "ben@nhs.example.org"
JOIN = "https://meet.example.org/sylhet-neonatal"


def _setup(make: Factories) -> tuple[int, str]:
    host = make.user(roles=["partner"], name="Hana Host", email="host@example.org")
    organisation = make.organisation(owner=host, name="Sylhet Nursing College")
    for email, name in ((FIRST, "Ama Mensah"), (SECOND, "Ben Okafor")):
        user = make.user(email=email, name=name)
        make.session.refresh(user)  # the shared factory reads the user: load it first
        make.profile(user)
    opportunity = make.opportunity(
        organisation,
        kind="teaching",
        title="Neonatal resuscitation for nursing students",
        capacity=1,
        join_link=JOIN,
        starts_at=(utcnow() + timedelta(days=10)).replace(minute=0, second=0, microsecond=0),
    )
    return opportunity.id, opportunity.sessions[0].uid


def _booking(page: Page):
    return page.locator(".nhsuk-summary-list__row", has_text="Your booking")


def test_book_download_wait_and_get_promoted(live_server, open_tab, tmp_path):
    with live_server.app.app_context():
        opportunity_id, uid = _setup(Factories(db.session))
    detail = f"/opportunities/{opportunity_id}"

    first = open_tab()
    first.sign_in(FIRST)
    first.visit(detail)
    expect(first.page.get_by_text("1 of 1 place left")).to_be_visible()
    expect(first.page.get_by_text(JOIN)).to_have_count(0)
    first.follow(first.page.get_by_role("button", name="Book a place"))
    expect(first.page.get_by_text("You have booked a place")).to_be_visible()
    expect(_booking(first.page)).to_contain_text("You are booked on this session")
    expect(first.page.get_by_role("link", name=JOIN)).to_be_visible()

    with first.page.expect_download() as download:
        first.page.get_by_role("link", name=re.compile("Download the calendar file")).click()
    path = tmp_path / "session.ics"
    download.value.save_as(path)
    calendar = Calendar.from_ical(path.read_bytes())
    event = calendar.events[0]
    assert str(event["UID"]) == uid
    assert event.start.utcoffset() == timedelta(0)
    assert JOIN in str(event["LOCATION"])

    second = open_tab()
    second.sign_in(SECOND)
    second.visit(detail)
    expect(second.page.get_by_text("This session is full.")).to_be_visible()
    expect(second.page.get_by_role("button", name="Book a place")).to_have_count(0)
    second.follow(second.page.get_by_role("button", name="Join the waiting list"))
    expect(_booking(second.page)).to_contain_text("You are number 1 on the waiting list")
    expect(second.page.get_by_text(JOIN)).to_have_count(0)

    first.follow(first.page.get_by_role("button", name="Cancel my booking"))
    expect(first.page.get_by_role("heading", level=1)).to_have_text("Cancel your booking")
    first.follow(first.page.get_by_role("button", name="Cancel your booking"))
    expect(first.page.get_by_text("Your booking is cancelled.")).to_be_visible()
    expect(_booking(first.page)).to_contain_text("Not booked")

    second.visit(detail)  # reload
    expect(_booking(second.page)).to_contain_text("You are booked on this session")
    expect(second.page.get_by_role("link", name=JOIN)).to_be_visible()


def test_calendar_link_and_attendance_pages(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        opportunity_id, _uid = _setup(make)
        opportunity = db.session.get(Opportunity, opportunity_id)
        teaching_session = opportunity.sessions[0]
        person = db.session.scalar(select(User).where(User.email == FIRST))
        services.book(db.session, person.id, teaching_session.id)
        teaching_session.starts_at = utcnow() - timedelta(hours=2)  # held this morning
        db.session.commit()
        session_id = teaching_session.id

    staff = open_tab()
    staff.sign_in(FIRST)
    staff.visit("/calendar")
    staff.follow(staff.page.get_by_role("button", name="Create my calendar link"))
    link = staff.page.get_by_label("Your private calendar link")
    expect(link).to_have_value(re.compile(r"/calendar/feed/.+\.ics$"))
    staff.page.get_by_text("How to add the link to your calendar app").click()
    staff.check_accessibility()  # with the instructions open
    staff.follow(staff.page.get_by_role("link", name="Turn off my calendar link"))
    staff.follow(staff.page.get_by_role("button", name="Turn off my calendar link"))
    expect(staff.page.get_by_role("button", name="Create my calendar link")).to_be_visible()

    host = open_tab()
    host.sign_in("host@example.org")
    host.visit(f"/opportunities/{opportunity_id}")
    host.follow(host.page.get_by_role("link", name=re.compile("Record attendance")))
    host.page.get_by_label("Ama Mensah").check()
    host.follow(host.page.get_by_role("button", name="Save attendance"))
    expect(host.page.get_by_text("Attendance recorded: 1 attended, 0 did not.")).to_be_visible()
    expect(host.page.get_by_role("table")).to_contain_text("Ama Mensah")
    assert f"/sessions/{session_id}/attendance" in host.page.url


def test_an_organisation_posts_a_session_that_one_person_books_and_another_waits_for(
    live_server, open_tab, tmp_path
):
    """The whole journey: posted and published through the organisation's forms, booked, the
    calendar file downloaded, the waiting list joined, and the place passed on."""
    with live_server.app.app_context():
        make = Factories(db.session)
        host = make.user(email="host@example.org", name="Hana Host", roles=["partner"])
        make.organisation(name="Sylhet Nursing College", members=(host,))
        for email, name in ((FIRST, "Ama Mensah"), (SECOND, "Ben Okafor")):
            user = make.user(email=email, name=name)
            make.session.refresh(user)
            make.profile(user)

    poster = open_tab()
    page = poster.page
    poster.sign_in("host@example.org")
    poster.visit("/opportunities/manage")
    poster.follow(page.get_by_role("button", name="Post an opportunity"))
    page.get_by_label("Tele-teaching session").check()
    poster.follow(page.get_by_role("button", name="Continue"))
    day = utcnow().date() + timedelta(days=10)
    page.get_by_label("Title", exact=True).fill("Neonatal resuscitation for nursing students")
    page.get_by_label("Description").fill("Case-based teaching.")
    page.get_by_label("Country", exact=True).select_option(label="Bangladesh")
    page.get_by_label("Remote", exact=True).check()
    page.get_by_label("Time zone of the sessions").select_option("Asia/Dhaka")
    page.get_by_label("Day", exact=True).fill(str(day.day))
    page.get_by_label("Month", exact=True).fill(str(day.month))
    page.get_by_label("Year", exact=True).fill(str(day.year))
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Duration in minutes").fill("60")
    page.get_by_label("A single session").check()
    page.get_by_label("Places in each session").fill("1")
    page.get_by_label("Join link").fill(JOIN)
    page.get_by_label("Doctor", exact=True).check()
    poster.follow(page.get_by_role("button", name="Save as draft"))
    poster.follow(page.get_by_role("button", name="Publish"))
    expect(page.get_by_text("Your opportunity is published.")).to_be_visible()
    detail = re.sub(r"^https?://[^/]+", "", page.url)

    first = open_tab()
    first.sign_in(FIRST)
    first.visit(detail)
    expect(first.page.get_by_text("14:00 in Dhaka").first).to_be_visible()
    first.follow(first.page.get_by_role("button", name="Book a place"))
    expect(_booking(first.page)).to_contain_text("You are booked on this session")
    with first.page.expect_download() as download:
        first.page.get_by_role("link", name=re.compile("Download the calendar file")).click()
    path = tmp_path / "session.ics"
    download.value.save_as(path)
    event = Calendar.from_ical(path.read_bytes()).events[0]
    assert event.start.utcoffset() == timedelta(0)
    assert (event.start.hour, event.start.minute) == (8, 0)  # 14:00 in Dhaka is 08:00 UTC

    second = open_tab()
    second.sign_in(SECOND)
    second.visit(detail)
    second.follow(second.page.get_by_role("button", name="Join the waiting list"))
    expect(_booking(second.page)).to_contain_text("You are number 1 on the waiting list")

    first.follow(first.page.get_by_role("button", name="Cancel my booking"))
    first.follow(first.page.get_by_role("button", name="Cancel your booking"))
    second.visit(detail)
    expect(_booking(second.page)).to_contain_text("You are booked on this session")
    expect(second.page.get_by_role("link", name=JOIN)).to_be_visible()
