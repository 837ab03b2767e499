"""Messages in a real browser: the header's unread count, opening a message, preferences,
and the administrators' outbox; every page checked by axe-core."""

import re

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from diaspora.notifications.models import Channel, DeliveryState, Notification
from tests.factories import Factories

pytestmark = pytest.mark.browser

EMAIL = "nadia.rahman@nhs.example.org"


def _message(user_id: int, subject: str, link: str, **fields) -> Notification:
    return Notification(
        recipient_id=user_id,
        kind="engagement_update",
        channel=Channel.INBOX,
        subject=subject,
        body=f"{subject}. Open it to see more.",
        link=link,
        **fields,
    )


def test_read_a_message_and_choose_the_daily_summary(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        user = make.user(email=EMAIL, name="Nadia Rahman", roles=["staff"])
        db.session.add_all(
            [
                _message(user.id, "Your application was accepted", "/account"),
                _message(user.id, "A session moved", "/account"),
            ]
        )
        db.session.commit()
    tab = open_tab()
    page: Page = tab.page
    tab.sign_in(EMAIL)

    tab.follow(page.get_by_role("link", name="Inbox (2 unread)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your messages")
    tab.follow(
        page.get_by_role("button", name=re.compile(r"^Open\W+Your application was accepted$"))
    )
    expect(page.get_by_role("link", name="Inbox (1 unread)")).to_be_visible()

    tab.visit("/notifications")
    tab.follow(page.get_by_role("button", name="Mark all as read"))
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()

    tab.follow(page.get_by_role("link", name="Choose which messages are also emailed to you"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Message preferences")
    page.get_by_role("group", name="Applications and engagements").get_by_label(
        "Put it in my daily summary email (sent at 9am)"
    ).check()
    tab.follow(page.get_by_role("button", name="Save preferences"))
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("saved")
    expect(
        page.get_by_role("group", name="Applications and engagements").get_by_label(
            "Put it in my daily summary email (sent at 9am)"
        )
    ).to_be_checked()


def test_an_administrator_retries_a_failed_email(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        make.user(email="admin@nhs.example.org", roles=["admin"])
        person = make.user(name="Kofi Mensah")
        row = _message(person.id, "Your hours were approved", "/account")
        row.channel = Channel.EMAIL
        row.state = DeliveryState.FAILED
        row.attempts = 6
        row.last_error = "SMTPDataError 451: Try again later"
        db.session.add(row)
        db.session.commit()
    tab = open_tab()
    page: Page = tab.page
    tab.sign_in("admin@nhs.example.org")
    tab.visit("/admin/outbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    failed = page.get_by_role("table", name=re.compile("failed message"))
    expect(failed).to_contain_text("Kofi Mensah")
    expect(failed).to_contain_text("Email")
    tab.follow(page.get_by_role("button", name="Retry all failed messages"))
    expect(
        page.get_by_text("No emails, text messages or WhatsApp messages have failed.")
    ).to_be_visible()
