"""The privacy rule on the organisation's side of matching: people a profile's owner did not
let this organisation list are never suggested, counted or invited, whatever is posted."""

import pytest
from sqlalchemy import func, select

from diaspora.matching.invitations import InvitationError, invite
from diaspora.matching.models import Invitation
from tests.helpers import sign_in, submit

HIDDEN = {
    "private": {"visibility": "private"},
    "no consent": {"consent": False},
    "disabled account": {"active": False},
    "coordinators only, seen by a partner": {"visibility": "coordinators"},
}


@pytest.fixture
def partner(make):
    owner = make.user(roles=["partner"])
    return owner, make.organisation(owner=owner, kind="partner_institution")


def _hidden_person(make, case: str):
    fields = dict(HIDDEN[case])
    active = fields.pop("active", True)
    user = make.user(name="Hidden Person", active=active)
    make.profile(user, **fields)
    return user


@pytest.mark.parametrize("case", HIDDEN)
def test_hidden_profiles_are_never_suggested_counted_or_invited(client, make, partner, case, db):
    owner, organisation = partner
    make.profile(make.user(name="Shown Person"))
    hidden = _hidden_person(make, case)
    opportunity = make.opportunity(organisation)
    sign_in(client, owner.email)
    url = f"/opportunities/{opportunity.id}/candidates"

    html = client.get(url).get_data(as_text=True)
    assert "Shown Person" in html
    assert "Hidden Person" not in html
    assert "1 person suggested" in html

    response = submit(client, f"{url}/invite", {"person": hidden.id}, page=url)
    assert response.status_code == 302
    assert "You cannot invite this person." in client.get(url).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0

    with pytest.raises(InvitationError):
        invite(db.session, opportunity, hidden, by=owner)


def test_a_coordinator_sees_profiles_shown_to_coordinators(client, make, db):
    organisation = make.organisation(kind="charity", country="GB")
    coordinator = make.coordinator(organisation)
    person = make.profile(make.user(name="For Coordinators"), visibility="coordinators").user
    opportunity = make.opportunity(organisation)
    sign_in(client, coordinator.email)
    url = f"/opportunities/{opportunity.id}/candidates"
    assert "For Coordinators" in client.get(url).get_data(as_text=True)
    submit(client, f"{url}/invite", {"person": person.id}, page=url)
    assert db.session.scalar(select(Invitation.user_id)) == person.id


def test_an_administrator_who_manages_it_still_never_lists_a_private_profile(make, db):
    admin = make.user(roles=["admin"])
    organisation = make.organisation(owner=admin)
    private = make.profile(visibility="private").user
    opportunity = make.opportunity(organisation)
    with pytest.raises(InvitationError):
        invite(db.session, opportunity, private, by=admin)


def test_the_profile_link_and_no_contact_details(client, make, partner):
    owner, organisation = partner
    profile = make.profile(make.user(name="Linked Person"))
    opportunity = make.opportunity(organisation)
    sign_in(client, owner.email)
    html = client.get(f"/opportunities/{opportunity.id}/candidates").get_data(as_text=True)
    assert "Linked Person" in html
    assert f"/directory/{profile.id}" in html
    assert profile.user.email not in html
