"""Each demo role's home page as a work queue, in a real browser: every page checked by axe-core
and at 320 px, and an item followed through to the page where it is done."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_reflow import _load_demo

pytestmark = pytest.mark.browser


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _queue(page: Page, heading: str):
    """The list under a queue's heading (each list is labelled by its heading)."""
    return page.get_by_role("list", name=re.compile(rf"^{re.escape(heading)} \(\d+\)$"))


@pytest.fixture
def demo(live_server):
    with live_server.app.app_context():
        _load_demo()
    return live_server


def test_the_staff_member_starts_from_their_applications_and_reaches_the_account_menu(
    demo, open_tab
):
    tab = open_tab()
    page = tab.page
    tab.sign_in("staff@demo.test")
    tab.visit("/")
    expect(page.get_by_role("heading", name="For you", level=2, exact=True)).to_be_visible()
    applications = _queue(page, "Your applications")
    expect(applications.get_by_role("link").first).to_have_text(
        "Improve diabetes care in community clinics around Accra"
    )
    tab.follow(applications.get_by_role("link").first)
    expect(_heading(page)).to_contain_text("Improve diabetes care")

    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name=re.compile(r"^Invitations"))).to_be_attached()
    tab.follow(header.get_by_role("link", name="Dr Adebayo Okonkwo"))
    expect(_heading(page)).to_have_text("Account menu")
    tab.follow(page.get_by_role("link", name="Professional registrations"))
    expect(_heading(page)).to_have_text("Your professional registrations")


def test_the_partner_starts_from_the_applications_waiting(demo, open_tab):
    tab = open_tab()
    page = tab.page
    tab.sign_in("partner@demo.test")
    tab.visit("/")
    expect(
        page.get_by_role("heading", name="For your organisations", level=2, exact=True)
    ).to_be_visible()
    waiting = _queue(page, "Applications waiting for an answer")
    expect(
        waiting.get_by_text(re.compile(r"Waiting 8 days: it expires in 13 days"))
    ).to_be_visible()
    expect(
        page.get_by_role("banner").get_by_role("link", name=re.compile(r"^Home \(\d+\)"))
    ).to_be_attached()
    tab.follow(waiting.get_by_role("link").first)
    expect(_heading(page)).to_have_text(re.compile(r"^Applicants for "))


def test_the_coordinator_starts_from_the_registrations_to_verify(demo, open_tab):
    tab = open_tab()
    page = tab.page
    tab.sign_in("coordinator@demo.test")
    tab.visit("/")
    registrations = _queue(page, "Registrations to verify")
    first = registrations.get_by_role("link").first
    name = first.inner_text()
    tab.follow(first)
    expect(page.get_by_text(name).first).to_be_visible()
    expect(
        page.get_by_role("button", name=re.compile("Save|Continue|Verify|Record"))
    ).to_be_visible()


def test_the_administrator_starts_from_the_organisations_to_verify(demo, open_tab):
    tab = open_tab()
    page = tab.page
    tab.sign_in("admin@demo.test")
    tab.visit("/")
    expect(
        page.get_by_role("heading", name="For administrators", level=2, exact=True)
    ).to_be_visible()
    organisations = _queue(page, "Organisations to verify")
    expect(organisations.get_by_role("link").first).to_contain_text("Manila")
    tab.follow(organisations.get_by_role("link").first)
    expect(_heading(page)).to_contain_text("Manila")
    expect(page.get_by_role("button", name="Verify organisation")).to_be_visible()
