"""Your data in a real browser: the download and the deletion, every page checked by axe-core."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from diaspora.extensions import db
from tests.factories import PASSWORD, Factories

pytestmark = pytest.mark.browser

EMAIL = "amara.okafor@nhs.example.org"
NAME = "Amara Okafor"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_download_then_delete_the_account(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        owner = make.user(email=EMAIL, name=NAME, roles=["staff", "partner"])
        colleague = make.user(name="Bisi Colleague", roles=["partner"])
        make.organisation(owner=owner, name="Ibadan Midwifery Link", members=(colleague,))
    tab = open_tab()
    page = tab.page
    tab.sign_in(EMAIL)

    tab.visit("/account")
    tab.follow(page.get_by_role("link", name="Download a copy of your data or delete your account"))
    expect(_heading(page)).to_have_text("Your data")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download your data").click()
    download = download_info.value
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL
    assert data["organisation_memberships"][0]["organisation"]["name"] == "Ibadan Midwifery Link"

    tab.follow(page.get_by_role("link", name="Delete your account"))
    expect(_heading(page)).to_have_text("Delete your account")
    page.get_by_label("Your password").fill("not my password")
    tab.follow(page.get_by_role("button", name="Delete my account"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        ["Select who will own Ibadan Midwifery Link after you leave"]
    )
    page.get_by_label("Bisi Colleague").check()
    page.get_by_label("Your password").fill("not my password")
    tab.follow(page.get_by_role("button", name="Delete my account"))
    expect(summary.get_by_role("link")).to_have_text(["Your password is not correct"])
    expect(page.get_by_label("Bisi Colleague")).to_be_checked()

    page.get_by_label("Your password").fill(PASSWORD)
    tab.follow(page.get_by_role("button", name="Delete my account"))
    expect(_heading(page)).to_have_text("Your account has been deleted")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
