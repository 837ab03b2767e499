"""Tele-teaching bookings: places held in the database, the waiting list, attendance, calendar
files and the personal calendar feed.

A booking is an Engagement with `session_id` set: `accepted` holds a place, `waiting` is on the
session's waiting list (ordered by `queued_at`, then id). `TeachingSession.booked` counts the
places taken; the database refuses `booked > capacity` (a CHECK constraint), and a place is only
ever taken by one conditional UPDATE (`booked = booked + 1 WHERE booked < capacity`) whose row
count says whether it worked. UNIQUE(session_id, user_id) keeps one booking per person.

Every change to a session's bookings (book, cancel, leave the waiting list, promotion, attendance,
moving or cancelling the session) first locks the session's row: `SELECT ... FOR UPDATE` on
PostgreSQL; on SQLite the transaction holds the database's write lock from its start
(`begin_change`, called by the edges), so the changes to one session happen one after another
and the waiting list read under the lock is the one the change acts on. That is what makes
"cancelling promotes exactly one person, never the same one twice" hold under concurrency.

Rebooking: a person who cancelled (`withdrawn`) may book the same session again; the same row
comes back (states.REBOOKING), to a place or to the end of the waiting list.

Functions here never commit; the caller does, once.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import ceil

from icalendar import Event
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, lazyload

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.bookings import ics
from diaspora.bookings.models import CalendarFeed
from diaspora.core.context import setting
from diaspora.core.errors import DomainError
from diaspora.core.paging import PageNumbers
from diaspora.core.time import as_utc, utcnow
from diaspora.core.urls import external_url, service_path
from diaspora.core.words import N_
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.engagements.services import profile_complete
from diaspora.engagements.states import move
from diaspora.languages import (
    force_locale,
    language_of,
    translated,
)
from diaspora.milestones.services import milestone_events
from diaspora.opportunities import times
from diaspora.opportunities.access import manages
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    SessionStatus,
    TeachingSession,
)
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.registry.models import StaffProfile

S = EngagementState

# A place on the session: these people see the join link.
HOLDS_PLACE = frozenset({S.ACCEPTED, S.ACTIVE})
# A booking still to be honoured or queued: what cancelling, moving and cancelling act on.
LIVE = frozenset({S.ACCEPTED, S.WAITING})
# Whoever had or has a part in the session may download its calendar file.
MAY_DOWNLOAD = frozenset({S.ACCEPTED, S.ACTIVE, S.COMPLETED, S.NO_SHOW, S.WAITING, S.CANCELLED})
# How long the feed keeps past sessions, and sessions that were cancelled.
SESSIONS_PER_PAGE = 10  # on an opportunity's page
FEED_PAST = timedelta(days=90)
FEED_CANCELLED = timedelta(days=30)
FEED_REFRESH = timedelta(hours=4)  # how often calendar apps are asked to fetch the feed
KIND = "booking_update"


class BookingError(DomainError):
    """A booking change the rules refuse; `str()` is a message fit to show the person."""


class SessionFull(BookingError):
    """No place left; the person may join the waiting list instead."""


class AlreadyBooked(BookingError):
    """The person already has a place or a place on the waiting list."""


class NotBooked(LookupError):
    """The person has no booking or waiting-list place on this session to cancel."""


# Transactions --------------------------------------------------------------------------------


def begin_change(session: Session) -> None:
    """Start the transaction a booking change runs in; edges call it before `book`, `cancel`
    and `record_attendance`, having written nothing yet.

    On SQLite a transaction that has read and then writes cannot wait for another writer (the
    wait could deadlock, so SQLite answers "database is locked" at once); one that takes the
    write lock when it begins (BEGIN IMMEDIATE) simply queues. So whatever the request read
    so far (the signed-in user) is let go, and the change starts afresh with the lock.
    PostgreSQL needs no new transaction: the change locks the session's row itself, and each
    statement of the request's transaction sees what is committed when it runs (READ
    COMMITTED). Ending that transaction would cost a round trip, and checking the connection
    out again another; instead what the request loaded is expired, so the change reads it
    all afresh, as it would after a rollback.
    """
    if _dialect(session) == "sqlite":
        session.rollback()  # nothing is pending at the start of a change
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    else:
        session.expire_all()


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _locked(session: Session, session_id: int) -> TeachingSession | None:
    """The session with its opportunity and organisation, its row (only) locked until the
    transaction ends (see the module's docstring). One statement."""
    query = (
        select(TeachingSession)
        .where(TeachingSession.id == session_id)
        .options(
            joinedload(TeachingSession.opportunity).options(
                lazyload(Opportunity.professions),
                lazyload(Opportunity.skills),
                lazyload(Opportunity.languages),
            )
        )
    )
    if _dialect(session) != "sqlite":
        query = query.with_for_update(of=TeachingSession)
    return session.scalar(query.execution_options(populate_existing=True))


def _person(
    session: Session, user_id: int, session_id: int
) -> tuple[User, bool, Engagement | None] | None:
    """The user with their roles, whether their profile is complete, and their booking of the
    session in any state (read afresh, after the session's lock). One statement."""
    row = (
        session.execute(
            select(User, StaffProfile.completed_at, Engagement)
            .outerjoin(StaffProfile, StaffProfile.user_id == User.id)
            .outerjoin(
                Engagement,
                and_(Engagement.user_id == User.id, Engagement.session_id == session_id),
            )
            .where(User.id == user_id)
            .options(joinedload(User.roles))
            .execution_options(populate_existing=True)
        )
        .unique()
        .first()
    )
    return None if row is None else (row[0], row[1] is not None, row[2])


def _lock_row(session: Session, teaching_session: TeachingSession) -> None:
    """Lock a session already loaded (and perhaps changed) by the caller, keeping its changes."""
    if _dialect(session) != "sqlite" and teaching_session.id is not None:
        session.execute(
            select(TeachingSession.id)
            .where(TeachingSession.id == teaching_session.id)
            .with_for_update()
        )


# Booking ---------------------------------------------------------------------------------------


def bookable_problem(
    teaching_session: TeachingSession, user: User, now: datetime, *, profile_complete: bool
) -> str | None:
    """Why `user` cannot book `teaching_session` now, or None when they can."""
    opportunity = teaching_session.opportunity
    if opportunity.kind != OpportunityKind.TEACHING:
        return N_("This is not a tele-teaching session")
    if not user.has_role(Role.STAFF):
        return N_("Only NHS staff members can book tele-teaching sessions")
    if teaching_session.status != SessionStatus.SCHEDULED:
        return N_("This session has been cancelled, so it cannot be booked")
    if as_utc(teaching_session.starts_at) <= now:
        return N_("This session has already started, so it can no longer be booked")
    if opportunity.status != OpportunityStatus.OPEN:
        return N_("This opportunity is not taking bookings")
    if not profile_complete:
        return N_("Complete your profile before you book a session")
    return None


def book(
    session: Session,
    user_id: int,
    session_id: int,
    *,
    join_waiting_list: bool = False,
    now: datetime | None = None,
) -> Engagement:
    """Take a place on a session for the user, or, when it is full and `join_waiting_list`,
    a place at the end of its waiting list. Returns the booking (accepted or waiting).

    Raises LookupError for an unknown session, SessionFull when it is full and the person did
    not ask for the waiting list, AlreadyBooked, or BookingError for any other refusal. Run it
    in a transaction begun by `begin_change`; roll back on any exception.
    """
    teaching_session = _locked(session, session_id)
    # Stamped once the lock is held, so the waiting list's order is the order places were
    # decided in, and the position told to each person stays true.
    now = now or utcnow()
    if teaching_session is None or teaching_session.opportunity.status == OpportunityStatus.DRAFT:
        raise LookupError(session_id)  # a draft's sessions are not known outside its organisation
    person = _person(session, user_id, session_id)
    if person is None:
        raise LookupError(user_id)
    user, complete, engagement = person
    problem = bookable_problem(teaching_session, user, now, profile_complete=complete)
    if problem:
        raise BookingError(problem)
    if engagement is not None and engagement.state != S.WITHDRAWN:
        raise AlreadyBooked(_already_message(engagement))

    taken = _take_place(session, session_id)
    if not taken and not join_waiting_list:
        raise SessionFull(N_("This session is full. You can join the waiting list instead."))
    state = S.ACCEPTED if taken else S.WAITING
    if engagement is None:
        engagement = Engagement(
            opportunity_id=teaching_session.opportunity_id,
            session_id=session_id,
            user_id=user_id,
            state=state,
            decided_at=now if taken else None,
            queued_at=None if taken else now,
        )
        session.add(engagement)
    else:  # cancelled earlier, booked again
        move(engagement, state, at=now)
        if not taken:
            engagement.queued_at = now
    try:
        session.flush()
    except IntegrityError as error:  # a second request of the same person's, at the same time
        raise AlreadyBooked(N_("You have already booked this session.")) from error
    session.expire(teaching_session, ["booked"])
    if taken:
        _tell(
            session,
            engagement,
            subject=N_("Your place is booked: %(title)s", title=teaching_session.opportunity.title),
            template="booking_confirmed",
        )
    return engagement


def _already_message(engagement: Engagement) -> str:
    if engagement.state == S.WAITING:
        return N_("You are already on the waiting list for this session.")
    if engagement.state in HOLDS_PLACE:
        return N_("You have already booked this session.")
    return N_("You cannot book this session again.")


def _take_place(session: Session, session_id: int) -> bool:
    """The one statement that takes a place: it succeeds only while one is left."""
    result = session.execute(
        update(TeachingSession)
        .where(
            TeachingSession.id == session_id,
            TeachingSession.booked < TeachingSession.capacity,
            TeachingSession.status == SessionStatus.SCHEDULED,
        )
        .values(booked=TeachingSession.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _give_back_place(session: Session, session_id: int) -> None:
    session.execute(
        update(TeachingSession)
        .where(TeachingSession.id == session_id, TeachingSession.booked > 0)
        .values(booked=TeachingSession.booked - 1)
        .execution_options(synchronize_session=False)
    )


# Cancelling ------------------------------------------------------------------------------------


@dataclass
class Cancellation:
    booking: Engagement
    had_place: bool  # False: the person left the waiting list
    promoted: Engagement | None  # who got the place, if anyone was waiting


def live_booking(session: Session, user: User, session_id: int) -> Engagement | None:
    """The person's place or waiting-list place on a session, if they have one."""
    return session.scalar(
        select(Engagement).where(
            Engagement.session_id == session_id,
            Engagement.user_id == user.id,
            Engagement.state.in_(LIVE),
        )
    )


def cancel(
    session: Session, user_id: int, session_id: int, *, now: datetime | None = None
) -> Cancellation:
    """Cancel the user's booking, or take them off the waiting list.

    A place given back goes to the first person waiting (who is told, with the calendar file),
    in the same transaction and without changing `booked`; with nobody waiting, `booked` goes
    down by one. Raises NotBooked, or BookingError once the session has started.
    """
    now = now or utcnow()
    teaching_session = _locked(session, session_id)
    if teaching_session is None:
        raise NotBooked(session_id)
    engagement = session.scalar(
        select(Engagement)
        .where(
            Engagement.session_id == session_id,
            Engagement.user_id == user_id,
            Engagement.state.in_(LIVE),
        )
        .execution_options(populate_existing=True)
    )
    if engagement is None:
        raise NotBooked(session_id)
    if as_utc(teaching_session.starts_at) <= now:
        raise BookingError(
            N_("This session has already started, so the booking cannot be cancelled")
        )
    had_place = engagement.state == S.ACCEPTED
    move(engagement, S.WITHDRAWN, at=now)
    promoted = None
    if had_place:
        promoted = _promote_next(session, teaching_session, now)
        if promoted is None:
            _give_back_place(session, session_id)
    session.flush()
    session.expire(teaching_session, ["booked"])
    return Cancellation(engagement, had_place, promoted)


def cancel_all(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """For an account's erasure: cancel the person's bookings and waiting-list places on
    sessions not yet started, each as `cancel` does (the first person waiting gets the place).
    The caller begins the change (`begin_change`). Returns how many were cancelled."""
    now = now or utcnow()
    session_ids = session.scalars(
        select(Engagement.session_id)
        .join(TeachingSession, TeachingSession.id == Engagement.session_id)
        .where(
            Engagement.user_id == user_id,
            Engagement.state.in_(LIVE),
            TeachingSession.starts_at > now,
        )
        .order_by(Engagement.session_id)
    ).all()
    for session_id in session_ids:
        cancel(session, user_id, session_id, now=now)
    return len(session_ids)


def _promote_next(
    session: Session, teaching_session: TeachingSession, now: datetime
) -> Engagement | None:
    first = session.scalar(
        select(Engagement)
        .where(Engagement.session_id == teaching_session.id, Engagement.state == S.WAITING)
        .order_by(Engagement.queued_at, Engagement.id)
        .limit(1)
        .options(joinedload(Engagement.user))
        .execution_options(populate_existing=True)
    )
    if first is None:
        return None
    move(first, S.ACCEPTED, at=now)
    _tell(
        session,
        first,
        subject=N_("You have a place: %(title)s", title=teaching_session.opportunity.title),
        template="booking_promoted",
    )
    return first


def waiting_position(session: Session, engagement: Engagement) -> int | None:
    """1 for the first person waiting; None when the booking is not on the waiting list."""
    if engagement.state != S.WAITING:
        return None
    return session.scalar(
        select(func.count(Engagement.id)).where(
            Engagement.session_id == engagement.session_id,
            Engagement.state == S.WAITING,
            or_(
                Engagement.queued_at < engagement.queued_at,
                and_(Engagement.queued_at == engagement.queued_at, Engagement.id <= engagement.id),
            ),
        )
    )


def waiting_positions(session: Session, engagements: list[Engagement]) -> dict[int, int]:
    """`waiting_position` for many bookings in one statement: {engagement id: position}, for
    those on a waiting list."""
    sessions = {e.session_id for e in engagements if e.state == S.WAITING}
    if not sessions:
        return {}
    position = func.row_number().over(
        partition_by=Engagement.session_id, order_by=(Engagement.queued_at, Engagement.id)
    )
    ranked = (
        select(Engagement.id, position.label("position"))
        .where(Engagement.session_id.in_(sessions), Engagement.state == S.WAITING)
        .subquery()
    )
    wanted = [e.id for e in engagements if e.state == S.WAITING]
    return dict(
        session.execute(select(ranked.c.id, ranked.c.position).where(ranked.c.id.in_(wanted))).all()
    )


# Changes the organisation makes -----------------------------------------------------------------


def _live_bookings(session: Session, teaching_session: TeachingSession) -> list[Engagement]:
    return list(
        session.scalars(
            select(Engagement)
            .where(Engagement.session_id == teaching_session.id, Engagement.state.in_(LIVE))
            .options(joinedload(Engagement.user))
            .order_by(Engagement.id)
            .execution_options(populate_existing=True)
        )
    )


def session_moved(session: Session, teaching_session: TeachingSession) -> None:
    """After a session's time or duration changed: raise its SEQUENCE and tell everyone booked
    or waiting, with the new calendar file."""
    _lock_row(session, teaching_session)
    teaching_session.sequence = (teaching_session.sequence or 0) + 1
    session.flush()
    for engagement in _live_bookings(session, teaching_session):
        _tell(
            session,
            engagement,
            subject=N_("Session moved: %(title)s", title=teaching_session.opportunity.title),
            template="booking_moved",
            dedupe_key=f"booking:{engagement.id}:sequence:{teaching_session.sequence}",
        )


def session_cancelled(session: Session, teaching_session: TeachingSession) -> None:
    """Cancel a session: its status, a higher SEQUENCE, every booking and waiting-list place
    cancelled (through the state machine), and each person told with a METHOD:CANCEL file."""
    if teaching_session.status == SessionStatus.CANCELLED:
        return
    _lock_row(session, teaching_session)
    now = utcnow()
    teaching_session.status = SessionStatus.CANCELLED
    teaching_session.sequence = (teaching_session.sequence or 0) + 1
    teaching_session.booked = 0
    bookings = _live_bookings(session, teaching_session)
    was_waiting = {engagement.id: engagement.state == S.WAITING for engagement in bookings}
    for engagement in bookings:
        move(engagement, S.CANCELLED, at=now)
    session.flush()
    for engagement in bookings:
        _tell(
            session,
            engagement,
            subject=N_("Session cancelled: %(title)s", title=teaching_session.opportunity.title),
            template="booking_cancelled",
            dedupe_key=f"booking:{engagement.id}:sequence:{teaching_session.sequence}",
            was_waiting=was_waiting[engagement.id],
        )


# Attendance ------------------------------------------------------------------------------------


def attendees(session: Session, teaching_session: TeachingSession) -> list[Engagement]:
    """Everyone who had a place (booked, or already recorded), by name."""
    return list(
        session.scalars(
            select(Engagement)
            .join(Engagement.user)
            .where(
                Engagement.session_id == teaching_session.id,
                Engagement.state.in_({S.ACCEPTED, S.ACTIVE, S.COMPLETED, S.NO_SHOW}),
            )
            .options(contains_eager(Engagement.user))
            .order_by(User.display_name, Engagement.id)
        )
    )


def attendance_problem(teaching_session: TeachingSession, now: datetime) -> str | None:
    if teaching_session.status != SessionStatus.SCHEDULED:
        return N_("This session was cancelled, so there is no attendance to record")
    if as_utc(teaching_session.starts_at) > now:
        return N_("You can record attendance once the session has started")
    if teaching_session.attendance_recorded_at is not None:
        return N_("Attendance for this session has already been recorded")
    return None


def record_attendance(
    session: Session,
    actor: User,
    session_id: int,
    attended: Iterable[int],
    *,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Record who came: each booked person ticked goes accepted → active → completed, each
    not ticked becomes a no-show. Once only. Returns (attended, did not attend)."""
    now = now or utcnow()
    teaching_session = _locked(session, session_id)
    if teaching_session is None:
        raise LookupError(session_id)
    problem = attendance_problem(teaching_session, now)
    if problem:
        raise BookingError(problem)
    came = set(attended)
    ends = as_utc(teaching_session.starts_at) + timedelta(minutes=teaching_session.duration_minutes)
    counts = [0, 0]
    for engagement in attendees(session, teaching_session):
        if engagement.state != S.ACCEPTED:
            continue
        if engagement.id in came:
            move(engagement, S.ACTIVE, at=as_utc(teaching_session.starts_at))
            move(engagement, S.COMPLETED, at=min(ends, now))
            counts[0] += 1
        else:
            move(engagement, S.NO_SHOW, at=now)
            counts[1] += 1
    teaching_session.attendance_recorded_at = now
    record(
        session,
        "booking.attendance_recorded",
        actor=actor,
        subject=teaching_session.opportunity,
        session_id=teaching_session.id,
        attended=counts[0],
        no_show=counts[1],
    )
    return counts[0], counts[1]


# What a page shows -----------------------------------------------------------------------------


@dataclass
class SessionRow:
    session: TeachingSession
    booking: Engagement | None  # the viewer's, in any state
    position: int | None  # on the waiting list, 1 first
    waiting: int  # how many wait


@dataclass
class Overview(PageNumbers):
    """One page of a tele-teaching opportunity's sessions, as the viewer sees them."""

    items: list[SessionRow]
    total: int
    page: int
    per_page: int
    manager: bool
    staff: bool
    profile_complete: bool
    now: datetime

    @property
    def rows(self) -> list[SessionRow]:
        return self.items


def _in_order(opportunity: Opportunity) -> list[TeachingSession]:
    return sorted(opportunity.sessions, key=lambda s: (as_utc(s.starts_at), s.id))


def overview(
    session: Session,
    user: User,
    opportunity: Opportunity,
    *,
    page: int = 1,
    per_page: int = SESSIONS_PER_PAGE,
    now: datetime | None = None,
) -> Overview:
    """A page of the sessions of a tele-teaching opportunity, in date order, with the viewer's
    bookings and waiting-list positions: the same few queries however many sessions there are.
    A page past the last shows the last."""
    every = _in_order(opportunity)
    total = len(every)
    page = min(max(page, 1), max(ceil(total / per_page), 1))
    sessions = every[(page - 1) * per_page : page * per_page]
    ids = [s.id for s in sessions]
    mine: dict[int, tuple[Engagement, int]] = {}
    waiting: dict[int, int] = {}
    if ids:
        other = aliased(Engagement)
        position = (
            select(func.count(other.id))
            .where(
                other.session_id == Engagement.session_id,
                other.state == S.WAITING,
                or_(
                    other.queued_at < Engagement.queued_at,
                    and_(other.queued_at == Engagement.queued_at, other.id <= Engagement.id),
                ),
            )
            .correlate(Engagement)
            .scalar_subquery()
        )
        for engagement, place in session.execute(
            select(Engagement, position).where(
                Engagement.user_id == user.id, Engagement.session_id.in_(ids)
            )
        ):
            mine[engagement.session_id] = (engagement, place)
        waiting = dict(
            session.execute(
                select(Engagement.session_id, func.count(Engagement.id))
                .where(Engagement.session_id.in_(ids), Engagement.state == S.WAITING)
                .group_by(Engagement.session_id)
            ).all()
        )
    staff = user.has_role(Role.STAFF)
    rows = []
    for teaching_session in sessions:
        booking, place = mine.get(teaching_session.id, (None, None))
        rows.append(
            SessionRow(
                session=teaching_session,
                booking=booking,
                position=place if booking is not None and booking.state == S.WAITING else None,
                waiting=waiting.get(teaching_session.id, 0),
            )
        )
    return Overview(
        items=rows,
        total=total,
        page=page,
        per_page=per_page,
        manager=manages(session, user, opportunity),
        staff=staff,
        profile_complete=staff and profile_complete(session, user),
        now=now or utcnow(),
    )


# Calendar files --------------------------------------------------------------------------------


def page_path(opportunity_id: int, session_id: int | None = None, *, page: int = 1) -> str:
    """The opportunity's page, at one session on the page of sessions that shows it."""
    path = service_path(
        "opportunities.detail", opportunity_id=opportunity_id, page=page if page > 1 else None
    )
    return f"{path}#session-{session_id}" if session_id else path


def session_path(teaching_session: TeachingSession) -> str:
    """The opportunity's page at this session (see `page_path`)."""
    position = _in_order(teaching_session.opportunity).index(teaching_session)
    return page_path(
        teaching_session.opportunity_id,
        teaching_session.id,
        page=position // SESSIONS_PER_PAGE + 1,
    )


def session_event(
    teaching_session: TeachingSession, *, with_join_link: bool, stamp: datetime | None = None
) -> Event:
    opportunity = teaching_session.opportunity
    return ics.session_event(
        teaching_session,
        page_url=external_url("opportunities.detail", opportunity_id=opportunity.id),
        sender=str(setting("MAIL_DEFAULT_SENDER")),
        join_link=opportunity.join_link if with_join_link else None,
        stamp=stamp,
    )


def session_file(teaching_session: TeachingSession, *, with_join_link: bool) -> bytes:
    """The .ics of one session: METHOD:CANCEL once it is cancelled, PUBLISH before."""
    cancelled = teaching_session.status == SessionStatus.CANCELLED
    return ics.calendar(
        [session_event(teaching_session, with_join_link=with_join_link and not cancelled)],
        method=ics.CANCEL if cancelled else ics.PUBLISH,
    )


def download(session: Session, user: User, session_id: int) -> bytes | None:
    """The session's .ics for people booked or waiting (or who were) and the organisation;
    None for anyone else. The join link is in it only for those who may join."""
    teaching_session = session.get(TeachingSession, session_id)
    if teaching_session is None:
        return None
    manager = manages(session, user, teaching_session.opportunity)
    booking = session.scalar(
        select(Engagement).where(Engagement.session_id == session_id, Engagement.user_id == user.id)
    )
    if not manager and (booking is None or booking.state not in MAY_DOWNLOAD):
        return None
    may_join = manager or (booking is not None and booking.state in HOLDS_PLACE)
    return session_file(teaching_session, with_join_link=may_join)


def when(teaching_session: TeachingSession, zone_name: str) -> str:
    """The session's day in the host's zone and its time in both, in the current language."""
    host_zone = teaching_session.opportunity.host_time_zone or "UTC"
    return times.when(teaching_session.starts_at, host_zone, zone_name)


def _tell(
    session: Session,
    engagement: Engagement,
    *,
    subject: str,
    template: str,
    dedupe_key: str | None = None,
    **context: object,
) -> None:
    """Tell the person about their booking, with the session's calendar file attached (and
    the join link, for people with a place)."""
    from diaspora.notifications.services import notify

    teaching_session = engagement.session
    user = engagement.user
    may_join = engagement.state in HOLDS_PLACE
    with force_locale(language_of(user)):  # the file and the time in the message's language
        file = session_file(teaching_session, with_join_link=may_join)
        moment = when(teaching_session, user.time_zone or DEFAULT_TIME_ZONE)
    notify(
        session,
        user,
        KIND,
        subject=subject,
        template=template,
        link=session_path(teaching_session),
        dedupe_key=dedupe_key,
        attachment=(f"session-{teaching_session.id}.ics", file.decode()),
        organisation_id=teaching_session.opportunity.organisation_id,
        opportunity=teaching_session.opportunity,
        teaching_session=teaching_session,
        when=moment,
        state=engagement.state,
        join_link=teaching_session.opportunity.join_link if may_join else None,
        **context,
    )


# The personal calendar feed ----------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(session: Session, user: User) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def new_feed(session: Session, user: User) -> str:
    """Make (or remake) the person's feed; returns the secret for its URL, which is not kept
    (only its digest), so it can be shown once. The old URL stops working."""
    token = secrets.token_urlsafe(32)
    feed = feed_of(session, user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        session.add(feed)
    feed.token_digest = _digest(token)
    feed.created_at = utcnow()
    record(session, "booking.calendar_feed_created", actor=user)
    return token


def turn_off_feed(session: Session, user: User) -> bool:
    feed = feed_of(session, user)
    if feed is None:
        return False
    session.delete(feed)
    record(session, "booking.calendar_feed_removed", actor=user)
    return True


def feed_owner(session: Session, token: str) -> User | None:
    """Whose feed a URL's secret opens, if it is a live one of an active account."""
    if not token or len(token) > 100:
        return None
    feed = session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token_digest == _digest(token))
        .options(joinedload(CalendarFeed.user))
    )
    if feed is None or not feed.user.active:
        return None
    return feed.user


def booked_sessions(session: Session, user: User) -> Iterable[Event]:
    """The sessions the person has a place on (and went to, lately), and recently cancelled
    ones as STATUS:CANCELLED so calendars drop them."""
    now = utcnow()
    rows = session.scalars(
        select(Engagement)
        .join(Engagement.session)
        .where(
            Engagement.user_id == user.id,
            or_(
                and_(
                    Engagement.state.in_({S.ACCEPTED, S.ACTIVE, S.COMPLETED}),
                    TeachingSession.starts_at >= now - FEED_PAST,
                ),
                and_(
                    Engagement.state == S.CANCELLED,
                    TeachingSession.status == SessionStatus.CANCELLED,
                    TeachingSession.starts_at >= now - FEED_CANCELLED,
                ),
            ),
        )
        .options(contains_eager(Engagement.session).joinedload(TeachingSession.opportunity))
        .order_by(TeachingSession.starts_at)
    )
    for engagement in rows:
        yield session_event(engagement.session, with_join_link=engagement.state in HOLDS_PLACE)


def dated_engagements(session: Session, user: User) -> Iterable[Event]:
    """Projects and placements the person takes part in, as all-day events over their dates
    (for a placement, its start window)."""
    rows = session.scalars(
        select(Engagement)
        .join(Engagement.opportunity)
        .where(
            Engagement.user_id == user.id,
            Engagement.session_id.is_(None),
            Engagement.state.in_(HOLDS_PLACE),
            Opportunity.starts_on.is_not(None),
        )
        .options(contains_eager(Engagement.opportunity))
        .order_by(Opportunity.starts_on, Engagement.id)
    )
    for engagement in rows:
        opportunity = engagement.opportunity
        placement = opportunity.kind == OpportunityKind.PLACEMENT
        last: date | None = engagement.ends_on or opportunity.ends_on
        yield ics.all_day_event(
            f"engagement-{engagement.id}@diaspora",
            translated(N_("Start window: %(title)s", title=opportunity.title))
            if placement
            else opportunity.title,
            opportunity.starts_on,
            last if last and last >= opportunity.starts_on else None,
            page_url=external_url("opportunities.detail", opportunity_id=opportunity.id),
            description=translated(
                N_("With %(organisation)s.", organisation=opportunity.organisation.name)
            ),
        )


FeedSource = Callable[[Session, User], Iterable[Event]]
# Every area that has dates for a person adds a source here; the feed is all of them.
FEED_SOURCES: list[FeedSource] = [booked_sessions, dated_engagements, milestone_events]


def calendar_for(session: Session, user: User) -> bytes:
    """The person's calendar feed: every event of every source in FEED_SOURCES, in the person's
    own language, as calendar apps fetch it with no one signed in."""
    with force_locale(language_of(user)):
        events = [event for source in FEED_SOURCES for event in source(session, user)]
        name = translated(setting("SERVICE_NAME"))
    return ics.calendar(events, method=ics.PUBLISH, name=name, refresh=FEED_REFRESH)
