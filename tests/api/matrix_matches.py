from tests.api.matrix import Case, everyone

CASES = [
    # Members of the organisation that posted it; others who may see it: 403.
    Case(
        "list_candidates",
        path=lambda w: f"/opportunities/{w.opp_x.id}/candidates",
        expect=everyone(403, partner_x=200),
    ),
    # A draft: only its organisation and administrators know of it.
    Case(
        "list_candidates",
        path=lambda w: f"/opportunities/{w.draft_x.id}/candidates",
        expect=everyone(404, partner_x=200, admin=403),
    ),
    Case(
        "list_recommendations",
        path=lambda w: "/recommendations",
        expect=everyone(403, staff_a=200, staff_b=200),
    ),
]
