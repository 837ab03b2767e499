"""Hours and certificates in a real browser: a staff member logs hours, the organisation
approves them, the staff member downloads the certificate, a stranger checks it by its code and
the organisation revokes it; a staff member with a Bengali name finds it on their certificate.
Every page is checked by axe-core."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from diaspora.contributions.models import Certificate, HoursLog
from diaspora.contributions.services import month_start
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.engagements.states import move
from diaspora.extensions import db
from tests.contributions.pdftext import nfc, text_lines
from tests.factories import Factories

pytestmark = pytest.mark.browser


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_hours_to_a_checked_certificate(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        manager = make.user(email="farhana@example.org", name="Farhana Rahman", roles=["partner"])
        organisation = make.organisation(owner=manager, name="Dhaka Medical College Hospital")
        opportunity = make.opportunity(organisation, title="Sepsis teaching programme")
        staff = make.user(email="nadia@example.org", name="Nadia Rahman", roles=["staff"])
        engagement = make.engagement(
            opportunity, staff, state="active", started_at=utcnow() - timedelta(days=20)
        )
        engagement_id, opportunity_id = engagement.id, opportunity.id

    nadia = open_tab()
    page = nadia.page
    nadia.sign_in("nadia@example.org")
    nadia.visit(f"/engagements/{engagement_id}/hours")
    expect(_heading(page)).to_have_text("Your hours and learners reached")
    page.get_by_label("Month").select_option(index=1)
    page.get_by_label("Hours").fill("250")
    nadia.follow(page.get_by_role("button", name="Log hours"))
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["Hours must be 200 or fewer for one month"]
    )
    expect(page.get_by_label("Hours")).to_have_value("250")
    page.get_by_label("Hours").fill("6.5")
    page.get_by_label("Learners reached (optional)").fill("35")
    nadia.follow(page.get_by_role("button", name="Log hours"))
    expect(page.get_by_text("Your hours have been logged")).to_be_visible()
    expect(page.get_by_text("Waiting for review")).to_be_visible()

    farhana = open_tab()
    farhana.sign_in("farhana@example.org")
    farhana.visit(f"/opportunities/{opportunity_id}/hours")
    expect(_heading(farhana.page)).to_have_text("Review hours")
    farhana.page.get_by_label("Yes, approve them").check()
    farhana.follow(farhana.page.get_by_role("button", name="Save decision"))
    expect(farhana.page.get_by_text("The hours of Nadia Rahman have been approved")).to_be_visible()

    with live_server.app.app_context():
        engagement = db.session.get(Engagement, engagement_id)
        move(engagement, "completed")
        db.session.commit()

    nadia.visit(f"/engagements/{engagement_id}/hours")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Get your certificate (PDF)").click()
    download = download_info.value
    assert re.fullmatch(r"certificate-[0-9A-Z-]{19}\.pdf", download.suggested_filename)
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    with live_server.app.app_context():
        code = db.session.scalar(select(Certificate.code))

    stranger = open_tab()
    stranger.visit("/certificates/verify")
    stranger.page.get_by_label("Certificate code").fill(code.lower().replace("-", " "))
    stranger.follow(stranger.page.get_by_role("button", name="Check certificate"))
    expect(_heading(stranger.page)).to_have_text("This certificate is genuine")
    expect(stranger.page.get_by_text("6.5 hours")).to_be_visible()

    farhana.visit(f"/opportunities/{opportunity_id}/hours")
    farhana.follow(farhana.page.get_by_role("link", name=re.compile("^Revoke")))
    farhana.page.get_by_label("Why are you revoking this certificate?").fill("Logged in error")
    farhana.follow(farhana.page.get_by_role("button", name="Revoke certificate"))

    stranger.visit(f"/certificates/{code}")
    expect(_heading(stranger.page)).to_have_text("This certificate has been revoked")


def test_a_bengali_name_is_printed_on_the_certificate(live_server, open_tab):
    name = "রহিম উদ্দিন"
    with live_server.app.app_context():
        make = Factories(db.session)
        manager = make.user(email="farhana@example.org", name="Farhana Rahman", roles=["partner"])
        organisation = make.organisation(owner=manager, name="ঢাকা মেডিকেল কলেজ হাসপাতাল")
        opportunity = make.opportunity(organisation, title="Sepsis teaching programme")
        staff = make.user(email="rahim@example.org", name=name, roles=["staff"])
        engagement = make.engagement(
            opportunity, staff, state="active", started_at=utcnow() - timedelta(days=40)
        )
        db.session.add(
            HoursLog(
                engagement=engagement,
                month=month_start(utcnow().date()),
                minutes=180,
                learners_reached=12,
                note="",
                status="approved",
                decided_at=utcnow(),
            )
        )
        move(engagement, "completed")
        db.session.commit()
        engagement_id = engagement.id

    rahim = open_tab()
    page = rahim.page
    rahim.sign_in("rahim@example.org")
    rahim.visit(f"/engagements/{engagement_id}/hours")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Get your certificate (PDF)").click()
    body = Path(download_info.value.path()).read_bytes()
    assert body.startswith(b"%PDF-")
    lines = text_lines(body)
    assert nfc(name) in lines, lines[:4]
    assert nfc("contributed to the work of ঢাকা মেডিকেল কলেজ হাসপাতাল") in lines
    assert not any("verification page" in line for line in lines)
