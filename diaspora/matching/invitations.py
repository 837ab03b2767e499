"""Invitations to apply: an organisation invites a suggested candidate, or a coordinator proposes
a member of one of their cohorts; the person accepts (and goes on to apply or book) or declines.

The rules live here so the pages, the cohorts area and the API refuse the same things.
"""

import dataclasses

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.cohorts.models import Cohort, CohortMember
from diaspora.core.errors import DomainError
from diaspora.core.time import utcnow
from diaspora.core.urls import service_path
from diaspora.core.words import N_, Words
from diaspora.engagements import states
from diaspora.engagements.models import Engagement
from diaspora.engagements.services import clean_text
from diaspora.matching.models import Invitation, InvitationState
from diaspora.notifications.services import notify
from diaspora.opportunities.access import manages
from diaspora.opportunities.models import Opportunity, OpportunityStatus
from diaspora.organisations.access import coordinated_organisations
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile

KIND = "match_invitation"
MESSAGE_MAX = 1000


class InvitationError(DomainError):
    """Why an invitation cannot be sent or answered, in words fit to show."""


def _profile(session: Session, person: User) -> StaffProfile | None:
    return session.scalar(select(StaffProfile).where(StaffProfile.user_id == person.id))


def _listable_to(session: Session, by: User, profile: StaffProfile) -> bool:
    """The privacy rule for lists aimed at an organisation: as `by` would see the profile in a
    search, without the administrator's right to open any single profile."""
    access = dataclasses.replace(privacy.access_of(session, by), admin=False)
    return profile.user_id != by.id and privacy.visible_with(access, by, profile)


def _coordinates(session: Session, by: User, cohort: Cohort, person: User) -> bool:
    if not privacy.is_coordinator(session, by):
        return False
    organisations = {org.id for org in coordinated_organisations(session, by)}
    if cohort.organisation_id not in organisations:
        return False
    member = select(CohortMember.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == person.id
    )
    return session.scalar(member) is not None


def existing(session: Session, opportunity: Opportunity, person: User) -> Invitation | None:
    return session.scalar(
        select(Invitation).where(
            Invitation.opportunity_id == opportunity.id, Invitation.user_id == person.id
        )
    )


def _engaged(session: Session, opportunity: Opportunity, person: User) -> bool:
    query = select(Engagement.id).where(
        Engagement.opportunity_id == opportunity.id,
        Engagement.user_id == person.id,
        Engagement.state.in_(states.LIVE),
    )
    return session.scalar(query.limit(1)) is not None


def _already(person: User) -> InvitationError:
    return InvitationError(
        N_("%(name)s has already been invited to this opportunity.", name=person.display_name)
    )


def check(
    session: Session,
    opportunity: Opportunity,
    person: User,
    *,
    by: User,
    cohort: Cohort | None = None,
) -> None:
    """Raise InvitationError unless `by` may invite `person` now: `by` manages the opportunity
    and may see the person's profile under the privacy rules, or, with `cohort`, coordinates
    the cohort's organisation and `person` is a member of it. One per person per opportunity,
    only to open opportunities, never to a person without consent to be contacted."""
    profile = _profile(session, person)
    if cohort is not None:
        allowed = _coordinates(session, by, cohort, person)
    else:
        allowed = manages(session, by, opportunity) and profile is not None
        allowed = allowed and _listable_to(session, by, profile)
    # One refusal for every reason the inviter may not know of the person: it tells them nothing.
    if (
        not allowed
        or profile is None
        or profile.completed_at is None
        or not person.active
        or not profile.consent_to_contact
    ):
        raise InvitationError(N_("You cannot invite this person."))
    if opportunity.status != OpportunityStatus.OPEN:
        raise InvitationError(N_("This opportunity is not open: nobody can be invited to it."))
    if existing(session, opportunity, person) is not None:
        raise _already(person)
    if _engaged(session, opportunity, person):
        raise InvitationError(
            N_("%(name)s is already taking part or has applied.", name=person.display_name)
        )


def message_problem(message: str | None) -> Words | None:
    """Why the invitation's message cannot be sent, or None. Counted trimmed and with plain line
    endings: a browser posts each line break as two characters."""
    if len(clean_text(message)) > MESSAGE_MAX:
        return N_("Your message must be %(max)s characters or fewer", max=MESSAGE_MAX)
    return None


def invite(
    session: Session,
    opportunity: Opportunity,
    person: User,
    *,
    by: User,
    cohort: Cohort | None = None,
    message: str = "",
) -> Invitation:
    """Invite `person` to take part, under the rules of `check`, with an optional message.
    Notifies the person in the same transaction; audited. Does not commit."""
    check(session, opportunity, person, by=by, cohort=cohort)
    problem = message_problem(message)
    if problem:
        raise InvitationError(problem)
    message = clean_text(message)
    invitation = Invitation(
        opportunity=opportunity,
        user=person,
        invited_by=by,
        cohort_id=cohort.id if cohort is not None else None,
        message=message,
        state=InvitationState.PENDING,
    )
    try:
        with session.begin_nested():
            session.add(invitation)
            session.flush()
    except IntegrityError:
        raise _already(person) from None
    record(
        session,
        "invitation.sent",
        actor=by,
        subject=invitation,
        opportunity_id=opportunity.id,
        cohort_id=invitation.cohort_id,
    )
    sender = cohort.name if cohort is not None else opportunity.organisation.name
    notify(  # written in the recipient's language
        session,
        person,
        KIND,
        subject=N_("You are invited to %(title)s", title=opportunity.title),
        template="matching_invitation",
        link=service_path("opportunities.detail", opportunity_id=opportunity.id),
        dedupe_key=f"invitation:{invitation.id}",
        organisation_id=opportunity.organisation_id,
        opportunity=opportunity,
        sender=sender,
        message=message,
    )
    return invitation


def respond(session: Session, invitation: Invitation, person: User, *, accept: bool) -> None:
    """The invited person accepts or declines, once. Accepting records the answer; they then
    apply or book through the engagement pages as anyone does."""
    if invitation.user_id != person.id:
        raise InvitationError(N_("This invitation is not yours."))
    if invitation.state != InvitationState.PENDING:
        raise InvitationError(N_("You have already answered this invitation."))
    if accept and invitation.opportunity.status != OpportunityStatus.OPEN:
        raise InvitationError(N_("This opportunity is no longer open."))
    invitation.state = InvitationState.ACCEPTED if accept else InvitationState.DECLINED
    invitation.answered_at = utcnow()
    record(
        session,
        "invitation.accepted" if accept else "invitation.declined",
        actor=person,
        subject=invitation,
    )


def for_person(session: Session, person: User) -> list[Invitation]:
    """The person's invitations, unanswered first, newest first, with their opportunities and
    cohorts (one query)."""
    pending_first = (Invitation.state != InvitationState.PENDING).asc()
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.user_id == person.id)
            .options(
                joinedload(Invitation.opportunity),
                joinedload(Invitation.cohort).joinedload(Cohort.organisation),
            )
            .order_by(pending_first, Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def of_person(session: Session, person: User, invitation_id: int) -> Invitation | None:
    """One of the person's own invitations; None for anyone else's."""
    return session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.user_id == person.id)
    )


def invited_ids(session: Session, opportunity: Opportunity, user_ids: list[int]) -> dict[int, str]:
    """user id -> invitation state, for these people and this opportunity (one query)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Invitation.user_id, Invitation.state).where(
            Invitation.opportunity_id == opportunity.id, Invitation.user_id.in_(user_ids)
        )
    )
    return {user_id: state for user_id, state in rows}
