"""Demo bookings on the sepsis teaching series: the demo staff member has a place on its first
session and is first on the waiting list of its second, which other demo staff filled."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.bookings import services
from diaspora.engagements.models import Engagement
from diaspora.opportunities.models import Opportunity, TeachingSession

SERIES = "Sepsis recognition and escalation for final-year nursing students"
STAFF = "staff@demo.test"
OTHERS = [f"staff{n:02d}@demo.test" for n in range(1, 9)]


def load(session: Session) -> None:
    """Book once: nothing is added when the series already has bookings."""
    opportunity = session.scalar(select(Opportunity).where(Opportunity.title == SERIES))
    if opportunity is None or len(opportunity.sessions) < 2:
        return  # the demo opportunities load first
    ids = [s.id for s in opportunity.sessions]
    booked = session.scalar(select(Engagement.id).where(Engagement.session_id.in_(ids)).limit(1))
    if booked is not None:
        return
    first, second = opportunity.sessions[:2]
    _book(session, STAFF, first)
    for email in OTHERS:
        if _book(session, email, second) and second.booked >= second.capacity:
            break
    _book(session, STAFF, second, waiting=True)
    session.flush()


def _book(
    session: Session, email: str, teaching_session: TeachingSession, *, waiting: bool = False
) -> bool:
    user_id = session.scalar(select(User.id).where(User.email == email))
    if user_id is None:
        return False
    try:
        services.book(session, user_id, teaching_session.id, join_waiting_list=waiting)
    except services.BookingError:  # e.g. a demo profile left incomplete on purpose
        return False
    return True
