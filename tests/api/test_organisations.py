"""Organisations through the API: your own, verified ones to read, owners change details."""

from diaspora.audit.models import AuditEvent
from diaspora.core.time import utcnow
from diaspora.notifications import budgets
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.widgets import TIME_ZONE_PROBLEM


def test_lists_your_own_or_every_verified_one(bearer, client, make, db):
    owner = make.user(roles=["partner"])
    mine = make.organisation(owner=owner, name="Alpha Hospital")
    pending = make.organisation(owner=owner, name="Beta Clinic", verified=False)
    other = make.organisation(name="Gamma University")
    hidden = make.organisation(name="Delta Pending", verified=False)
    headers = bearer(owner)

    listed = client.get("/api/v1/organisations", headers=headers).get_json()
    assert [o["id"] for o in listed["items"]] == [mine.id, pending.id]
    assert listed["total"] == 2 and listed["items"][0]["your_role"] == "owner"

    everyone = client.get("/api/v1/organisations?mine=false&per_page=2", headers=headers)
    body = everyone.get_json()
    assert body["total"] == 3 and body["per_page"] == 2
    second = client.get("/api/v1/organisations?mine=false&per_page=2&page=2", headers=headers)
    ids = [o["id"] for o in body["items"] + second.get_json()["items"]]
    assert set(ids) == {mine.id, pending.id, other.id} and hidden.id not in ids
    assert client.get(f"/api/v1/organisations/{hidden.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/organisations/{other.id}", headers=headers).status_code == 200


def test_owners_change_details_with_the_edit_pages_rules(bearer, client, make, db):
    owner = make.user(roles=["partner"])
    member = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner, members=(member,), name="Alpha Hospital")
    path = f"/api/v1/organisations/{organisation.id}"

    response = client.patch(path, json={"website": "not a site"}, headers=bearer(owner))
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "pointer": "#/website",
            "detail": "Enter a website address in the correct format, like https://www.example.org",
        }
    ]
    assert organisation.website is None

    response = client.patch(
        path, json={"website": "https://alpha.example.org"}, headers=bearer(owner)
    )
    assert response.status_code == 200
    assert response.get_json()["website"] == "https://alpha.example.org"
    assert response.get_json()["name"] == "Alpha Hospital"
    assert db.session.query(AuditEvent).filter_by(action="organisation.updated").count() == 1

    response = client.patch(path, json={"name": "Taken over"}, headers=bearer(member))
    assert response.status_code == 403
    assert response.get_json()["detail"] == "Only the organisation's owners can change its details."
    read_only = bearer(owner, scope="read")
    assert client.patch(path, json={"name": "x"}, headers=read_only).status_code == 403
    assert organisation.name == "Alpha Hospital"


def test_the_api_shows_the_zone_and_owners_change_it(bearer, client, make, db):
    owner = make.user(roles=["partner"])
    member = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner, members=(member,), name="Alpha Hospital")
    path = f"/api/v1/organisations/{organisation.id}"
    assert client.get(path, headers=bearer(member)).get_json()["time_zone"] == DEFAULT_TIME_ZONE

    response = client.patch(path, json={"time_zone": "Asia/Atlantis"}, headers=bearer(owner))
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"pointer": "#/time_zone", "detail": TIME_ZONE_PROBLEM}
    ]

    response = client.patch(path, json={"time_zone": "Asia/Dhaka"}, headers=bearer(member))
    assert response.status_code == 403

    response = client.patch(path, json={"time_zone": "Asia/Dhaka"}, headers=bearer(owner))
    assert response.status_code == 200
    assert response.get_json()["time_zone"] == "Asia/Dhaka"
    listed = client.get("/api/v1/organisations", headers=bearer(owner)).get_json()
    assert listed["items"][0]["time_zone"] == "Asia/Dhaka"


# Text budgets -------------------------------------------------------------------------------


def test_a_coordinator_reads_their_organisation_text_budget(call, make, db):
    charity = make.organisation(kind="charity", country="GB")
    coordinator = make.coordinator(charity)
    admin = make.user(roles=["admin"])
    path = f"/organisations/{charity.id}/text-budget"
    budget = call(coordinator, "GET", path, scope="read").get_json()
    assert budget == {
        "month": budgets.month_of(utcnow()),
        "segments": 500,
        "is_default": True,
        "used": 0,
        "left": 500,
        "percent": 0,
        "warned": False,
    }
    budgets.set_budget(db.session, admin, charity, 10)
    assert budgets.charge(db.session, charity.id, 8, utcnow())
    assert budgets.claim_warning(db.session, charity.id, utcnow())
    db.session.commit()
    budget = call(coordinator, "GET", path, scope="read").get_json()
    assert (budget["segments"], budget["is_default"]) == (10, False)
    assert (budget["used"], budget["left"], budget["percent"], budget["warned"]) == (8, 2, 80, True)


def test_others_may_not_read_an_organisation_text_budget(call, make):
    charity = make.organisation(kind="charity", country="GB")
    other_coordinator = make.coordinator()
    staff = make.user()
    for person in (other_coordinator, staff):
        response = call(person, "GET", f"/organisations/{charity.id}/text-budget")
        assert response.status_code == 403
        assert response.get_json()["detail"] == (
            "Only the organisation's members see its text budget."
        )
    pending = make.organisation(verified=False)
    assert call(staff, "GET", f"/organisations/{pending.id}/text-budget").status_code == 404


def test_an_administrator_sets_the_budget_with_the_page_rules(call, make, db):
    owner = make.user(roles=[])
    organisation = make.organisation(owner=owner)
    admin = make.user(roles=["admin"])
    path = f"/organisations/{organisation.id}/text-budget"

    for sent, detail in [
        ("twelve", "Must be a whole number."),
        (-5, "Enter the budget as a whole number of segments, like 500"),
        (1_000_001, "The budget must be 1,000,000 segments or fewer"),
    ]:
        response = call(admin, "PUT", path, json={"segments": sent})
        assert response.status_code == 422
        assert response.get_json()["errors"] == [{"pointer": "#/segments", "detail": detail}]
    assert budgets.usage(db.session, organisation.id).is_default

    response = call(admin, "PUT", path, json={"segments": 120})
    assert response.status_code == 200
    assert response.get_json()["segments"] == 120 and not response.get_json()["is_default"]
    assert budgets.usage(db.session, organisation.id).budget == 120
    [event] = db.session.scalars(
        db.select(AuditEvent).filter_by(action="organisation.text_budget_set")
    ).all()
    assert event.actor_id == admin.id

    response = call(admin, "PUT", path, json={})  # left out: back to the default
    assert response.get_json()["is_default"] is True
    assert budgets.usage(db.session, organisation.id).is_default

    read_only = call(admin, "PUT", path, json={"segments": 0}, scope="read")
    assert read_only.status_code == 403
    refused = call(owner, "PUT", path, json={"segments": 9999})
    assert refused.get_json()["detail"] == "Only administrators set text budgets."
    assert budgets.usage(db.session, organisation.id).is_default
