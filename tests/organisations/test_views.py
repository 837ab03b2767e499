import re

from sqlalchemy import select

from diaspora.organisations.access import roles_of
from diaspora.organisations.models import Membership, Organisation
from tests.helpers import error_summary, sign_in, submit

VALID = {
    "name": "Korle Bu Teaching Hospital",
    "kind": "partner_institution",
    "country": "GH",
    "website": "https://korlebu.example",
    "description": "National referral hospital",
}


def test_a_signed_in_person_registers_an_organisation(client, login_as, db, make):
    user = login_as(role=None)
    response = submit(client, "/organisations/new", VALID)
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == VALID["name"]))
    assert organisation.verification == "pending"
    # A member of an organisation sets up a second factor before anything else.
    assert client.get(response.headers["Location"]).location == "/account/two-factor/set-up"
    make.second_factor(user)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for verification" in page
    assert roles_of(db.session, user) == set()  # nothing until an administrator verifies it


def test_bad_organisation_details_re_render_with_errors_and_input_kept(client, login_as, db):
    login_as(role=None)
    data = dict(VALID, name="", website="korlebu dot org", country="")
    response = submit(client, "/organisations/new", data)
    assert response.status_code == 200
    assert error_summary(response) == [
        "Enter the organisation's name",
        "Select the country where the organisation is based",
        "Enter a website address in the correct format, like https://www.example.org",
    ]
    html = response.get_data(as_text=True)
    assert 'value="korlebu dot org"' in html
    assert "National referral hospital" in html
    assert db.session.scalar(select(Organisation)) is None


def test_unverified_organisations_are_hidden_from_non_members(client, make, login_as):
    organisation = make.organisation(owner=make.user(roles=["partner"]), verified=False)
    login_as("partner")
    assert client.get(f"/organisations/{organisation.id}").status_code == 404
    verified = make.organisation(owner=make.user(roles=["partner"]))
    assert client.get(f"/organisations/{verified.id}").status_code == 200


def test_only_owners_edit_or_manage_members(client, make, login_as):
    owner = make.user(roles=["partner"])
    user = login_as("partner")
    organisation = make.organisation(owner=owner, members=(user,))
    for path in ("edit", "members"):
        assert client.get(f"/organisations/{organisation.id}/{path}").status_code == 403
    assert (
        submit(
            client, f"/organisations/{organisation.id}/edit", VALID, page="/organisations/new"
        ).status_code
        == 403
    )
    someone_elses = make.organisation(owner=owner, verified=False)
    assert client.get(f"/organisations/{someone_elses.id}/edit").status_code == 404


def test_an_owner_cannot_act_on_another_organisations_memberships(client, make, login_as, db):
    owner = login_as("partner")
    mine = make.organisation(owner=owner)
    other_member = make.user(roles=["partner"])
    theirs = make.organisation(owner=make.user(roles=["partner"]), members=(other_member,))
    membership = db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == theirs.id, Membership.user_id == other_member.id
        )
    )
    response = submit(
        client,
        f"/organisations/{mine.id}/members/{membership.id}/remove",
        {},
        page=f"/organisations/{mine.id}/members",
    )
    assert response.status_code == 404
    assert db.session.get(Membership, membership.id) is not None


def test_join_request_is_accepted_by_an_owner(client, make, db, smtp):
    owner = make.user(roles=["partner"], email="owner@example.org")
    organisation = make.organisation(owner=owner)
    applicant = make.user(roles=[], email="new@example.org")
    sign_in(client, applicant.email)
    response = submit(client, "/organisations/join", {"organisation": str(organisation.id)})
    assert response.status_code == 302
    assert smtp.delivered(1)[0]["To"] == owner.email

    client.post("/account/sign-out", data={"csrf_token": _token(client)})
    sign_in(client, owner.email)
    page = client.get(f"/organisations/{organisation.id}/members").get_data(as_text=True)
    assert "Asked to join" in page
    membership = db.session.scalar(select(Membership).where(Membership.user_id == applicant.id))
    submit(
        client,
        f"/organisations/{organisation.id}/members/{membership.id}/approve",
        {},
        page=f"/organisations/{organisation.id}/members",
    )
    db.session.refresh(membership)
    assert membership.status == "active"


def test_invitation_is_accepted_only_by_the_invited_address(client, make, db, smtp):
    owner = make.user(roles=["partner"], email="owner@example.org")
    organisation = make.organisation(owner=owner)
    sign_in(client, owner.email)
    submit(client, f"/organisations/{organisation.id}/members", {"email": "Invitee@Example.org"})
    link = smtp.link(smtp.delivered(1)[0])
    path = link.split("localhost", 1)[-1]
    client.post("/account/sign-out", data={"csrf_token": _token(client)})

    stranger = make.user(roles=[])
    sign_in(client, stranger.email)
    assert client.get(path).status_code == 400
    client.post("/account/sign-out", data={"csrf_token": _token(client)})

    invitee = make.user(roles=[], email="invitee@example.org")
    sign_in(client, invitee.email)
    assert client.get(path).status_code == 200
    assert submit(client, path, {}).status_code == 302
    assert roles_of(db.session, invitee) == {"partner"}


def _token(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
