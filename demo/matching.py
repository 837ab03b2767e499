"""Demo matching: the demo staff member has opted in to a weekly digest, and the demo partner
organisations have invited their best suggested candidates to each open opportunity. Idempotent:
an opportunity that has any invitation is left as it is."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.matching import engine, services
from diaspora.matching.invitations import InvitationError, invite
from diaspora.matching.models import AlertFrequency, Invitation
from diaspora.opportunities.models import Opportunity, OpportunityStatus
from diaspora.organisations.models import Membership
from diaspora.registry import privacy

STAFF_EMAIL = "staff@demo.test"
POSTERS = ("partner@demo.test", "lagos@demo.test", "accra@demo.test")
INVITED_EACH = 2
MESSAGE = "Your profile fits this well. We would be glad to have you with us."


def _user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def _open_opportunities(session: Session, poster: User) -> list[Opportunity]:
    organisations = select(Membership.organisation_id).where(Membership.user_id == poster.id)
    return list(
        session.scalars(
            select(Opportunity)
            .where(
                Opportunity.organisation_id.in_(organisations),
                Opportunity.status == OpportunityStatus.OPEN,
            )
            .order_by(Opportunity.id)
        )
    )


def load(session: Session) -> None:
    staff = _user(session, STAFF_EMAIL)
    if staff is not None and services.alert_choice(session, staff) == services.NO_ALERTS:
        services.set_alerts(session, staff, AlertFrequency.WEEKLY)
    for email in POSTERS:
        poster = _user(session, email)
        if poster is None:
            continue  # the demo accounts load first
        audience = privacy.access_of(session, poster).audiences
        for opportunity in _open_opportunities(session, poster):
            invited = select(Invitation.id).where(Invitation.opportunity_id == opportunity.id)
            if session.scalar(invited.limit(1)) is not None:
                continue
            for ranked in engine.candidates(
                session, opportunity, audience=audience, limit=INVITED_EACH
            ):
                person = session.get(User, ranked.user_id)
                try:
                    invite(session, opportunity, person, by=poster, message=MESSAGE)
                except InvitationError:
                    continue
    session.flush()
