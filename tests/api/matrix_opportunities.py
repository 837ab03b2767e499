from tests.api.matrix import Case, everyone


def _project(w) -> dict:
    return {
        "organisation_id": w.org_x.id,
        "kind": "project",
        "title": "Train the trainers",
        "description": "Help run a course.",
        "country": "BD",
        "modality": "remote",
        "professions": ["doctor"],
        "starts_on": "2030-01-01",
        "ends_on": "2030-06-30",
        "hours_per_month": 8,
        "places": 2,
    }


CASES = [
    Case("list_opportunities", path=lambda w: "/opportunities", expect=everyone(200)),
    Case("list_opportunities", path=lambda w: "/opportunities?mine=true", expect=everyone(200)),
    Case(
        "get_opportunity",
        path=lambda w: f"/opportunities/{w.teaching_x.id}",
        expect=everyone(200),
    ),
    Case(
        "get_opportunity",
        path=lambda w: f"/opportunities/{w.draft_x.id}",
        expect=everyone(404, partner_x=200, admin=200),
    ),
    Case(
        "create_opportunity",
        path=lambda w: "/opportunities",
        body=_project,
        expect=everyone(403, partner_x=201),
    ),
    Case(
        "update_opportunity",
        path=lambda w: f"/opportunities/{w.opp_x.id}",
        body=lambda w: {"title": "Renamed"},
        expect=everyone(403, partner_x=200),
    ),
    Case(
        "update_opportunity",
        path=lambda w: f"/opportunities/{w.draft_x.id}",
        body=lambda w: {"title": "Renamed"},
        expect=everyone(404, partner_x=200, admin=403),
    ),
    Case(
        "publish_opportunity",
        path=lambda w: f"/opportunities/{w.draft_x.id}/publish",
        expect=everyone(404, partner_x=200, admin=403),
    ),
    Case(
        "publish_opportunity",
        path=lambda w: f"/opportunities/{w.opp_x.id}/publish",
        expect=everyone(403, partner_x=409),
    ),
    Case(
        "close_opportunity",
        path=lambda w: f"/opportunities/{w.opp_x.id}/close",
        expect=everyone(403, partner_x=200),
    ),
    Case(
        "close_opportunity",
        path=lambda w: f"/opportunities/{w.draft_x.id}/close",
        expect=everyone(404, partner_x=409, admin=403),
    ),
]
