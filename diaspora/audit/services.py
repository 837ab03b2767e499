from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User
from diaspora.core.context import client_address


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
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


def recent_events(action: str | None = None):
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return query
