"""The audit log's rows as the page shows them: labels instead of codes, people and
organisations by name with a link to their administration page."""

from collections.abc import Iterable
from typing import Any

from flask import url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.audit.labels import action_label, detail_label, subject_label
from diaspora.audit.models import AuditEvent
from diaspora.auth.models import ROLE_LABELS, User
from diaspora.languages import translated
from diaspora.organisations.models import Organisation


def role_labels(roles: Iterable[str]) -> list[str]:
    """Role codes as people read them, in the reader's language, in a steady order."""
    return sorted(translated(ROLE_LABELS.get(role, role)) for role in roles)


def _names(session: Session, model, column, events: list[AuditEvent]) -> dict[int, str]:
    """The names of the records of one type the events are about, in one query (none when the
    page has no such record)."""
    ids = {e.subject_id for e in events if e.subject_type == model.__name__ and e.subject_id}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())


def _detail_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(
            f"{translated(detail_label(k)).lower()} {_detail_text(v)}" for k, v in value.items()
        )
    if isinstance(value, list | tuple | set):
        return ", ".join(_detail_text(v) for v in value)
    return "" if value is None else str(value)


def present_events(session: Session, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Each event with its label, its actor and its record named: a fixed number of queries
    for a page, whatever it holds."""
    people = _names(session, User, User.display_name, events)
    organisations = _names(session, Organisation, Organisation.name, events)
    rows = []
    for event in events:
        actor = None
        if event.actor is not None:
            actor = {
                "name": event.actor.display_name,
                "href": url_for("admin.user", user_id=event.actor.id),
            }
        record: dict[str, Any] = {
            "kind": translated(subject_label(event.subject_type)),
            "name": "",
            "href": "",
        }
        if event.subject_type == "User" and event.subject_id in people:
            record |= {
                "name": people[event.subject_id],
                "href": url_for("admin.user", user_id=event.subject_id),
            }
        elif event.subject_type == "Organisation" and event.subject_id in organisations:
            record |= {
                "name": organisations[event.subject_id],
                "href": url_for("admin.organisation", organisation_id=event.subject_id),
            }
        elif event.subject_id is not None:
            record["name"] = gettext("number %(number)s", number=event.subject_id)
        details = [
            (translated(detail_label(key)), _detail_text(value))
            for key, value in (event.details or {}).items()
            if value not in (None, "", [], {})
        ]
        rows.append(
            {
                "at": event.at,
                "code": event.action,
                "action": translated(action_label(event.action)),
                "actor": actor,
                "record": record if event.subject_type else None,
                "ip": event.ip or "",
                "details": details,
            }
        )
    return rows
