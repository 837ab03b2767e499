from tests.api.matrix import Case, everyone

CASES = [
    Case("list_organisations", path=lambda w: "/organisations", expect=everyone(200)),
    Case("list_organisations", path=lambda w: "/organisations?mine=false", expect=everyone(200)),
    Case(
        "get_organisation",
        path=lambda w: f"/organisations/{w.org_x.id}",
        expect=everyone(200),
    ),
    Case(
        "update_organisation",
        path=lambda w: f"/organisations/{w.org_x.id}",
        body=lambda w: {"description": "Teaching hospital"},
        expect=everyone(403, partner_x=200),
    ),
    Case(  # only the owner; it sends the organisation back to verification
        "update_organisation",
        path=lambda w: f"/organisations/{w.org_x.id}",
        body=lambda w: {"kind": "charity"},
        expect=everyone(403, partner_x=200),
    ),
    Case(  # a member who is not an owner (the coordinator) cannot rename their charity
        "update_organisation",
        path=lambda w: f"/organisations/{w.charity.id}",
        body=lambda w: {"name": "Renamed charity"},
        expect=everyone(403),
    ),
    Case(  # its members (the partner owning X) and administrators
        "get_text_budget",
        path=lambda w: f"/organisations/{w.org_x.id}/text-budget",
        expect=everyone(403, partner_x=200, admin=200),
    ),
    Case(  # the coordinator reads their charity's; other organisations' people may not
        "get_text_budget",
        path=lambda w: f"/organisations/{w.charity.id}/text-budget",
        expect=everyone(403, coordinator=200, admin=200),
    ),
    Case(  # only administrators set it, not even the organisation's own owner
        "set_text_budget",
        path=lambda w: f"/organisations/{w.org_x.id}/text-budget",
        body=lambda w: {"segments": 120},
        expect=everyone(403, admin=200),
    ),
    Case(
        "set_text_budget",
        path=lambda w: f"/organisations/{w.charity.id}/text-budget",
        body=lambda w: {},
        expect=everyone(403, admin=200),
    ),
]
