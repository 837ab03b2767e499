"""The matches API: an organisation's suggested candidates for its open opportunity, only those
the privacy rules let it list and only what it may see of them; a staff member's
recommendations with the page's filters."""

import pytest

from diaspora.matching import invitations, services

API = "/api/v1"


@pytest.fixture
def partner(make):
    return make.user(roles=["partner"], name="Pat Partner")


@pytest.fixture
def hospital(make, partner):
    return make.organisation(owner=partner, name="Sylhet Hospital")


@pytest.fixture
def project(make, hospital):
    return make.opportunity(hospital, title="Neonatal resuscitation project")


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def _person(make, name: str, **profile):
    return make.profile(
        make.user(name=name, email=f"{name.split()[0].lower()}@nhs.example"), **profile
    ).user


# Candidates ----------------------------------------------------------------------------------


def test_the_organisation_sees_who_it_may_list_best_first(get, make, partner, project):
    amina = _person(make, "Amina Rahman")
    weaker = _person(make, "Bilal Khan", skills=(), languages=())
    hidden = _person(make, "Private Person", visibility="private")
    no_consent = _person(make, "Quiet Person", consent=False)
    coordinators_only = _person(make, "Coordinated Person", visibility="coordinators")

    response = get(partner, f"/opportunities/{project.id}/candidates")
    assert response.status_code == 200
    page = response.get_json()
    ids = [item["user_id"] for item in page["items"]]
    assert ids[:2] == [amina.id, weaker.id] and page["total"] == 2
    for person in (hidden, no_consent, coordinators_only):
        assert person.id not in ids
    first = page["items"][0]
    assert first["name"] == "Amina Rahman" and first["work"].startswith("Doctor")
    assert first["profile_id"] == amina.profile.id and first["can_open"] is True
    assert first["invitation"] is None
    assert 0 <= first["score"] <= 100 and first["strength"].endswith("match")
    assert first["priority"] is True and first["reasons"]  # Bangladesh: on the WHO list
    assert "amina@nhs.example" not in response.get_data(as_text=True)  # never an address
    # The same people, in the same order, as the candidates page's service gives them.
    assert ids == [s.user_id for s in services.suggested(make.session, project, partner)]


def test_candidates_filter_by_score_and_invitation(get, make, partner, project, db):
    amina = _person(make, "Amina Rahman")
    bilal = _person(make, "Bilal Khan", skills=(), languages=())
    invitations.invite(db.session, project, bilal, by=partner)
    db.session.commit()

    items = get(partner, f"/opportunities/{project.id}/candidates").get_json()["items"]
    scores = {item["user_id"]: item["score"] for item in items}
    assert {item["user_id"]: item["invitation"] for item in items} == {
        amina.id: None,
        bilal.id: "pending",
    }
    strong = get(partner, f"/opportunities/{project.id}/candidates?min_score={scores[amina.id]}")
    assert [i["user_id"] for i in strong.get_json()["items"]] == [amina.id]
    invited = get(partner, f"/opportunities/{project.id}/candidates?invited=true").get_json()
    assert [i["user_id"] for i in invited["items"]] == [bilal.id]
    fresh = get(partner, f"/opportunities/{project.id}/candidates?invited=false").get_json()
    assert [i["user_id"] for i in fresh["items"]] == [amina.id]
    problem = _problem(get(partner, f"/opportunities/{project.id}/candidates?min_score=101"), 422)
    assert [e["parameter"] for e in problem["errors"]] == ["min_score"]


def test_an_opportunity_not_open_has_no_candidates(get, make, partner, hospital):
    _person(make, "Amina Rahman")
    for status in ("draft", "closed"):
        opportunity = make.opportunity(hospital, status=status)
        response = get(partner, f"/opportunities/{opportunity.id}/candidates")
        assert response.status_code == 200 and response.get_json()["total"] == 0


def test_candidates_are_the_organisations_alone(get, make, project, hospital):
    _person(make, "Amina Rahman")
    other_partner = make.user(roles=["partner"])
    make.organisation(owner=other_partner)
    staff = _person(make, "Sam Staff")
    for who in (other_partner, staff, make.user(roles=["admin"])):
        _problem(get(who, f"/opportunities/{project.id}/candidates"), 403)
    draft = make.opportunity(hospital, status="draft")
    for who in (other_partner, staff):
        _problem(get(who, f"/opportunities/{draft.id}/candidates"), 404)
    _problem(get(staff, "/opportunities/999999/candidates"), 404)


# Recommendations -----------------------------------------------------------------------------


def test_staff_get_their_recommendations(get, make, project, hospital, db):
    teaching = make.opportunity(hospital, kind="teaching", title="Teaching")
    elsewhere = make.opportunity(hospital, country="NG", title="Lagos project")
    hidden = make.opportunity(hospital, title="Hidden project")
    applied = make.opportunity(hospital, title="Applied project")
    make.opportunity(hospital, status="draft", title="Draft")
    me = _person(make, "Amina Rahman")
    services.dismiss(db.session, me, hidden)
    make.engagement(applied, me)
    db.session.commit()

    response = get(me, "/recommendations")
    assert response.status_code == 200
    items = response.get_json()["items"]
    ids = [item["opportunity_id"] for item in items]
    assert ids == [r.opportunity.id for r in services.recommended(db.session, me)]
    assert project.id in ids and teaching.id in ids
    assert hidden.id not in ids and applied.id not in ids
    first = next(item for item in items if item["opportunity_id"] == project.id)
    assert first["title"] == "Neonatal resuscitation project"
    assert first["organisation"] == {"id": hospital.id, "name": "Sylhet Hospital"}
    assert (first["kind"], first["country"], first["modality"]) == ("project", "BD", "remote")
    assert first["starts_on"] == project.starts_on.isoformat() and first["reasons"]

    kinds = get(me, "/recommendations?kind=teaching").get_json()["items"]
    assert [i["opportunity_id"] for i in kinds] == [teaching.id]
    nigeria = get(me, "/recommendations?country=NG").get_json()["items"]
    assert [i["opportunity_id"] for i in nigeria] == [elsewhere.id]


def test_bad_filters_are_a_422_per_parameter(get, make):
    me = _person(make, "Amina Rahman")
    problem = _problem(get(me, "/recommendations?kind=party&country=XX&modality=teleport"), 422)
    assert {e["parameter"]: e["detail"] for e in problem["errors"]} == {
        "kind": "Select a kind from the list",
        "country": "Select a country from the list",
        "modality": "Select how people take part from the list",
    }


def test_an_incomplete_profile_gets_none_yet(get, make, project):
    me = make.user(roles=["staff"])
    response = get(me, "/recommendations")
    assert response.status_code == 200 and response.get_json()["items"] == []


def test_recommendations_are_for_staff(get, make, partner):
    for who in (partner, make.user(roles=["admin"]), make.user(roles=["coordinator"])):
        _problem(get(who, "/recommendations"), 403)
