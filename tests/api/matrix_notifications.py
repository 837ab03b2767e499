from datetime import timedelta

from diaspora.core.time import utcnow
from diaspora.notifications.models import Channel, DeliveryState, Notification
from tests.api.matrix import Case, everyone


def _message_of_staff_a(w) -> int:
    """A shown in-app message to staff_a (the world has none)."""
    row = Notification(
        recipient_id=w.staff_a.id,
        kind="milestone_reminder",
        channel=Channel.INBOX,
        subject="Your milestone is due",
        body="Your milestone is due next week.",
        due_at=utcnow() - timedelta(minutes=5),
        state=DeliveryState.SENT,
    )
    w.make.session.add(row)
    w.make.session.commit()
    return row.id


CASES = [
    Case("list_notifications", path=lambda w: "/notifications", expect=everyone(200)),
    Case(
        "get_notification",
        path=lambda w: f"/notifications/{_message_of_staff_a(w)}",
        expect=everyone(404, staff_a=200),
    ),
    Case(
        "mark_notification_read",
        path=lambda w: f"/notifications/{_message_of_staff_a(w)}/read",
        expect=everyone(404, staff_a=200),
    ),
    Case(
        "mark_all_notifications_read",
        path=lambda w: "/notifications/read-all",
        expect=everyone(200),
    ),
]
