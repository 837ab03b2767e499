"""The partner API as a partner's developer meets it: a token made in the browser, the
reference page, then the README's worked example sent over HTTP to the running service."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from diaspora.api import tokens
from diaspora.extensions import db
from tests.factories import Factories

pytestmark = pytest.mark.browser

EMAIL = "tunde.adeyemi@ibadan-hospital.example.org"


def _call(page, token: str, method: str, path: str, body: dict | None = None):
    """An HTTP call to the running service, as curl would send it."""
    response = page.request.fetch(
        "/api/v1" + path,
        method=method,
        data=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status, response.json() if response.status != 204 else None


def test_a_partner_makes_a_token_reads_the_reference_and_posts_a_session(live_server, open_tab):
    with live_server.app.app_context():
        make = Factories(db.session)
        partner = make.user(email=EMAIL, name="Tunde Adeyemi", roles=["partner"])
        organisation_id = make.organisation(
            owner=partner, name="University College Hospital Ibadan", country="NG"
        ).id
    tab = open_tab()
    page = tab.page
    tab.sign_in(EMAIL)

    tab.visit("/account")
    tab.follow(page.get_by_role("link", name=re.compile("Make or revoke tokens")))
    page.get_by_label("Name").fill("Rota system")
    page.get_by_label("Read and write").check()
    tab.follow(page.get_by_role("button", name="Make token"))
    token = re.search(r"dsp_[A-Za-z0-9_-]{43}", page.content()).group(0)

    tab.visit("/account/tokens")
    tab.follow(page.get_by_role("link", name="Read the API reference"))
    expect(page.get_by_role("heading", level=1)).to_have_text("API reference")
    expect(page.get_by_role("heading", name="Opportunities", exact=True)).to_be_visible()

    status, me = _call(page, token, "GET", "/me")
    assert status == 200 and me["display_name"] == "Tunde Adeyemi"

    # The README's worked example, over HTTP to the running service.
    next_year = date.today().year + 1
    status, posted = _call(
        page,
        token,
        "POST",
        "/opportunities",
        {
            "organisation_id": organisation_id,
            "kind": "teaching",
            "title": "Neonatal resuscitation refresher",
            "description": "Hands-on teaching for final-year nursing students.",
            "country": "NG",
            "modality": "remote",
            "professions": ["adult_nurse", "midwife"],
            "skills": [{"code": "neonatal_resuscitation", "min_level": 3}],
            "starts_on": f"{next_year}-03-02",
            "start_time": "14:00",
            "host_time_zone": "Africa/Lagos",
            "duration_minutes": 60,
            "capacity": 20,
            "join_link": "https://meet.example.org/neonatal",
            "audience": "Final-year nursing students",
            "recurrence": "weekly",
            "occurrences": 3,
        },
    )
    assert status == 201 and posted["status"] == "draft"
    assert posted["sessions"][0]["starts_at"] == f"{next_year}-03-02T13:00:00+00:00"
    status, published = _call(page, token, "POST", f"/opportunities/{posted['id']}/publish")
    assert status == 200 and published["status"] == "open"

    first = posted["sessions"][0]["id"]
    with live_server.app.app_context():
        make = Factories(db.session)
        nurse = make.profile(make.user(name="Ngozi Eze"), profession="adult_nurse").user
        _, nurse_token = tokens.create(db.session, nurse, "My diary", "read-write")
        db.session.commit()
    status, booking = _call(page, nurse_token, "POST", f"/sessions/{first}/bookings", {})
    assert status == 201 and booking["state"] == "accepted"
    status, listed = _call(page, token, "GET", f"/sessions/{first}/bookings")
    assert status == 200 and listed["total"] == 1
    assert listed["items"][0]["person"] == "Ngozi Eze"
