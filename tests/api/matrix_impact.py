from tests.api.matrix import Case, everyone

CASES = [
    Case(
        "get_organisation_impact",
        path=lambda w: f"/impact/organisations/{w.charity.id}",
        expect=everyone(404, coordinator=200, admin=200),
    ),
    Case(
        "get_organisation_impact",
        path=lambda w: f"/impact/organisations/{w.charity.id}?from=2026-01-01&to=2026-12-31",
        expect=everyone(404, coordinator=200, admin=200),
    ),
    # A partner hospital coordinates nobody: it has no impact dashboard, even for its owner.
    Case(
        "get_organisation_impact",
        path=lambda w: f"/impact/organisations/{w.org_x.id}",
        expect=everyone(404),
    ),
    Case(
        "get_cohort_impact",
        path=lambda w: f"/impact/cohorts/{w.cohort.id}",
        expect=everyone(404, coordinator=200, admin=200),
    ),
]
