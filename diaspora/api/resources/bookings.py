"""Bookings: places on tele-teaching sessions, as the sessions on an opportunity's page offer
them.

A booking is held in the database (`bookings.services`): a place is taken by one conditional
UPDATE under the session's lock, so a full session answers 409 however many people book at
once, or puts the person on the waiting list when they ask for it. Each change runs in a
transaction of its own (`run_change`), as on the pages.
"""

from flask import g
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, SelectField

from diaspora.api.spec import (
    ApiProblem,
    Flag,
    PageQuery,
    Resource,
    checked_form,
    not_found,
    paginate,
)
from diaspora.auth.models import Role
from diaspora.bookings import services
from diaspora.bookings.transactions import run_change
from diaspora.core.time import as_utc, utcnow
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.engagements.services import part_in
from diaspora.extensions import db
from diaspora.opportunities.access import can_see, manages
from diaspora.opportunities.models import TeachingSession
from diaspora.widgets import NhsukForm

resource = Resource()
TAG = "Bookings"
STATES = [state.value for state in EngagementState]
# The people the organisation sees by name on the session's attendance page.
S = EngagementState
NAMED = frozenset({S.ACCEPTED, S.ACTIVE, S.COMPLETED, S.NO_SHOW})


class BookingSchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(
        required=True,
        validate=validate.OneOf(STATES),
        metadata={"description": "accepted: a place; waiting: on the waiting list"},
    )
    session_id = fields.Integer(required=True)
    opportunity_id = fields.Integer(required=True)
    opportunity_title = fields.String(required=True)
    starts_at = fields.DateTime(required=True, metadata={"description": "ISO 8601, UTC"})
    duration_minutes = fields.Integer(required=True)
    host_time_zone = fields.String(required=True, allow_none=True)
    waiting_position = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "1 for the first person waiting; null when not waiting"},
    )
    join_link = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Only on your own booking, while you hold a place"},
    )
    person = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "For the organisation: the name of a person who holds or held a "
            "place (as the attendance page shows them); null otherwise"
        },
    )


class NewBooking(NhsukForm):
    join_waiting_list = BooleanField("When the session is full: wait for a place, not a 409")


class MyBookingsQuery(PageQuery):
    state = SelectField("State", choices=STATES)
    upcoming = Flag("Only sessions that have not started")


class SessionBookingsQuery(PageQuery):
    state = SelectField("State", choices=STATES)


def _shown(booking: Engagement, *, mine: bool, position: int | None = None) -> dict:
    teaching_session = booking.session
    opportunity = teaching_session.opportunity
    holds_place = booking.state in services.HOLDS_PLACE
    return {
        "id": booking.id,
        "state": booking.state,
        "session_id": teaching_session.id,
        "opportunity_id": opportunity.id,
        "opportunity_title": opportunity.title,
        "starts_at": as_utc(teaching_session.starts_at),
        "duration_minutes": teaching_session.duration_minutes,
        "host_time_zone": opportunity.host_time_zone,
        "waiting_position": position,
        "join_link": opportunity.join_link if mine and holds_place else None,
        "person": booking.user.display_name if not mine and booking.state in NAMED else None,
    }


def _page_shown(statement, query: dict, *, mine: bool):
    """A page of bookings in three statements, whatever its length: the rows with their
    sessions, opportunities and people, the count, and the waiting positions."""
    statement = statement.options(
        joinedload(Engagement.session).joinedload(TeachingSession.opportunity),
        joinedload(Engagement.user),
    )
    page = paginate(db.session, statement, query)
    positions = services.waiting_positions(db.session, page.items)
    page.items = [_shown(b, mine=mine, position=positions.get(b.id)) for b in page.items]
    return page


def _session(session_id: int) -> TeachingSession:
    """A session of an opportunity the caller may see (drafts: only its organisation)."""
    teaching_session = db.session.get(TeachingSession, session_id)
    if teaching_session is None or not can_see(
        db.session, g.api_user, teaching_session.opportunity
    ):
        raise not_found("session")
    return teaching_session


