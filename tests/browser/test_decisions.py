"""Deciding in bulk and reading the audit log in a real browser: an organisation approves
several hours entries at once (a refused selection keeps its ticks), and an administrator
narrows the audit log to one person, one action and a day. Every page is checked by axe-core
and at 320 px."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from diaspora.audit.models import AuditEvent
from diaspora.contributions.models import HoursLog
from diaspora.contributions.services import add_months, month_start
from diaspora.core.time import utcnow
from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_an_organisation_approves_selected_hours(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        manager = make.user(email="farhana@example.org", name="Farhana Rahman", roles=["partner"])
        organisation = make.organisation(owner=manager, name="Dhaka Medical College Hospital")
        opportunity = make.opportunity(organisation, title="Sepsis teaching programme")
        this_month = month_start(utcnow().date())
        ids = []
        for name in ("Nadia Rahman", "Kwame Mensah", "Ama Owusu"):
            engagement = make.engagement(
                opportunity,
                make.user(name=name),
                state="active",
                started_at=utcnow() - timedelta(days=60),
            )
            log = HoursLog(
                engagement=engagement,
                month=add_months(this_month, -1),
                minutes=150,
                learners_reached=10,
                note="",
                status="pending",
            )
            db.session.add(log)
            db.session.commit()
            ids.append(log.id)
        opportunity_id = opportunity.id

    tab = open_tab()
    page = tab.page
    tab.sign_in("farhana@example.org")
    tab.visit(f"/opportunities/{opportunity_id}/hours")
    expect(_heading(page)).to_have_text("Review hours")
    page.get_by_label("Select the hours of Nadia Rahman for").check()
    page.get_by_label("Select the hours of Kwame Mensah for").check()

    # Meanwhile a colleague approves Kwame's hours: nothing is approved, the ticks stay.
    with live_server.app.app_context():
        db.session.get(HoursLog, ids[1]).status = "approved"
        db.session.commit()
    tab.follow(page.get_by_role("button", name="Approve selected"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Kwame Mensah")
    expect(summary).to_contain_text("Nothing was approved")
    expect(page.get_by_label("Select the hours of Nadia Rahman for")).to_be_checked()
    expect(page.get_by_label("Select the hours of Ama Owusu for")).not_to_be_checked()

    page.get_by_label("Select the hours of Ama Owusu for").check()
    tab.follow(page.get_by_role("button", name="Approve selected"))
    expect(page.get_by_text("2 hours entries approved.")).to_be_visible()
    expect(page.get_by_text("No hours are waiting for review.")).to_be_visible()
    with live_server.app.app_context():
        statuses = [db.session.get(HoursLog, i).status for i in ids]
    assert statuses == ["approved", "approved", "approved"]


def test_an_administrator_filters_the_audit_log(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        admin = make.user(email="admin@nhs.example.org", name="Ada Admin", roles=["admin"])
        admin.time_zone = "Asia/Dhaka"
        shirin = make.user(name="Shirin Akter", email="shirin@example.org")
        kofi = make.user(name="Kofi Asante", email="kofi@example.org")
        day = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)  # 1 March, noon in Dhaka
        for person, offset in ((shirin, 0), (kofi, 0), (shirin, 2)):
            db.session.add(
                AuditEvent(
                    action="account.password_changed",
                    at=day + timedelta(days=offset),
                    actor_id=person.id,
                    subject_type="User",
                    subject_id=person.id,
                    details={},
                )
            )
        db.session.add(
            AuditEvent(
                action="role.granted",
                at=day,
                actor_id=admin.id,
                subject_type="User",
                subject_id=shirin.id,
                details={"role": "admin"},
            )
        )
        db.session.commit()

    tab = open_tab()
    page = tab.page
    tab.sign_in("admin@nhs.example.org")
    tab.visit("/admin/audit")
    expect(_heading(page)).to_have_text("Audit log")
    expect(page.get_by_role("table")).to_contain_text("Role given")

    page.get_by_label("Find a person by name or email address").fill("shirin@")
    tab.follow(page.get_by_role("button", name="Find person"))
    assert "shirin" not in page.url and "person=" in page.url
    expect(page.get_by_role("link", name="Shirin Akter").first).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)  # two password changes and the role given to her

    page.get_by_label("Action").select_option(label="Password changed")
    page.locator("#since").fill("1")
    page.locator("#since-month").fill("3")
    page.locator("#since-year").fill("2026")
    page.locator("#until").fill("1")
    page.locator("#until-month").fill("3")
    page.locator("#until-year").fill("2026")
    tab.follow(page.get_by_role("button", name="Apply filters"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Password changed")
    expect(rows.first).to_contain_text("1 Mar 2026 12:00:00")
    assert "shirin" not in page.url

    tab.follow(page.get_by_role("link", name="Show everyone in the audit log"))
    expect(rows).to_have_count(2)  # Shirin's and Kofi's password changes that day
