"""Adding and confirming a mobile number in a real browser, with the code the local Notify
received, then choosing texts for a kind of message; every page checked by axe-core."""

import pytest
from playwright.sync_api import Page, expect

from bench.notify_server import NotifyServer
from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

EMAIL = "kwame.mensah@nhs.example.org"


def test_add_and_confirm_a_mobile_number_then_choose_texts(live_server, open_tab):
    with NotifyServer() as notify:
        live_server.app.config.update(notify.settings())
        with live_server.app.app_context():
            Factories(db.session).user(email=EMAIL, name="Kwame Mensah", roles=["staff"])
        tab = open_tab()
        page: Page = tab.page
        tab.sign_in(EMAIL)

        tab.visit("/account")
        tab.follow(page.get_by_role("link", name="Add mobile number"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Mobile number")
        page.get_by_label("Country of the number").select_option("GH")
        page.get_by_label("Mobile number").fill("024 123 4567")
        tab.follow(page.get_by_role("button", name="Send the code"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code we texted you")
        expect(page.get_by_text("+233 24 123 4567")).to_be_visible()
        assert "233" not in page.url

        live_server.mail.deliver()  # the scheduler's tick sends the code
        [code] = notify.codes_for("+233241234567")
        page.get_by_label("Confirmation code").fill(code)
        tab.follow(page.get_by_role("button", name="Confirm my number"))
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
            "Your mobile number is confirmed."
        )
        expect(page.locator(".nhsuk-summary-list")).to_contain_text("Confirmed")

        tab.follow(page.get_by_role("link", name="Choose which messages you get by text"))
        group = page.get_by_role("group", name="Applications and engagements")
        group.get_by_label("Send me a text message").check()
        tab.follow(page.get_by_role("button", name="Save preferences"))
        expect(
            page.get_by_role("group", name="Applications and engagements").get_by_label(
                "Send me a text message"
            )
        ).to_be_checked()
