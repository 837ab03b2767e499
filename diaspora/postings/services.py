"""Posting and running opportunities, with what each change means for the areas built on them:
publishing alerts the staff it suits, rescheduling tells the people booked, cancelling a session
or the whole opportunity cancels its bookings and ends every engagement on it.

The opportunity's own rules are in `opportunities.services`; each function here calls the one of
the same name there and then the areas it reaches. Never commits; the caller does.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.bookings import services as bookings
from diaspora.engagements import services as engagements
from diaspora.matching import alerts
from diaspora.opportunities import services as opportunities
from diaspora.opportunities.models import Opportunity, TeachingSession
from diaspora.opportunities.services import OpportunityInput, Rescheduled


def publish(
    session: Session, opportunity: Opportunity, actor: User, *, now: datetime | None = None
) -> None:
    """Open a draft to everyone signed in, and alert the staff it suits."""
    opportunities.publish(session, opportunity, actor, now=now)
    alerts.on_published(session, opportunity)


def update(
    session: Session,
    opportunity: Opportunity,
    actor: User,
    data: OpportunityInput,
    *,
    now: datetime | None = None,
) -> Rescheduled:
    """Change a draft or open opportunity. People booked on a session whose time or duration
    changed are told; sessions past a shortened series are cancelled with their bookings."""
    result = opportunities.update(session, opportunity, actor, data, now=now)
    for teaching_session in result.moved:
        bookings.session_moved(session, teaching_session)
    for teaching_session in result.cancelled:
        bookings.session_cancelled(session, teaching_session)
    return result


def cancel(
    session: Session,
    opportunity: Opportunity,
    actor: User,
    *,
    reason: str,
    now: datetime | None = None,
) -> None:
    """Call the whole thing off: sessions still to come are cancelled with their bookings, and
    every engagement ends; each person is told, with `reason`."""
    for teaching_session in opportunities.cancel(
        session, opportunity, actor, reason=reason, now=now
    ):
        bookings.session_cancelled(session, teaching_session)
    engagements.end_all(session, opportunity, reason=reason.strip())


def cancel_session(
    session: Session,
    teaching_session: TeachingSession,
    actor: User,
    *,
    now: datetime | None = None,
) -> None:
    """Cancel one occurrence of a series that has not started yet, with its bookings."""
    opportunities.cancel_session(session, teaching_session, actor, now=now)
    bookings.session_cancelled(session, teaching_session)
