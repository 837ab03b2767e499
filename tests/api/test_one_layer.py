"""One validation layer: what the API is sent is judged by the pages' own forms, so a value
gets the same answer through the API as typed on the page, and the OpenAPI document describes
what those forms take."""

import pytest
from sqlalchemy import func, select

from diaspora.engagements.models import Engagement
from diaspora.opportunities.models import Opportunity
from tests.helpers import error_summary, sign_in, submit


@pytest.fixture
def partner(make):
    return make.user(roles=["partner"], name="Pat Partner")


@pytest.fixture
def project(make, partner):
    organisation = make.organisation(owner=partner, name="Sylhet Hospital")
    return make.opportunity(organisation, title="Neonatal resuscitation project")


@pytest.fixture
def staff(make):
    return make.profile(make.user(name="Sam Staff", email="sam@nhs.example")).user


def _errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return {
        error.get("pointer") or error["parameter"]: error["detail"]
        for error in response.get_json()["errors"]
    }


@pytest.mark.parametrize(
    "message",
    ["Hello\x00there", "Hello\x1b[31mthere", "x" * 1001],
    ids=["nul", "escape", "too-long"],
)
def test_a_value_gets_the_pages_answer_through_the_api(client, call, db, staff, project, message):
    sign_in(client, staff.email)
    page = submit(client, f"/opportunities/{project.id}/apply", {"message": message})
    assert page.status_code == 200
    [typed] = error_summary(page)
    api = call(staff, "POST", f"/opportunities/{project.id}/applications", {"message": message})
    assert _errors(api) == {"#/message": typed}
    assert db.session.scalar(select(func.count(Engagement.id))) == 0


def test_a_value_of_the_wrong_json_type_is_refused_before_the_form(call, db, staff, project):
    response = call(staff, "POST", f"/opportunities/{project.id}/applications", {"message": 5})
    assert _errors(response) == {"#/message": "Must be text."}
    assert db.session.scalar(select(func.count(Engagement.id))) == 0


def test_an_unknown_kind_or_country_is_a_422_naming_the_field(call, db, partner, project):
    organisation_id = project.organisation_id
    response = call(partner, "POST", "/opportunities", {"kind": "circus"})
    assert _errors(response) == {"#/kind": "Select the kind of opportunity"}
    body = {"organisation_id": organisation_id, "kind": "project", "country": "XX"}
    errors = _errors(call(partner, "POST", "/opportunities", body))
    assert errors["#/country"] == "Select a country from the list"
    skills = {"kind": "project", "skills": [{"code": "not-a-skill", "min_level": 2}]}
    errors = _errors(call(partner, "POST", "/opportunities", skills))
    assert errors["#/skills/0/code"] == "Select a skill from the list"
    assert db.session.scalar(select(func.count(Opportunity.id))) == 1  # the fixture's own
    for query in ("country=XX", "kind=circus"):
        name = query.partition("=")[0]
        errors = _errors(call(partner, "GET", f"/opportunities?{query}"))
        assert list(errors) == [name]


def test_the_document_describes_what_the_forms_take(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    apply = spec["paths"]["/opportunities/{opportunity_id}/applications"]["post"]
    body = apply["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False
    assert body["properties"] == {
        "message": {"description": "Your message to the organisation", "type": "string"}
    }
    listing = {p["name"]: p["schema"] for p in spec["paths"]["/opportunities"]["get"]["parameters"]}
    assert "GB" in listing["country"]["enum"] and listing["mine"]["type"] == "boolean"
    assert listing["starts_from"] == {
        "description": "Starts on or after",
        "type": "string",
        "format": "date",
    }
