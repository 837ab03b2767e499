"""What the matching pages show and change: a staff member's recommendations (minus what they
hid or already take part in), an organisation's suggested candidates (only people the privacy
rules let it list), "Not interested" and the alert settings. The ranking is `engine`'s."""

import dataclasses
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from diaspora.auth.models import User
from diaspora.core.time import as_utc, utcnow
from diaspora.engagements import states
from diaspora.engagements.models import Engagement
from diaspora.engagements.services import profile_complete
from diaspora.matching import engine, invitations
from diaspora.matching.models import (
    AlertFrequency,
    AlertSetting,
    Dismissal,
    Invitation,
    PendingAlert,
)
from diaspora.matching.scoring import Match
from diaspora.opportunities.models import Opportunity, OpportunityStatus
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile

# A match at or above STRONG is called a strong match and is what alerts are sent for; at or
# above GOOD a good match. Scores run from 0 to 100 (scoring.WEIGHTS); a person who meets the
# profession, most skills and languages and has a tie to the country reaches STRONG.
STRONG = 60
GOOD = 40

NO_ALERTS = "off"
ALERT_CHOICES = (AlertFrequency.IMMEDIATE, AlertFrequency.WEEKLY, NO_ALERTS)


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    country: str | None = None
    modality: str | None = None


@dataclass(frozen=True)
class Recommendation:
    opportunity: Opportunity
    match: Match


@dataclass(frozen=True)
class Suggestion:
    """One suggested person: only what the organisation may see of them."""

    user_id: int
    name: str
    profile: StaffProfile
    match: Match
    can_open: bool  # the viewer may open their profile page
    invitation: str | None  # the state of an invitation already sent, if any


# Recommendations ---------------------------------------------------------------------------


def engaged_ids(session: Session, user: User) -> set[int]:
    """Opportunities the person already takes part in, applied to or said they are interested in."""
    query = select(Engagement.opportunity_id).where(
        Engagement.user_id == user.id, Engagement.state.in_(states.LIVE)
    )
    return set(session.scalars(query))


def dismissed_ids(session: Session, user: User) -> set[int]:
    return set(
        session.scalars(select(Dismissal.opportunity_id).where(Dismissal.user_id == user.id))
    )


def _opportunities(session: Session, ids: list[int]) -> dict[int, Opportunity]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Opportunity)
        .options(joinedload(Opportunity.organisation))
        .where(Opportunity.id.in_(ids))
    )
    return {opportunity.id: opportunity for opportunity in rows}


def recommended(
    session: Session, user: User, filters: Filters = Filters(), *, limit: int = 20
) -> list[Recommendation]:
    """The person's recommendations, best first, minus what they hid or take part in."""
    exclude = dismissed_ids(session, user) | engaged_ids(session, user)
    ranked = engine.recommendations(
        session,
        user,
        limit=limit,
        exclude=exclude,
        kinds=[filters.kind] if filters.kind else (),
        countries=[filters.country] if filters.country else (),
        modality=filters.modality,
    )
    opportunities = _opportunities(session, [r.opportunity_id for r in ranked])
    return [
        Recommendation(opportunities[r.opportunity_id], r.match)
        for r in ranked
        if r.opportunity_id in opportunities and r.opportunity_id not in exclude
    ]


def can_be_recommended(session: Session, user: User) -> bool:
    """Recommendations need a completed profile to match against."""
    return profile_complete(session, user)


def dismiss(session: Session, user: User, opportunity: Opportunity) -> None:
    """Hide a published opportunity from the person's recommendations (again: no change)."""
    if opportunity.status == OpportunityStatus.DRAFT:
        raise ValueError("drafts are never recommended")
    try:
        with session.begin_nested():
            session.add(Dismissal(user_id=user.id, opportunity_id=opportunity.id))
            session.flush()
    except IntegrityError:
        return


def undo_dismissal(session: Session, user: User, opportunity_id: int) -> bool:
    result = session.execute(
        delete(Dismissal).where(
            Dismissal.user_id == user.id, Dismissal.opportunity_id == opportunity_id
        )
    )
    return result.rowcount > 0


