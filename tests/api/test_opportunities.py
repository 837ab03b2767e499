"""The opportunities API: the listing, one opportunity with its sessions, posting all three kinds
with the web form's rules, changing, publishing and closing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from diaspora.core.time import as_utc, utcnow
from diaspora.opportunities.models import Opportunity

BASE = "/api/v1/opportunities"


@pytest.fixture
def partner(make):
    """A partner owning a verified organisation, with the organisation."""
    user = make.user(roles=["partner"])
    return user, make.organisation(owner=user, name="Sylhet Teaching Hospital")


def _next_year() -> int:
    return utcnow().year + 1


def teaching_body(organisation_id: int, **changes) -> dict:
    """A weekly tele-teaching series: three sessions at 14:00 in Dhaka."""
    return {
        "organisation_id": organisation_id,
        "kind": "teaching",
        "title": "Neonatal resuscitation refresher",
        "description": "Hands-on teaching for final-year nursing students.",
        "country": "BD",
        "modality": "remote",
        "professions": ["adult_nurse", "midwife"],
        "skills": [{"code": "neonatal_resuscitation", "min_level": 3}],
        "languages": [{"code": "ben", "min_proficiency": 2}],
        "starts_on": f"{_next_year()}-03-02",
        "start_time": "14:00",
        "host_time_zone": "Asia/Dhaka",
        "duration_minutes": 60,
        "capacity": 20,
        "join_link": "https://meet.example.org/neonatal",
        "audience": "Final-year nursing students",
        "recurrence": "weekly",
        "occurrences": 3,
    } | changes


def project_body(organisation_id: int, **changes) -> dict:
    return {
        "organisation_id": organisation_id,
        "kind": "project",
        "title": "Set up a neonatal unit",
        "description": "Help plan and train.",
        "country": "BD",
        "modality": "hybrid",
        "professions": ["doctor"],
        "starts_on": f"{_next_year()}-01-01",
        "ends_on": f"{_next_year()}-06-30",
        "hours_per_month": 8,
        "places": 3,
    } | changes


def placement_body(organisation_id: int, **changes) -> dict:
    return {
        "organisation_id": organisation_id,
        "kind": "placement",
        "title": "Return placement in obstetrics",
        "description": "Six months in the obstetric unit.",
        "country": "BD",
        "modality": "on_site",
        "professions": ["doctor"],
        "host_institution": "Sylhet MAG Osmani Medical College Hospital",
        "duration_months": 6,
        "starts_on": f"{_next_year()}-06-01",
        "ends_on": f"{_next_year()}-09-30",
        "places": 2,
        "support_travel": True,
        "support_housing": True,
    } | changes


def pointers(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}


# Listing --------------------------------------------------------------------------------------


def test_the_listing_shows_open_opportunities_with_filters(client, make, bearer, partner):
    _, organisation = partner
    other = make.organisation(owner=make.user(roles=["partner"]))
    project = make.opportunity(organisation, title="Open project", country="BD")
    make.opportunity(other, title="Elsewhere", country="GH")
    make.opportunity(organisation, status="draft", title="A draft")
    make.opportunity(organisation, status="closed", title="Closed")
    teaching = make.opportunity(organisation, kind="teaching", title="Teaching")
    first_start = as_utc(teaching.sessions[0].starts_at)
    headers = bearer(make.user())

    body = client.get(BASE, headers=headers).get_json()
    assert {i["title"] for i in body["items"]} == {"Open project", "Elsewhere", "Teaching"}
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)

    by_country = client.get(f"{BASE}?country=GH", headers=headers).get_json()
    assert [i["title"] for i in by_country["items"]] == ["Elsewhere"]
    by_org = client.get(f"{BASE}?organisation_id={organisation.id}&kind=teaching", headers=headers)
    [item] = by_org.get_json()["items"]
    assert item["id"] == teaching.id and item["organisation"]["id"] == organisation.id
    starts = datetime.fromisoformat(item["next_session_starts_at"])
    assert starts == first_start and starts.utcoffset() == timedelta(0)

    paged = client.get(f"{BASE}?per_page=2&page=2", headers=headers).get_json()
    assert (len(paged["items"]), paged["total"], paged["page"]) == (1, 3, 2)
    assert project.id in {i["id"] for i in body["items"]}


def test_mine_lists_the_organisations_own_with_drafts(client, make, bearer, partner):
    user, organisation = partner
    make.opportunity(organisation, title="Open")
    make.opportunity(organisation, status="draft", title="Draft")
    make.opportunity(organisation, status="closed", title="Closed")
    make.opportunity(title="Another's")
    headers = bearer(user)

    mine = client.get(f"{BASE}?mine=true", headers=headers).get_json()
    assert {i["title"] for i in mine["items"]} == {"Open", "Draft", "Closed"}
    drafts = client.get(f"{BASE}?mine=true&status=draft", headers=headers).get_json()
    assert [(i["title"], i["status"]) for i in drafts["items"]] == [("Draft", "draft")]
    staff = client.get(f"{BASE}?mine=true", headers=bearer(make.user())).get_json()
    assert staff["items"] == [] and staff["total"] == 0


def test_listing_filters_are_checked(client, make, bearer):
    headers = bearer(make.user())
    response = client.get(f"{BASE}?kind=lecture&country=XX", headers=headers)
    assert response.status_code == 422
    assert {e["parameter"] for e in response.get_json()["errors"]} == {"kind", "country"}
    response = client.get(f"{BASE}?status=draft", headers=headers)
    assert [e["parameter"] for e in response.get_json()["errors"]] == ["status"]
    response = client.get(f"{BASE}?mine=true&skill=neonatal_resuscitation", headers=headers)
    assert [e["parameter"] for e in response.get_json()["errors"]] == ["skill"]
    response = client.get(f"{BASE}?starts_from=2027-05-01&starts_by=2027-04-01", headers=headers)
    assert [e["parameter"] for e in response.get_json()["errors"]] == ["starts_by"]


def test_no_token_is_refused(client, db):
    response = client.get(BASE)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


# Reading one ----------------------------------------------------------------------------------


def test_one_teaching_opportunity_shows_its_sessions_in_utc(client, make, bearer, partner):
    _, organisation = partner
    first = datetime(_next_year(), 3, 2, 8, 0, tzinfo=UTC)
    teaching = make.opportunity(organisation, kind="teaching", sessions=2, starts_at=first)
    teaching.sessions[0].booked = 5
    make.session.commit()

    response = client.get(f"{BASE}/{teaching.id}", headers=bearer(make.user()))
    assert response.status_code == 200
    body = response.get_json()
    assert body["kind"] == "teaching" and body["host_time_zone"] == "Asia/Dhaka"
    assert body["you_manage"] is False
    assert "join_link" not in body and teaching.join_link not in response.get_data(as_text=True)
    assert [
        (s["number"], s["starts_at"], s["capacity"], s["places_left"]) for s in body["sessions"]
    ] == [
        (1, f"{_next_year()}-03-02T08:00:00+00:00", 20, 15),
        (2, f"{_next_year()}-03-09T08:00:00+00:00", 20, 20),
    ]
    assert body["host_institution"] is None and body["support"] is None


def test_a_draft_is_unknown_outside_its_organisation(client, make, bearer, partner):
    user, organisation = partner
    draft = make.opportunity(organisation, status="draft")
    assert client.get(f"{BASE}/{draft.id}", headers=bearer(make.user())).status_code == 404
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    assert client.get(f"{BASE}/{draft.id}", headers=bearer(outsider)).status_code == 404
    mine = client.get(f"{BASE}/{draft.id}", headers=bearer(user))
    assert mine.status_code == 200 and mine.get_json()["you_manage"] is True
    admin = make.user(roles=["admin"])
    assert client.get(f"{BASE}/{draft.id}", headers=bearer(admin)).status_code == 200
    assert client.get(f"{BASE}/999999", headers=bearer(user)).status_code == 404


# Posting ---------------------------------------------------------------------------------------


def test_posting_a_weekly_tele_teaching_series(client, make, bearer, partner, db):
    user, organisation = partner
    response = client.post(BASE, json=teaching_body(organisation.id), headers=bearer(user))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["status"], body["kind"], body["you_manage"]) == ("draft", "teaching", True)
    assert body["organisation"] == {"id": organisation.id, "name": organisation.name}
    year = _next_year()
    # 14:00 in Dhaka (UTC+6) is 08:00 UTC, a week apart.
    assert [s["starts_at"] for s in body["sessions"]] == [
        f"{year}-03-02T08:00:00+00:00",
        f"{year}-03-09T08:00:00+00:00",
        f"{year}-03-16T08:00:00+00:00",
    ]
    assert {s["places_left"] for s in body["sessions"]} == {20}
    assert (body["starts_on"], body["ends_on"]) == (f"{year}-03-02", f"{year}-03-16")
    assert body["skills"] == [{"code": "neonatal_resuscitation", "min_level": 3}]
    stored = db.session.get(Opportunity, body["id"])
    assert stored.join_link == "https://meet.example.org/neonatal"
    assert stored.created_by_id == user.id


def test_a_session_at_a_time_the_clocks_skip_is_refused(client, make, bearer, partner):
    user, organisation = partner
    march_end = date(_next_year(), 3, 31)
    clocks_change = march_end - timedelta(days=(march_end.weekday() + 1) % 7)  # last Sunday
    body = teaching_body(
        organisation.id,
        host_time_zone="Europe/London",
        starts_on=(clocks_change - timedelta(weeks=2)).isoformat(),
        start_time="01:30",
        recurrence="weekly",
        occurrences=4,
    )
    errors = pointers(client.post(BASE, json=body, headers=bearer(user)))
    assert list(errors) == ["#/start_time"] and "clocks go forward" in errors["#/start_time"]


def test_posting_a_project_and_a_placement(client, make, bearer, partner):
    user, organisation = partner
    headers = bearer(user)
    project = client.post(BASE, json=project_body(organisation.id), headers=headers)
    assert project.status_code == 201, project.get_data(as_text=True)
    assert (project.get_json()["places"], project.get_json()["sessions"]) == (3, [])
    placement = client.post(BASE, json=placement_body(organisation.id), headers=headers)
    assert placement.status_code == 201, placement.get_data(as_text=True)
    shown = placement.get_json()
    assert shown["support"] == {"travel": True, "housing": True, "stipend": False}
    assert shown["duration_months"] == 6 and shown["capacity"] is None


def test_the_form_rules_answer_one_entry_per_field(client, make, bearer, partner):
    user, organisation = partner
    body = teaching_body(
        organisation.id,
        title="",
        country="XX",
        capacity=0,
        join_link="http://insecure.example.org",
        starts_on="2020-01-01",
        occurrences=60,
        skills=[
            {"code": "neonatal_resuscitation", "min_level": 3},
            {"code": "no_such_skill", "min_level": 2},
        ],
        languages=[{"code": "ben", "min_proficiency": 9}],
    )
    errors = pointers(client.post(BASE, json=body, headers=bearer(user)))
    assert errors == {
        "#/title": "Enter a title",
        "#/country": "Select a country from the list",
        "#/capacity": "Capacity must be at least 1 place",
        "#/join_link": "Enter a join link that starts with https://",
        "#/occurrences": "Number of sessions must be between 2 and 52",
        "#/skills/1/code": "Select a skill from the list",
        "#/languages/0/min_proficiency": "Select a minimum level from the list",
    }


def test_missing_and_mistyped_fields_are_named(client, make, bearer, partner):
    user, organisation = partner
    headers = bearer(user)
    errors = pointers(
        client.post(
            BASE, json={"organisation_id": organisation.id, "kind": "project"}, headers=headers
        )
    )
    assert {"#/title", "#/starts_on", "#/ends_on", "#/places", "#/professions"} <= set(errors)
    typed = pointers(
        client.post(
            BASE,
            json=project_body(organisation.id, places="three", surprise=1),
            headers=headers,
        )
    )
    assert set(typed) == {"#/places", "#/surprise"}
    offset = client.post(
        BASE, json=teaching_body(organisation.id, start_time="14:00+06:00"), headers=headers
    )
    assert list(pointers(offset)) == ["#/start_time"]
    past = pointers(
        client.post(
            BASE, json=teaching_body(organisation.id, starts_on="2020-01-01"), headers=headers
        )
    )
    assert past == {"#/starts_on": "The first session must be in the future"}
    many = [{"code": c, "min_level": 2} for c in ("a", "b", "c", "d", "e", "f")]
    assert "#/skills" in pointers(
        client.post(BASE, json=project_body(organisation.id, skills=many), headers=headers)
    )


def test_only_members_of_a_verified_organisation_post(client, make, bearer, partner):
    _, organisation = partner
    staff = make.user()
    response = client.post(BASE, json=project_body(organisation.id), headers=bearer(staff))
    assert response.status_code == 403
    pending_owner = make.user(roles=["partner"])
    pending = make.organisation(owner=pending_owner, verified=False)
    response = client.post(BASE, json=project_body(pending.id), headers=bearer(pending_owner))
    assert response.status_code == 403
    unknown = client.post(BASE, json=project_body(pending.id), headers=bearer(staff))
    assert list(pointers(unknown)) == ["#/organisation_id"]


def test_a_read_only_token_cannot_write(client, make, bearer, partner, db):
    user, organisation = partner
    opportunity = make.opportunity(organisation, status="draft")
    headers = bearer(user, "read")
    assert client.get(f"{BASE}/{opportunity.id}", headers=headers).status_code == 200
    posted = client.post(BASE, json=project_body(organisation.id), headers=headers)
    assert posted.status_code == 403
    publish = client.post(f"{BASE}/{opportunity.id}/publish", headers=headers)
    assert publish.status_code == 403
    assert db.session.scalar(select(Opportunity.status).filter_by(id=opportunity.id)) == "draft"


# Changing ---------------------------------------------------------------------------------------


def test_changing_only_what_is_sent(client, make, bearer, partner, db):
    user, organisation = partner
    opportunity = make.opportunity(organisation, status="draft", title="Before", places=3)
    response = client.patch(
        f"{BASE}/{opportunity.id}", json={"title": "After", "places": 5}, headers=bearer(user)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["title"], body["places"], body["hours_per_month"]) == ("After", 5, 8)
    assert body["professions"] == ["doctor"]


def test_moving_a_series_keeps_the_join_link_and_checks_capacity(client, make, bearer, partner, db):
    user, organisation = partner
    headers = bearer(user)
    created = client.post(BASE, json=teaching_body(organisation.id), headers=headers).get_json()
    response = client.patch(
        f"{BASE}/{created['id']}", json={"start_time": "15:30", "occurrences": 2}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    sessions = response.get_json()["sessions"]
    # 15:30 in Dhaka is 09:30 UTC; the third session, past the shorter series, is cancelled.
    assert [(s["starts_at"][11:16], s["status"]) for s in sessions] == [
        ("09:30", "scheduled"),
        ("09:30", "scheduled"),
        ("08:00", "cancelled"),
    ]
    stored = db.session.get(Opportunity, created["id"])
    assert stored.join_link == "https://meet.example.org/neonatal"

    stored.sessions[0].booked = 4
    db.session.commit()
    errors = pointers(
        client.patch(f"{BASE}/{created['id']}", json={"capacity": 3}, headers=headers)
    )
    assert list(errors) == ["#/capacity"] and "already booked" in errors["#/capacity"]


def test_changing_is_for_the_organisation_and_live_opportunities(client, make, bearer, partner):
    user, organisation = partner
    opportunity = make.opportunity(organisation)
    other = make.user(roles=["partner"])
    make.organisation(owner=other)
    refused = client.patch(
        f"{BASE}/{opportunity.id}", json={"title": "Mine"}, headers=bearer(other)
    )
    assert refused.status_code == 403
    closed = make.opportunity(organisation, status="closed")
    conflict = client.patch(f"{BASE}/{closed.id}", json={"title": "Again"}, headers=bearer(user))
    assert conflict.status_code == 409
    unknown = client.patch(
        f"{BASE}/{opportunity.id}", json={"kind": "placement"}, headers=bearer(user)
    )
    assert list(pointers(unknown)) == ["#/kind"]


# The lifecycle ------------------------------------------------------------------------------------


def test_publish_then_close(client, make, bearer, partner, db):
    user, organisation = partner
    headers = bearer(user)
    draft = make.opportunity(organisation, status="draft")
    published = client.post(f"{BASE}/{draft.id}/publish", headers=headers)
    assert published.status_code == 200
    body = published.get_json()
    assert body["status"] == "open" and body["published_at"].endswith("+00:00")
    again = client.post(f"{BASE}/{draft.id}/publish", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["detail"] == "A open opportunity cannot be published."
    closed = client.post(f"{BASE}/{draft.id}/close", headers=headers)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert client.post(f"{BASE}/{draft.id}/close", headers=headers).status_code == 409
    assert client.post(f"{BASE}/{draft.id}/publish", headers=headers).status_code == 409
    assert db.session.get(Opportunity, draft.id).closed_at is not None


def test_a_series_that_has_started_cannot_be_published(client, make, bearer, partner):
    user, organisation = partner
    past = make.opportunity(
        organisation, kind="teaching", status="draft", starts_at=utcnow() - timedelta(days=1)
    )
    response = client.post(f"{BASE}/{past.id}/publish", headers=bearer(user))
    assert response.status_code == 409 and "already started" in response.get_json()["detail"]


def test_the_lifecycle_is_the_organisations(client, make, bearer, partner):
    _, organisation = partner
    open_one = make.opportunity(organisation)
    draft = make.opportunity(organisation, status="draft")
    other = make.user(roles=["partner"])
    make.organisation(owner=other)
    headers = bearer(other)
    assert client.post(f"{BASE}/{open_one.id}/close", headers=headers).status_code == 403
    assert client.post(f"{BASE}/{draft.id}/publish", headers=headers).status_code == 404


def test_the_api_posts_nth_weekday_series_in_the_organisations_zone(client, make, db, bearer):
    owner = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner)
    organisation.time_zone = "Asia/Dhaka"
    db.session.commit()
    body = {
        "organisation_id": organisation.id,
        "kind": "teaching",
        "title": "Sepsis teaching",
        "description": "Cases.",
        "country": "BD",
        "modality": "remote",
        "professions": ["adult_nurse"],
        "starts_on": "2027-03-09",
        "start_time": "14:00",
        "duration_minutes": 60,
        "capacity": 10,
        "join_link": "https://meet.example.org/sepsis",
        "recurrence": "month_nth",
        "occurrences": 3,
    }
    with time_machine.travel(datetime(2027, 1, 10, 9, 0, tzinfo=UTC), tick=False):
        response = client.post("/api/v1/opportunities", json=body, headers=bearer(owner))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["host_time_zone"] == "Asia/Dhaka" and answer["recurrence"] == "month_nth"
    assert [s["starts_at"] for s in answer["sessions"]] == [
        "2027-03-09T08:00:00+00:00",
        "2027-04-13T08:00:00+00:00",
        "2027-05-11T08:00:00+00:00",
    ]
    body.update(starts_on="2027-03-30")
    with time_machine.travel(datetime(2027, 1, 10, 9, 0, tzinfo=UTC), tick=False):
        refused = client.post("/api/v1/opportunities", json=body, headers=bearer(owner))
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["pointer"] == "#/recurrence"
