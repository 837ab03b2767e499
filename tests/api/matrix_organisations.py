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
]