def dismissed(session: Session, user: User) -> list[Opportunity]:
    """The opportunities the person hid, most recently hidden first."""
    return list(
        session.scalars(
            select(Opportunity)
            .join(Dismissal, Dismissal.opportunity_id == Opportunity.id)
            .options(joinedload(Opportunity.organisation))
            .where(Dismissal.user_id == user.id)
            .order_by(Dismissal.created_at.desc(), Dismissal.id.desc())
        )
    )


# Alert settings ----------------------------------------------------------------------------


def alert_choice(session: Session, user: User) -> str:
    frequency = session.scalar(
        select(AlertSetting.frequency).where(AlertSetting.user_id == user.id)
    )
    return frequency or NO_ALERTS


def set_alerts(session: Session, user: User, choice: str) -> None:
    """Opt in (at once or weekly) or out; opting out removes the setting."""
    if choice not in ALERT_CHOICES:
        raise ValueError(f"unknown alert choice {choice!r}")
    setting = session.scalar(select(AlertSetting).where(AlertSetting.user_id == user.id))
    if choice == NO_ALERTS:
        if setting is not None:
            session.delete(setting)
        return
    if setting is None:
        session.add(AlertSetting(user_id=user.id, frequency=choice))
    elif setting.frequency != choice:
        setting.frequency = choice
        setting.updated_at = utcnow()


# Suggested candidates ------------------------------------------------------------------------


def _listable(access: privacy.ViewerAccess, viewer: User, profile: StaffProfile) -> bool:
    """privacy's rule as a list aimed at an organisation applies it: never the viewer's own
    profile, never by an administrator's right to open any single one, never without consent."""
    as_lister = dataclasses.replace(access, admin=False)
    return (
        profile.user_id != viewer.id
        and profile.consent_to_contact
        and profile.completed_at is not None
        and privacy.visible_with(as_lister, viewer, profile)
    )


def suggested(
    session: Session, opportunity: Opportunity, viewer: User, *, limit: int = 50
) -> list[Suggestion]:
    """The best people for an open opportunity, as its organisation may see them."""
    access = privacy.access_of(session, viewer)
    ranked = engine.candidates(session, opportunity, audience=access.audiences, limit=limit)
    if not ranked:
        return []
    rows = session.execute(
        select(StaffProfile, User)
        .join(User, User.id == StaffProfile.user_id)
        .where(StaffProfile.id.in_([r.profile_id for r in ranked]))
    )
    profiles = {profile.id: (profile, user) for profile, user in rows}
    sent = invitations.invited_ids(session, opportunity, [r.user_id for r in ranked])
    suggestions = []
    for r in ranked:
        found = profiles.get(r.profile_id)
        if found is None or not _listable(access, viewer, found[0]):
            continue
        profile, user = found
        suggestions.append(
            Suggestion(
                user_id=user.id,
                name=user.display_name,
                profile=profile,
                match=r.match,
                can_open=privacy.visible_with(access, viewer, profile),
                invitation=sent.get(user.id),
            )
        )
    return suggestions


# A person's own data ------------------------------------------------------------------------


def export_for(session: Session, user: User) -> dict[str, object]:
    """The invitations the person received, what they hid and their alert choice, for their
    copy of their data."""
    received = session.scalars(
        select(Invitation)
        .where(Invitation.user_id == user.id)
        .options(joinedload(Invitation.opportunity))
        .order_by(Invitation.created_at, Invitation.id)
    )
    hidden = session.scalars(
        select(Dismissal)
        .where(Dismissal.user_id == user.id)
        .options(joinedload(Dismissal.opportunity))
        .order_by(Dismissal.created_at, Dismissal.id)
    )
    setting = session.scalar(select(AlertSetting).where(AlertSetting.user_id == user.id))
    return {
        "invitations": [
            {
                "opportunity": invitation.opportunity.title,
                "from_a_cohort": invitation.cohort_id is not None,
                "message": invitation.message,
                "state": invitation.state,
                "sent_at": as_utc(invitation.created_at).isoformat(),
            }
            for invitation in received
        ],
        "hidden_opportunities": [dismissal.opportunity.title for dismissal in hidden],
        "opportunity_alerts": setting.frequency if setting else NO_ALERTS,
    }


def forget(session: Session, user: User) -> None:
    """For an account's erasure: invitations to the person, what they hid and their alerts go."""
    for model in (Invitation, Dismissal, AlertSetting, PendingAlert):
        session.execute(delete(model).where(model.user_id == user.id))
