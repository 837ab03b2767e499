from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from diaspora.audit.models import AuditEvent
from diaspora.core.context import client_address
from diaspora.core.paging import PageNumbers


class Actor(Protocol):
    """Whoever acts: an account (audit sits below auth, so it names no account type)."""

    id: int


def record(
    session: Session,
    action: str,
    *,
    actor: Actor | None = None,
    subject: object | None = None,
    **details: object,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit keeps it with the change it records.

    `details` must hold no personal data (ids, reasons and role names are fine; emails are not).
    """
    if isinstance(subject, LocalProxy):  # current_user: record the User, not the proxy's type
        subject = subject._get_current_object()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        ip=client_address(),
        details=details,
    )
    session.add(event)
    return event


# Reading the log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilters:
    """What the audit log is narrowed to. Dates are the viewer's local days, both included."""

    person_id: int | None = None  # events by this person, or about their account
    action: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class EventPage(PageNumbers):
    items: list[AuditEvent]
    total: int
    page: int
    per_page: int


def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day starts in `zone`."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _filtered(query, filters: EventFilters, zone: ZoneInfo):
    if filters.person_id is not None:
        query = query.where(
            or_(
                AuditEvent.actor_id == filters.person_id,
                (AuditEvent.subject_type == "User") & (AuditEvent.subject_id == filters.person_id),
            )
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= local_day_start(filters.since, zone))
    if filters.until is not None:
        query = query.where(
            AuditEvent.at < local_day_start(filters.until + timedelta(days=1), zone)
        )
    return query


def search_events(
    session: Session, filters: EventFilters, zone: ZoneInfo, *, page: int = 1, per_page: int = 50
) -> EventPage:
    """One page of the events that match, newest first, with who did each (two queries)."""
    total = session.scalar(_filtered(select(func.count(AuditEvent.id)), filters, zone)) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    query = _filtered(select(AuditEvent), filters, zone)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    items = list(session.scalars(query.offset((page - 1) * per_page).limit(per_page)).unique())
    return EventPage(items=items, total=total, page=page, per_page=per_page)
