"""Regression tests for privilege from memberships, organisation changes, the audit log and
single-use invitations (findings 1 to 3 of the outside security test)."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from diaspora.api import tokens
from diaspora.audit.models import AuditEvent
from diaspora.audit.services import record
from diaspora.auth.models import UserRole
from diaspora.auth.services import fingerprint, make_token
from diaspora.cohorts import services as cohorts
from diaspora.milestones.services import coordinator_choices
from diaspora.organisations import services
from diaspora.organisations.access import roles_of
from diaspora.organisations.models import (
    Membership,
    OrganisationInvitation,
    Verification,
)
from diaspora.registry.privacy import access_of
from tests.helpers import csrf_token, sign_in, submit

API = "/api/v1"
FIELDS = {"name": "Hospital X", "kind": "partner_institution", "country": "BD", "website": ""}


def _events(db, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).filter_by(action=action)))


def _sign_out(client) -> None:
    # From a page open to everyone signed in, a new member on their way to set up a second
    # factor included.
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/account/signed-out")})


@pytest.fixture
def partner(make):
    """The owner of a verified partner hospital: a partner, not a coordinator."""
    user = make.user(roles=[])
    organisation = make.organisation(owner=user, name="Hospital X", kind="partner_institution")
    return user, organisation


# Finding 1: a partner can make themselves a coordinator -----------------------------------


def test_finding_1_pending_organisation_grants_nothing(client, db, partner):
    user, _ = partner
    sign_in(client, user.email)
    response = submit(
        client, "/organisations/new", FIELDS | {"name": "Helping Hands", "kind": "charity"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert roles_of(db.session, user) == {"partner"}
    assert not access_of(db.session, user).coordinator
    assert client.get("/credentials/queue").status_code == 403
    assert db.session.scalars(select(UserRole).filter_by(user_id=user.id)).all() == []


def test_finding_1_changing_kind_on_the_page_sends_the_organisation_back_to_verification(
    client, db, partner
):
    user, organisation = partner
    sign_in(client, user.email)
    response = submit(
        client,
        f"/organisations/{organisation.id}/edit",
        FIELDS | {"kind": "charity"},
        follow_redirects=True,
    )
    assert "an administrator will verify it again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert organisation.verification == Verification.PENDING
    assert roles_of(db.session, user) == set()
    assert client.get("/credentials/queue").status_code == 403
    (event,) = _events(db, "organisation.updated")
    assert event.details["before"] == {"kind": "partner_institution"}
    assert event.details["after"] == {"kind": "charity"}
    assert event.details["sent_back_to_verification"] is True


def test_finding_1_changing_kind_through_the_api_sends_the_organisation_back_to_verification(
    client, db, partner
):
    user, organisation = partner
    _, secret = tokens.create(db.session, user, "integration", "read-write")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.patch(
        f"{API}/organisations/{organisation.id}", json={"kind": "charity"}, headers=headers
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["verification"], body["sent_back_to_verification"]) == ("pending", True)
    assert client.get(f"{API}/me", headers=headers).get_json()["roles"] == []
    db.session.expire_all()
    assert not access_of(db.session, user).coordinator


def test_finding_1_renaming_sends_back_but_other_details_do_not(app, db, partner):
    user, organisation = partner
    with app.test_request_context():
        assert not services.update_organisation(db.session, organisation, user, description="x")
        assert organisation.verification == Verification.VERIFIED
        assert services.update_organisation(db.session, organisation, user, name="Hospital Y")
    assert organisation.verification == Verification.PENDING


def test_finding_1_verifying_grants_and_removing_the_member_takes_away(app, db, make):
    owner = make.user(roles=[])
    member = make.user(roles=[])
    charity = make.organisation(owner=owner, kind="charity", verified=False, members=(member,))
    assert roles_of(db.session, member) == set()
    admin = make.user(roles=["admin"])
    with app.test_request_context():
        services.decide_verification(db.session, charity, admin, verified=True)
    assert roles_of(db.session, member) == {"coordinator"}
    assert member.id in dict(coordinator_choices(db.session))
    membership = services.membership_of(db.session, member, charity.id)
    with app.test_request_context():
        services.remove_member(db.session, membership, owner)
    db.session.flush()
    assert roles_of(db.session, member) == set()
    assert not access_of(db.session, member).coordinator
    assert member.id not in dict(coordinator_choices(db.session))
    (event,) = _events(db, "membership.removed")
    assert event.details["member_id"] == member.id
    assert event.details["membership_role"] == "member"


def test_finding_1_an_administrator_cannot_store_partner_or_coordinator(client, db, login_as, make):
    login_as("admin")
    person = make.user(roles=["staff"])
    response = submit(client, f"/admin/users/{person.id}", {"roles": ["staff", "coordinator"]})
    assert response.status_code == 200  # the form refuses the choice
    db.session.expire_all()
    assert person.role_names == {"staff"}
    assert 'value="coordinator"' not in response.get_data(as_text=True)


def test_finding_1_the_database_refuses_a_stored_coordinator_row(db, make):
    person = make.user(roles=[])
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(UserRole(user_id=person.id, role="coordinator"))
        db.session.flush()


def test_finding_1_asking_an_account_for_a_derived_role_is_an_error(make):
    with pytest.raises(ValueError):
        make.user().has_role("coordinator")


def test_finding_1_role_changes_by_an_administrator_are_audited_before_and_after(
    client, db, login_as, make
):
    admin = login_as("admin")
    person = make.user(roles=["staff"])
    submit(client, f"/admin/users/{person.id}", {"roles": ["admin"]})
    (granted,) = _events(db, "role.granted")
    (revoked,) = _events(db, "role.revoked")
    assert granted.actor_id == revoked.actor_id == admin.id
    assert granted.details == {"role": "admin", "before": ["staff"], "after": ["admin", "staff"]}
    assert revoked.details == {"role": "staff", "before": ["admin", "staff"], "after": ["admin"]}


def test_finding_1_organisation_creation_and_verification_are_audited(app, db, make):
    owner, admin = make.user(roles=[]), make.user(roles=["admin"])
    with app.test_request_context():
        organisation = services.create_organisation(
            db.session, owner, name="Helping Hands", kind="charity", country="GB"
        )
        services.decide_verification(db.session, organisation, admin, verified=False, reason="?")
    (created,) = _events(db, "organisation.created")
    assert created.details["after"]["name"] == "Helping Hands"
    assert created.details["after"]["kind"] == "charity"
    (rejected,) = _events(db, "organisation.rejected")
    assert rejected.details["before"] == {"verification": "pending"}
    assert rejected.details["after"] == {"verification": "rejected"}


def test_finding_1_the_header_follows_memberships(client, make):
    coordinator = make.coordinator()
    sign_in(client, coordinator.email)
    assert "Verify registrations" in client.get("/").get_data(as_text=True)


# Finding 2: the audit table can be updated or deleted -------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET action = 'nothing.to.see'", "DELETE FROM audit_events"],
)
def test_finding_2_the_database_refuses_to_change_audit_rows(app, db, make, statement):
    make.user()
    with app.test_request_context():
        record(db.session, "test.event")
    db.session.commit()
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text(statement))
    assert _events(db, "test.event") != []


# Finding 3: reusable organisation invitations ---------------------------------------------


def _invite(client, owner, organisation, smtp, email: str) -> str:
    sign_in(client, owner.email)
    count = len(smtp.messages)
    submit(client, f"/organisations/{organisation.id}/members", {"email": email})
    _sign_out(client)
    return smtp.link(smtp.delivered(count + 1)[count]).split("localhost", 1)[-1]


def _accept(client, person, path: str) -> int:
    sign_in(client, person.email)
    status = client.get(path).status_code
    if status == 200:
        status = submit(client, path, {}).status_code
    _sign_out(client)
    return status


def test_finding_3_an_invitation_link_works_once(client, db, make, smtp, partner):
    owner, organisation = partner
    invitee = make.user(roles=[], email="invitee@example.org")
    path = _invite(client, owner, organisation, smtp, "invitee@example.org")
    assert _accept(client, invitee, path) == 302
    assert roles_of(db.session, invitee) == {"partner"}
    (event,) = _events(db, "membership.invitation_accepted")
    assert event.details["before"] == {"membership_status": None}

    membership = services.membership_of(db.session, invitee, organisation.id)
    sign_in(client, owner.email)
    submit(
        client,
        f"/organisations/{organisation.id}/members/{membership.id}/remove",
        {},
        page=f"/organisations/{organisation.id}/members",
    )
    _sign_out(client)
    assert _accept(client, invitee, path) == 400
    db.session.expire_all()
    assert services.membership_of(db.session, invitee, organisation.id) is None
    assert roles_of(db.session, invitee) == set()


def test_finding_3_removing_a_member_withdraws_invitations_to_them(
    app, client, db, make, smtp, partner
):
    owner, organisation = partner
    invitee = make.user(roles=[], email="invitee@example.org")
    path = _invite(client, owner, organisation, smtp, "invitee@example.org")
    db.session.add(Membership(user=invitee, organisation=organisation))
    db.session.commit()
    with app.test_request_context():
        membership = services.membership_of(db.session, invitee, organisation.id)
        services.remove_member(db.session, membership, owner)
    db.session.commit()
    assert _accept(client, invitee, path) == 400


def test_finding_3_a_withdrawn_invitation_dies(client, db, make, smtp, partner):
    owner, organisation = partner
    invitee = make.user(roles=[], email="invitee@example.org")
    path = _invite(client, owner, organisation, smtp, "invitee@example.org")
    (invitation,) = services.open_invitations(db.session, organisation)
    sign_in(client, owner.email)
    members_page = client.get(f"/organisations/{organisation.id}/members").get_data(as_text=True)
    assert "Withdraw invitation" in members_page
    withdraw = f"/organisations/{organisation.id}/invitations/{invitation.id}/withdraw"
    assert submit(client, withdraw, {}, page="/").status_code == 302
    _sign_out(client)
    assert _accept(client, invitee, path) == 400
    assert _events(db, "membership.invitation_withdrawn") != []


def test_finding_3_rejecting_the_organisation_kills_its_invitations(app, client, db, make, smtp):
    owner = make.user(roles=[])
    organisation = make.organisation(owner=owner, verified=False)
    invitee = make.user(roles=[], email="invitee@example.org")
    path = _invite(client, owner, organisation, smtp, "invitee@example.org")
    admin = make.user(roles=["admin"])
    with app.test_request_context():
        services.decide_verification(db.session, organisation, admin, verified=False, reason="x")
    db.session.commit()
    assert _accept(client, invitee, path) == 400
    invitations = db.session.scalars(select(OrganisationInvitation)).all()
    assert all(invitation.withdrawn_at is not None for invitation in invitations)


def test_finding_3_a_link_without_a_stored_invitation_is_refused(app, client, db, make):
    organisation = make.organisation(owner=make.user(roles=[]))
    invitee = make.user(roles=[], email="invitee@example.org")
    with app.test_request_context():
        old_style = make_token("invite", {"o": organisation.id, "e": fingerprint(invitee.email)})
        unknown = make_token("invite", {"i": 10**9, "e": fingerprint(invitee.email)})
    for token in (old_style, unknown):
        assert _accept(client, invitee, f"/organisations/invitations/{token}") == 400
    assert services.membership_of(db.session, invitee, organisation.id) is None


def test_finding_3_a_cohort_link_cannot_bring_back_a_removed_member(db, make):
    coordinator = make.coordinator()
    charity = services.memberships_for(db.session, coordinator)[0].organisation
    person = make.user(roles=["staff"])
    make.profile(person)
    cohort = make.cohort(charity)
    link = cohorts.new_link(db.session, cohort, coordinator)
    member = cohorts.join(db.session, cohorts.cohort_for_link(db.session, link), person)
    db.session.commit()
    assert cohorts.remove_member(db.session, member, coordinator) is True
    db.session.commit()
    assert cohorts.cohort_for_link(db.session, link) is None
    assert cohorts.cohort_for_link(db.session, cohorts.invitation_token(cohort)) == cohort


def test_finding_3_a_cohort_link_dies_while_its_organisation_is_not_verified(app, db, make):
    coordinator = make.coordinator()
    charity = services.memberships_for(db.session, coordinator)[0].organisation
    cohort = make.cohort(charity)
    link = cohorts.new_link(db.session, cohort, coordinator)
    with app.test_request_context():
        services.update_organisation(db.session, charity, coordinator, kind="nhs_trust")
    assert cohorts.cohort_for_link(db.session, link) is None
