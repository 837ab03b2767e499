"""The caller's own inbox: in-app messages, newest first, read one by one or all at once.
Someone else's message is never found (404)."""

from flask import g
from marshmallow import Schema, fields

from diaspora.api.spec import Flag, PageQuery, Resource, not_found, paginate
from diaspora.core.time import as_utc
from diaspora.extensions import db
from diaspora.notifications import services
from diaspora.notifications.kinds import kind_of
from diaspora.notifications.models import Notification

resource = Resource()
TAG = "Notifications"


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "What it is about, as a code"})
    kind_label = fields.String(required=True, metadata={"description": "The same, in words"})
    subject = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(
        required=True, allow_none=True, metadata={"description": "A path in the service"}
    )
    at = fields.AwareDateTime(
        required=True, metadata={"description": "When it was shown, ISO 8601 in UTC"}
    )
    read_at = fields.AwareDateTime(
        required=True, allow_none=True, metadata={"description": "ISO 8601 in UTC; null: unread"}
    )


class InboxQuery(PageQuery):
    unread = Flag("true: only unread; false: only read")


class ReadAllSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many were unread"})
    unread = fields.Integer(required=True)


def _shown(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "kind_label": kind_of(notification.kind).label,
        "subject": notification.subject,
        "body": notification.body,
        "link": notification.link,
        "at": as_utc(notification.due_at),
        "read_at": as_utc(notification.read_at) if notification.read_at else None,
    }


def _message(notification_id: int) -> Notification:
    notification = services.message_for(db.session, g.api_user, notification_id)
    if notification is None:
        raise not_found("message")
    return notification


@resource.operation(
    "GET",
    "/notifications",
    tag=TAG,
    summary="Your inbox, newest first",
    query=InboxQuery,
    response=NotificationSchema,
    page=True,
)
def list_notifications(query: dict):
    statement = services.inbox_query(g.api_user)
    if "unread" in query:
        statement = statement.where(
            Notification.read_at.is_(None) if query["unread"] else Notification.read_at.is_not(None)
        )
    page = paginate(db.session, statement, query)
    page.items = [_shown(n) for n in page.items]
    return page


@resource.operation(
    "GET",
    "/notifications/<int:notification_id>",
    tag=TAG,
    summary="One of your messages (reading it does not mark it read)",
    response=NotificationSchema,
)
def get_notification(notification_id: int):
    return _shown(_message(notification_id))


@resource.operation(
    "POST",
    "/notifications/<int:notification_id>/read",
    tag=TAG,
    summary="Mark one of your messages read (again: no change)",
    response=NotificationSchema,
)
def mark_notification_read(notification_id: int):
    notification = _message(notification_id)
    services.mark_read(notification)
    db.session.commit()
    return _shown(notification)


@resource.operation(
    "POST",
    "/notifications/read-all",
    tag=TAG,
    summary="Mark every message in your inbox read",
    response=ReadAllSchema,
)
def mark_all_notifications_read():
    marked = services.mark_all_read(db.session, g.api_user)
    db.session.commit()
    return {"marked": marked, "unread": services.unread_count(db.session, g.api_user)}
