"""Bookings as the dicts the templates take, so the templates hold no rules."""

from typing import Any

from flask import url_for
from flask_babel import gettext, ngettext

from diaspora.bookings import services
from diaspora.bookings.services import HOLDS_PLACE, Overview, SessionRow
from diaspora.core.time import as_utc
from diaspora.directory.presenters import pagination as numbered_pagination
from diaspora.engagements.models import EngagementState
from diaspora.opportunities.models import OpportunityStatus, SessionStatus, TeachingSession

S = EngagementState


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return gettext(
            "%(hours)s and %(minutes)s",
            hours=ngettext("%(num)d hour", "%(num)d hours", hours),
            minutes=ngettext("%(num)d minute", "%(num)d minutes", rest),
        )
    if hours:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return ngettext("%(num)d minute", "%(num)d minutes", rest)


def places_left(teaching_session: TeachingSession, waiting: int) -> str:
    left = max(teaching_session.capacity - teaching_session.booked, 0)
    if left:
        return ngettext(
            "%(left)s of %(num)d place left",
            "%(left)s of %(num)d places left",
            teaching_session.capacity,
            left=left,
        )
    if waiting:
        return ngettext(
            "Full: %(num)d person is on the waiting list",
            "Full: %(num)d people are on the waiting list",
            waiting,
        )
    return gettext("Full")


def your_booking(row: SessionRow) -> tuple[str, dict[str, str] | None]:
    """(what the viewer's booking is, in words; an nhsuk tag for it)."""
    booking = row.booking
    if booking is None:
        return gettext("Not booked"), None
    state = booking.state
    if state == S.ACCEPTED:
        return gettext("You are booked on this session"), {
            "text": gettext("Booked"),
            "colour": "green",
        }
    if state == S.WAITING:
        return (
            gettext("You are number %(position)s on the waiting list", position=row.position),
            {
                "text": gettext("Waiting list: number %(position)s", position=row.position),
                "colour": "yellow",
            },
        )
    if state in (S.ACTIVE, S.COMPLETED):
        return gettext("You attended this session"), {
            "text": gettext("Attended"),
            "colour": "green",
        }
    if state == S.NO_SHOW:
        return gettext("Recorded as not attending"), {
            "text": gettext("Did not attend"),
            "colour": "grey",
        }
    if state == S.CANCELLED:
        return gettext("Your booking was cancelled with the session"), {
            "text": gettext("Cancelled"),
            "colour": "red",
        }
    return gettext("Not booked (you cancelled your booking)"), None


def session_row(row: SessionRow, overview: Overview, zone_name: str) -> dict[str, Any]:
    teaching_session = row.session
    opportunity = teaching_session.opportunity
    started = as_utc(teaching_session.starts_at) <= overview.now
    cancelled = teaching_session.status == SessionStatus.CANCELLED
    booking = row.booking
    state = booking.state if booking is not None else None
    holds_place = state in HOLDS_PLACE
    open_for_booking = (
        not cancelled and not started and opportunity.status == OpportunityStatus.OPEN
    )
    may_book = (
        open_for_booking
        and overview.staff
        and overview.profile_complete
        and (booking is None or state == S.WITHDRAWN)
    )
    full = teaching_session.booked >= teaching_session.capacity
    status_text, tag = your_booking(row)
    if cancelled:
        tag = {"text": gettext("Session cancelled"), "colour": "red"}
    may_join = not cancelled and (overview.manager or holds_place)
    may_download = overview.manager or (state in services.MAY_DOWNLOAD)
    return {
        "id": teaching_session.id,
        "anchor": f"session-{teaching_session.id}",
        "heading": heading(teaching_session),
        "when": services.when(teaching_session, zone_name),
        "duration": duration(teaching_session.duration_minutes),
        "places": gettext("Cancelled") if cancelled else places_left(teaching_session, row.waiting),
        "status": status_text,
        "tag": tag,
        "cancelled": cancelled,
        "started": started,
        "book_url": url_for("bookings.book", session_id=teaching_session.id),
        "can_book": may_book and not full,
        "can_wait": may_book and full,
        "can_cancel": not started and state == S.ACCEPTED,
        "can_leave": not started and state == S.WAITING,
        "cancel_url": url_for("bookings.cancel", session_id=teaching_session.id),
        "join_link": opportunity.join_link if may_join else None,
        "ics_url": url_for("bookings.ics", session_id=teaching_session.id)
        if may_download
        else None,
        "attendance_url": url_for("bookings.attendance", session_id=teaching_session.id)
        if overview.manager and started and not cancelled
        else None,
        "attendance_recorded": teaching_session.attendance_recorded_at is not None,
        "host_cancel_url": url_for(
            "opportunities.cancel_session",
            opportunity_id=opportunity.id,
            session_id=teaching_session.id,
        )
        if overview.manager
        and not started
        and not cancelled
        and opportunity.status in (OpportunityStatus.DRAFT, OpportunityStatus.OPEN)
        else None,
    }


def heading(teaching_session: TeachingSession) -> str:
    opportunity = teaching_session.opportunity
    if (opportunity.occurrences or 1) > 1 or len(opportunity.sessions) > 1:
        return gettext("Session %(number)s", number=teaching_session.number)
    return gettext("The session")


def sessions(overview: Overview, zone_name: str) -> dict[str, Any]:
    """Everything the opportunity page's sessions section shows: a page of the sessions."""
    rows = [session_row(row, overview, zone_name) for row in overview.rows]
    opportunity_id = overview.rows[0].session.opportunity_id if overview.rows else None
    return {
        "rows": rows,
        "page": overview,
        "pagination": numbered_pagination(
            overview,
            lambda n: services.page_path(opportunity_id, page=n) + "#sessions-heading",
        ),
        "manager": overview.manager,
        "staff": overview.staff,
        "needs_profile": overview.staff and not overview.profile_complete,
        "profile_url": url_for("registry.profile"),
        "has_bookings": any(row.booking is not None for row in overview.rows),
        "calendar_url": url_for("bookings.calendar"),
    }


def attendee(engagement) -> dict[str, Any]:
    state = engagement.state
    return {
        "id": engagement.id,
        "name": engagement.user.display_name,
        "outcome": gettext("Attended")
        if state in (S.ACTIVE, S.COMPLETED)
        else gettext("Did not attend")
        if state == S.NO_SHOW
        else gettext("Booked"),
    }


def attendance_rows(people: list[dict[str, Any]]) -> list[list[dict[str, str]]]:
    return [[{"text": person["name"]}, {"text": person["outcome"]}] for person in people]
