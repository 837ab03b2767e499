"""Demo bookings on the sepsis teaching series: the demo staff member has a place on its first
session and is first on the waiting list of its second, which other demo staff filled.

And a tele-teaching session of the demo partner's that took place two days ago, with four
people booked and their attendance not yet recorded, so the partner has attendance to record.
It is posted through the posting rules as of a week before it; the bookings are written
straight to the tables, as if made then, so no messages are queued for them."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from demo.opportunities import form_of
from diaspora.auth.models import User
from diaspora.bookings import services
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.opportunities import services as opportunities
from diaspora.opportunities.models import Opportunity, TeachingSession
from diaspora.opportunities.services import OpportunityInput
from diaspora.organisations.models import Organisation
from diaspora.postings import services as postings

SERIES = "Sepsis recognition and escalation for final-year nursing students"
STAFF = "staff@demo.test"
OTHERS = [f"staff{n:02d}@demo.test" for n in range(1, 9)]


PAST_TITLE = "Postpartum haemorrhage: a case review for midwifery students"
PAST_ORGANISATION = "Dhaka Medical College Hospital"
PAST_POSTER = "partner@demo.test"
PAST_ATTENDEES = tuple(f"staff{n:02d}@demo.test" for n in (2, 4, 9, 11))
PAST_ZONE = "Asia/Dhaka"


def load(session: Session) -> None:
    _book_series(session)
    _past_session(session)


def _book_series(session: Session) -> None:
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


def _past_session(session: Session) -> None:
    """Once: nothing is added when the organisation already has an opportunity of that title."""
    organisation = session.scalar(
        select(Organisation).where(Organisation.name == PAST_ORGANISATION)
    )
    poster = session.scalar(select(User).where(User.email == PAST_POSTER))
    if organisation is None or poster is None:
        return  # the demo organisations and accounts load first
    exists = session.scalar(
        select(Opportunity.id).where(
            Opportunity.organisation_id == organisation.id, Opportunity.title == PAST_TITLE
        )
    )
    if exists is not None:
        return
    day = utcnow().astimezone(ZoneInfo(PAST_ZONE)).date() - timedelta(days=2)
    starts = datetime.combine(day, time(15, 0), ZoneInfo(PAST_ZONE)).astimezone(UTC)
    posted = starts - timedelta(days=7)
    form = form_of(
        OpportunityInput(
            kind="teaching",
            title=PAST_TITLE,
            description=(
                "One online session for final-year midwifery students: a real case of "
                "postpartum haemorrhage, the first minutes of management and when to call for "
                "help."
            ),
            country="BD",
            region="Dhaka",
            modality="remote",
            professions=["midwife", "doctor"],
            skills=[("maternal_newborn", 3)],
            languages=[("ben", 1)],
            starts_on=day,
            start_time=time(15, 0),
            host_time_zone=PAST_ZONE,
            duration_minutes=60,
            capacity=6,
            join_link="https://meet.example.org/dmch-pph-case-review",
            audience="Final-year midwifery students",
            learners_expected=30,
        ),
        now=posted,
    )
    if not form.validate():
        raise ValueError(f"Demo opportunity {PAST_TITLE!r}: {form.errors}")
    opportunity = opportunities.create(session, organisation, poster, form.details(), now=posted)
    postings.publish(session, opportunity, poster, now=posted)
    session.flush()
    teaching_session = opportunity.sessions[0]
    for index, email in enumerate(PAST_ATTENDEES):
        user_id = session.scalar(select(User.id).where(User.email == email))
        if user_id is None:
            continue
        booked_at = posted + timedelta(hours=index + 1)
        session.add(
            Engagement(
                opportunity_id=opportunity.id,
                session_id=teaching_session.id,
                user_id=user_id,
                state=EngagementState.ACCEPTED,
                applied_at=booked_at,
                decided_at=booked_at,
            )
        )
        teaching_session.booked += 1
    session.flush()
