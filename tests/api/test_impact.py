"""The impact API: an organisation's and a cohort's figures as their dashboards count them, for
the organisation's coordinators and administrators; the range checked by the page's own form."""

from dataclasses import asdict

import pytest

from diaspora.impact import services
from diaspora.impact.access import today_of
from tests.fixtures.impact import PERIOD

API = "/api/v1"
RANGE = "?from=2026-01-01&to=2026-06-30"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def _as_served(figures: services.Figures) -> dict:
    """The service's figures in the API's shape, to compare with what the API answers."""
    raw = asdict(figures)
    return {
        **{k: v for k, v in raw.items() if not k.startswith("by_")},
        "safeguards_share": figures.safeguards_share,
        "by_month": [
            {"month": m.isoformat(), "minutes": mins, "learners": n}
            for m, mins, n in raw["by_month"]
        ],
        "by_profession": [
            {"profession": p, "minutes": mins, "people": n} for p, mins, n in raw["by_profession"]
        ],
    }


def test_a_coordinator_gets_the_figures_the_dashboard_shows(get, world, db):
    response = get(world.kemi, f"/impact/organisations/{world.charity.id}{RANGE}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["scope"] == {
        "kind": "organisation",
        "organisation_id": world.charity.id,
        "cohort_id": None,
    }
    assert body["period"] == {"from": "2026-01-01", "to": "2026-06-30", "zone": "Europe/London"}
    # The dashboard's hand-counted cards (tests/impact/test_views.py).
    assert body["approved_minutes"] == 510
    assert body["sessions"] == 1
    assert body["learners"] == 38
    assert body["engagements_completed"] == 2
    assert body["placements_completed"] == 0
    assert body["people_active"] == 3
    assert body["countries_served"] == 2
    assert body["safeguards_minutes"] == 270
    assert body["safeguards_share"] == pytest.approx(270 / 510)
    by_country = {c["country"]: c for c in body["by_country"]}
    assert by_country["NG"] == {
        "country": "NG",
        "on_safeguards_list": True,
        "minutes": 270,
        "learners": 18,
    }
    assert by_country["IN"]["on_safeguards_list"] is False
    scope = services.Scope("organisation", organisation_id=world.charity.id)
    served = _as_served(services.figures(db.session, scope, PERIOD))
    assert {k: body[k] for k in served} == served


def test_a_cohort_has_its_members_figures(get, world, db):
    response = get(world.kemi, f"/impact/cohorts/{world.nurses.id}{RANGE}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["scope"] == {
        "kind": "cohort",
        "organisation_id": world.charity.id,
        "cohort_id": world.nurses.id,
    }
    scope = services.Scope("cohort", organisation_id=world.charity.id, cohort_id=world.nurses.id)
    served = _as_served(services.figures(db.session, scope, PERIOD))
    assert {k: body[k] for k in served} == served
    assert body["approved_minutes"] < 510  # Dave's paramedic hours are the other cohort's


def test_without_a_range_the_last_twelve_months_count(get, world):
    body = get(world.kemi, f"/impact/organisations/{world.charity.id}").get_json()
    period = services.default_period(today_of(world.kemi), "Europe/London")
    assert body["period"] == {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "zone": "Europe/London",
    }


def test_only_the_organisations_coordinators_and_admins_see_it(get, world, make):
    admin = make.user(roles=["admin"])
    for who in (world.kemi, admin):
        assert get(who, f"/impact/organisations/{world.charity.id}").status_code == 200
        assert get(who, f"/impact/cohorts/{world.paramedics.id}").status_code == 200
    outsiders = (world.olu, world.lagos_member, world.alice, make.user(roles=["coordinator"]))
    for who in outsiders:
        _problem(get(who, f"/impact/organisations/{world.charity.id}"), 404)
        _problem(get(who, f"/impact/cohorts/{world.nurses.id}"), 404)
    # A partner hospital is not a coordinating organisation: nobody has its dashboard here.
    _problem(get(admin, f"/impact/organisations/{world.lagos.id}"), 404)
    _problem(get(admin, "/impact/organisations/999999"), 404)
    _problem(get(admin, "/impact/cohorts/999999"), 404)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("from=2026-01-01", {"to": "Enter an end date"}),
        ("to=2026-01-01", {"from": "Enter a start date"}),
        (
            "from=2026-06-30&to=2026-01-01",
            {"to": "End date must be the same as or after the start date"},
        ),
        ("from=1999-12-31&to=2026-01-01", {"from": "Start date must be in or after 2000"}),
        ("from=2001-01-01&to=2026-01-01", {"to": "Choose a range of 10 years or less"}),
        ("from=2026-02-30&to=yesterday", {"from": "Not a valid date.", "to": "Not a valid date."}),
    ],
)
def test_a_bad_range_is_a_422_naming_each_parameter(get, world, query, errors):
    problem = _problem(get(world.kemi, f"/impact/organisations/{world.charity.id}?{query}"), 422)
    assert {e["parameter"]: e["detail"] for e in problem["errors"]} == errors


def test_the_figures_need_a_token(client, world):
    assert client.get(f"{API}/impact/organisations/{world.charity.id}").status_code == 401
