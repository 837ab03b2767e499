"""An organisation's time zone: asked when it is registered, changed by its owners only, shown
on its page (tests/api/test_organisations.py: in the API)."""

import pytest
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.organisations import services
from diaspora.organisations.models import Organisation
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.widgets import TIME_ZONE_PROBLEM
from tests.auth.test_form_errors import shown_value
from tests.helpers import error_summary, submit

VALID = {
    "name": "Korle Bu Teaching Hospital",
    "kind": "partner_institution",
    "country": "GH",
    "time_zone": "Africa/Accra",
}


def _organisation(db, name: str) -> Organisation:
    db.session.expire_all()
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_registering_an_organisation_asks_its_zone(client, login_as, db):
    login_as(role=None)
    page = client.get("/organisations/new").get_data(as_text=True)
    assert shown_value(page, "time_zone") == DEFAULT_TIME_ZONE
    assert "data-browser-time-zone" not in page
    assert submit(client, "/organisations/new", VALID).status_code == 302
    assert _organisation(db, VALID["name"]).time_zone == "Africa/Accra"


def test_a_made_up_zone_is_refused_and_the_rest_kept(client, login_as, db):
    login_as(role=None)
    response = submit(client, "/organisations/new", dict(VALID, time_zone="Africa/Wakanda"))
    assert error_summary(response) == [TIME_ZONE_PROBLEM]
    assert shown_value(response.get_data(as_text=True), "country") == "GH"
    assert _organisation(db, VALID["name"]) is None


def test_owners_change_the_zone_and_its_page_shows_it(client, make, login_as, db):
    owner = login_as("partner")
    organisation = make.organisation(owner=owner, name="Dhaka Clinic")
    path = f"/organisations/{organisation.id}/edit"
    assert shown_value(client.get(path).get_data(as_text=True), "time_zone") == DEFAULT_TIME_ZONE
    data = {"name": "Dhaka Clinic", "kind": "partner_institution", "country": "BD"}
    response = submit(client, path, dict(data, time_zone="Asia/Dhaka"))
    assert response.status_code == 302
    assert _organisation(db, "Dhaka Clinic").time_zone == "Asia/Dhaka"
    assert _organisation(db, "Dhaka Clinic").is_verified  # the zone is no reason to check again
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.updated")
    ).one()
    assert event.details["after"] == {"time_zone": "Asia/Dhaka"}
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "Dhaka, Bangladesh" in page


def test_members_who_are_not_owners_cannot_change_it(client, make, login_as, db):
    owner = make.user(roles=["partner"])
    member = login_as("partner")
    organisation = make.organisation(owner=owner, members=(member,), name="Lagos Clinic")
    data = {"name": "Lagos Clinic", "kind": "partner_institution", "country": "NG"}
    response = submit(
        client,
        f"/organisations/{organisation.id}/edit",
        dict(data, time_zone="Africa/Lagos"),
        page="/organisations/new",
    )
    assert response.status_code == 403
    assert _organisation(db, "Lagos Clinic").time_zone == DEFAULT_TIME_ZONE


def test_the_services_refuse_a_zone_that_is_not_one(db, make):
    owner = make.user(roles=["partner"])
    with pytest.raises(services.OrganisationError, match="time zone"):
        services.create_organisation(
            db.session, owner, name="X", kind="charity", country="GB", time_zone="Nowhere"
        )
    organisation = make.organisation(owner=owner)
    with pytest.raises(services.OrganisationError, match="time zone"):
        services.update_organisation(db.session, organisation, owner, time_zone="GMT+25")
    assert organisation.time_zone == DEFAULT_TIME_ZONE
