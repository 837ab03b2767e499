"""The OpenAPI document, the reference page made from it, and the API's shared behaviour."""

import re

import pytest

from diaspora.api.resources import OPERATIONS


def test_the_document_is_openapi_3_1_and_public(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    described = {
        op["operationId"] for operations in spec["paths"].values() for op in operations.values()
    }
    assert described == {op.id for op in OPERATIONS}
    for operations in spec["paths"].values():
        for op in operations.values():
            assert op["summary"] and op["tags"]
            assert "401" in op["responses"] and "429" in op["responses"]


def test_every_operation_needs_a_token(client, db):
    for op in OPERATIONS:
        path = "/api/v1" + re.sub(r"<[^>]+>", "1", op.rule)
        response = client.open(path, method=op.method, json={})
        assert response.status_code == 401, (op.id, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_reference_page_lists_every_operation(client, db):
    html = client.get("/developers/api").get_data(as_text=True)
    assert "API reference" in html
    for op in OPERATIONS:
        assert f"{op.method} /api/v1{op.path}" in html


def test_unknown_query_names_and_bad_bodies_are_refused_with_reasons(bearer, client, make, db):
    owner = make.user(roles=["partner"])
    organisation = make.organisation(owner=owner)
    headers = bearer(owner)
    response = client.get("/api/v1/organisations?pge=2", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"parameter": "pge", "detail": "Unknown field."}]
    path = f"/api/v1/organisations/{organisation.id}"
    response = client.patch(path, data="name=x", headers=headers)
    assert response.status_code == 415
    response = client.patch(path, data="[1]", content_type="application/json", headers=headers)
    assert response.status_code == 400
    response = client.patch(path, json={"name": "", "colour": "red"}, headers=headers)
    assert response.status_code == 422
    assert sorted(e["pointer"] for e in response.get_json()["errors"]) == ["#/colour", "#/name"]


def test_an_id_too_large_for_the_database_names_nothing(bearer, client, make, db):
    headers = bearer(make.user(roles=["partner"]))
    assert client.get(f"/api/v1/organisations/{2**40}", headers=headers).status_code == 404


@pytest.mark.app_config(API_RATE_LIMIT="3 per minute")
def test_each_token_has_its_own_rate_limit(bearer, client, make, db):
    first = bearer(make.user())
    second = bearer(make.user())
    for _ in range(3):
        assert client.get("/api/v1/me", headers=first).status_code == 200
    response = client.get("/api/v1/me", headers=first)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/me", headers=second).status_code == 200