@resource.operation(
    "GET",
    "/bookings",
    tag=TAG,
    summary="Your tele-teaching bookings",
    query=MyBookingsQuery,
    response=BookingSchema,
    page=True,
)
def list_my_bookings(query: dict):
    """By the session's start, earliest first; every state unless `state` is given."""
    statement = (
        select(Engagement)
        .join(TeachingSession, TeachingSession.id == Engagement.session_id)
        .where(Engagement.user_id == g.api_user.id)
        .order_by(TeachingSession.starts_at, Engagement.id)
    )
    if "state" in query:
        statement = statement.where(Engagement.state == query["state"])
    if query.get("upcoming"):
        statement = statement.where(TeachingSession.starts_at > utcnow())
    elif query.get("upcoming") is False:
        statement = statement.where(TeachingSession.starts_at <= utcnow())
    return _page_shown(statement, query, mine=True)


@resource.operation(
    "POST",
    "/sessions/<int:session_id>/bookings",
    tag=TAG,
    summary="Book a place on a tele-teaching session (staff)",
    body=NewBooking,
    response=BookingSchema,
    status=201,
    problems=(409,),
)
def book_session(session_id: int, body: dict):
    """A place while one is left. When the session is full: 409, or with
    `join_waiting_list` a place at the end of the waiting list (`state` waiting), promoted
    when someone cancels. 409 too when you already booked it, or it cannot be booked (it has
    started or was cancelled, the opportunity is closed, your profile is not complete)."""
    if not g.api_user.has_role(Role.STAFF):
        raise ApiProblem(403, "Only NHS staff members can book tele-teaching sessions.")
    user_id = g.api_user.id
    waiting = checked_form(NewBooking, body).join_waiting_list.data

    def change():
        booking = services.book(db.session, user_id, session_id, join_waiting_list=waiting)
        return booking.id, services.waiting_position(db.session, booking)

    try:
        booking_id, position = run_change(db.session, change)
    except services.BookingError as error:
        raise ApiProblem(409, str(error)) from None
    except LookupError:
        raise not_found("session") from None
    return _shown(db.session.get(Engagement, booking_id), mine=True, position=position)


@resource.operation(
    "DELETE",
    "/bookings/<int:booking_id>",
    tag=TAG,
    summary="Cancel your booking, or leave the waiting list",
    status=204,
    problems=(409,),
)
def cancel_booking(booking_id: int):
    """A place given back goes to the first person waiting, who is told. 409 once the session
    has started, or when the booking is not live (already cancelled, or over)."""
    booking = db.session.get(Engagement, booking_id)
    part = part_in(db.session, g.api_user, booking) if booking is not None else None
    if part is None or booking.session_id is None:
        raise not_found("booking")
    if part != "owner":
        raise ApiProblem(403, "Only the person who booked can cancel a booking.")
    user_id, session_id = g.api_user.id, booking.session_id
    try:
        run_change(db.session, lambda: services.cancel(db.session, user_id, session_id))
    except services.NotBooked:
        raise ApiProblem(409, "This booking is not live, so there is nothing to cancel.") from None
    except services.BookingError as error:
        raise ApiProblem(409, str(error)) from None


@resource.operation(
    "GET",
    "/sessions/<int:session_id>/bookings",
    tag=TAG,
    summary="The bookings of a session your organisation runs",
    query=SessionBookingsQuery,
    response=BookingSchema,
    page=True,
    problems=(403,),
)
def list_session_bookings(session_id: int, query: dict):
    """Places first, then the waiting list in its order, then the rest. People who hold or
    held a place are named, as on the attendance page."""
    teaching_session = _session(session_id)
    if not manages(db.session, g.api_user, teaching_session.opportunity):
        raise ApiProblem(403, "Only the organisation that runs the session sees its bookings.")
    statement = (
        select(Engagement)
        .where(Engagement.session_id == session_id)
        .order_by(
            Engagement.state != EngagementState.ACCEPTED,
            Engagement.state != EngagementState.WAITING,
            Engagement.queued_at,
            Engagement.id,
        )
    )
    if "state" in query:
        statement = statement.where(Engagement.state == query["state"])
    return _page_shown(statement, query, mine=False)
