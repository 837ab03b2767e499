"""Invitations: who may invite whom, once, and what the person hears."""

import pytest
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.matching.invitations import InvitationError, invite, respond
from diaspora.notifications.models import Notification


@pytest.fixture
def owner(make):
    return make.user(roles=["partner"], name="Farid Uddin")


@pytest.fixture
def organisation(make, owner):
    return make.organisation(owner=owner, name="Sylhet Neonatal Trust")


@pytest.fixture
def person(make):
    return make.profile(make.user(name="Rahima Begum")).user


def test_an_invitation_notifies_the_person_once_and_is_audited(
    db, make, owner, organisation, person
):
    opportunity = make.opportunity(organisation, title="Newborn care")
    invitation = invite(db.session, opportunity, person, by=owner, message="  We need you.  ")
    db.session.commit()
    assert (invitation.state, invitation.message, invitation.invited_by_id) == (
        "pending",
        "We need you.",
        owner.id,
    )
    messages = db.session.scalars(
        select(Notification).where(Notification.recipient_id == person.id)
    ).all()
    assert {m.channel for m in messages} == {"inbox", "email"}
    assert {m.kind for m in messages} == {"match_invitation"}
    assert {m.dedupe_key for m in messages} == {f"invitation:{invitation.id}"}
    assert {m.link for m in messages} == {f"/opportunities/{opportunity.id}"}
    assert "Sylhet Neonatal Trust invites you to take part in Newborn care" in messages[0].body
    assert "We need you." in messages[0].body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.sent"))
    assert (event.actor_id, event.subject_id) == (owner.id, invitation.id)


def test_one_invitation_per_person_and_opportunity(db, make, owner, organisation, person):
    opportunity = make.opportunity(organisation)
    invite(db.session, opportunity, person, by=owner)
    with pytest.raises(InvitationError, match="Rahima Begum has already been invited"):
        invite(db.session, opportunity, person, by=owner)


def test_only_to_open_opportunities(db, make, owner, organisation, person):
    for status in ("draft", "closed", "cancelled"):
        opportunity = make.opportunity(organisation, status=status)
        with pytest.raises(InvitationError, match="not open"):
            invite(db.session, opportunity, person, by=owner)


def test_only_by_someone_who_manages_it(db, make, person):
    opportunity = make.opportunity()
    stranger = make.user(roles=["partner"])
    make.organisation(owner=stranger)
    with pytest.raises(InvitationError, match="You cannot invite this person"):
        invite(db.session, opportunity, person, by=stranger)


def test_not_someone_already_taking_part(db, make, owner, organisation, person):
    opportunity = make.opportunity(organisation)
    make.engagement(opportunity, person, state="applied")
    with pytest.raises(InvitationError, match="already taking part"):
        invite(db.session, opportunity, person, by=owner)


def test_not_without_a_completed_profile(db, make, owner, organisation):
    opportunity = make.opportunity(organisation)
    with pytest.raises(InvitationError):
        invite(db.session, opportunity, make.user(), by=owner)


def test_a_long_message_is_refused(db, make, owner, organisation, person):
    opportunity = make.opportunity(organisation)
    with pytest.raises(InvitationError, match="1000 characters"):
        invite(db.session, opportunity, person, by=owner, message="x" * 1001)


def test_a_coordinator_invites_a_member_of_their_cohort(db, make):
    charity = make.organisation(kind="charity", country="GB")
    coordinator = make.coordinator(charity)
    member = make.profile(visibility="private").user  # cohort members joined it themselves
    outsider = make.profile().user
    cohort = make.cohort(charity, members=(member,), created_by=coordinator)
    opportunity = make.opportunity()
    invitation = invite(db.session, opportunity, member, by=coordinator, cohort=cohort)
    assert invitation.cohort_id == cohort.id
    with pytest.raises(InvitationError):
        invite(db.session, opportunity, outsider, by=coordinator, cohort=cohort)
    other = make.coordinator()
    with pytest.raises(InvitationError):
        invite(db.session, make.opportunity(), member, by=other, cohort=cohort)


def test_a_cohort_member_without_consent_is_never_invited(db, make):
    charity = make.organisation(kind="charity", country="GB")
    coordinator = make.coordinator(charity)
    member = make.profile(consent=False).user
    cohort = make.cohort(charity, members=(member,), created_by=coordinator)
    with pytest.raises(InvitationError):
        invite(db.session, make.opportunity(), member, by=coordinator, cohort=cohort)


def test_respond_once_and_only_the_person(db, make, owner, organisation, person):
    opportunity = make.opportunity(organisation)
    invitation = invite(db.session, opportunity, person, by=owner)
    with pytest.raises(InvitationError, match="not yours"):
        respond(db.session, invitation, owner, accept=True)
    respond(db.session, invitation, person, accept=True)
    assert invitation.state == "accepted"
    with pytest.raises(InvitationError, match="already answered"):
        respond(db.session, invitation, person, accept=False)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "invitation.accepted" in actions


def test_an_invitation_to_a_closed_opportunity_can_only_be_declined(
    db, make, owner, organisation, person
):
    opportunity = make.opportunity(organisation)
    invitation = invite(db.session, opportunity, person, by=owner)
    opportunity.status = "closed"
    with pytest.raises(InvitationError, match="no longer open"):
        respond(db.session, invitation, person, accept=True)
    respond(db.session, invitation, person, accept=False)
    assert invitation.state == "declined"
