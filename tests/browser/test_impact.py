"""The impact dashboard in a real browser: a coordinator opens their organisation's dashboard,
sees the charts and tables (printed, "How we count" opens), changes the dates, and downloads
the approved hours as CSV. Every page passes axe-core, and the charts break no rule of the
Content-Security-Policy."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from diaspora.contributions.models import HoursLog
from diaspora.core.time import utcnow
from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser


def test_coordinator_reads_the_dashboard_and_downloads_hours(live_server, open_tab, tmp_path):
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    with live_server.app.app_context():
        make = Factories(db.session)
        charity = make.organisation(kind="charity", country="GB", name="Hope Health")
        coordinator = make.coordinator(charity, email="kemi@example.org", name="Kemi Ade")
        hospital = make.organisation(
            owner=make.user(roles=["partner"]), name="Lagos Teaching Hospital", country="NG"
        )
        alice = make.profile(make.user(name="Alice Adeyemi"), profession="adult_nurse").user
        make.cohort(charity, name="Nigeria nurses", members=(alice,))
        project = make.opportunity(hospital, country="NG", title="Sepsis training")
        engagement = make.engagement(
            project, alice, state="active", started_at=utcnow() - timedelta(days=60)
        )
        db.session.add(
            HoursLog(
                engagement=engagement,
                month=last_month,
                minutes=150,
                learners_reached=12,
                status="approved",
            )
        )
        db.session.commit()
        charity_id, email = charity.id, coordinator.email

    tab = open_tab()
    page = tab.page
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    tab.sign_in(email)

    tab.visit(f"/impact/organisations/{charity_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Impact of Hope Health")
    expect(page.locator(".app-impact-figures")).to_contain_text("2.5")
    expect(
        page.get_by_role("img", name="Bar chart of approved hours in each of the")
    ).to_be_visible()
    expect(page.get_by_role("table", name="Approved hours by country")).to_contain_text("Nigeria")

    # Printed, the closed "How we count" opens, and closes again afterwards.
    rule = page.get_by_text("Hours waiting for a decision or declined do not count")
    expect(rule).to_be_hidden()
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    expect(rule).to_be_visible()
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    expect(rule).to_be_hidden()

    page.get_by_text("How we count").click()
    expect(rule).to_be_visible()

    dates = page.get_by_role("group", name="From")
    dates.get_by_label("Day").fill("1")
    dates.get_by_label("Month").fill("1")
    dates.get_by_label("Year").fill("2020")
    ends = page.get_by_role("group", name="To")
    ends.get_by_label("Day").fill("31")
    ends.get_by_label("Month").fill("12")
    ends.get_by_label("Year").fill("2020")
    tab.follow(page.get_by_role("button", name="Show figures"))
    expect(page.locator(".nhsuk-lede-text")).to_have_text("1 January 2020 to 31 December 2020")
    expect(page.get_by_text("Nothing to show for these dates.").first).to_be_visible()

    tab.visit(f"/impact/organisations/{charity_id}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download approved hours (CSV)").click()
    path = tmp_path / "hours.csv"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert "Sepsis training" in text and "2.5" in text
    assert not blocked, blocked
