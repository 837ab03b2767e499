"""Telling people things: every message is a row in the outbox, written in the same transaction
as the change it reports, so a rollback leaves nothing to send. The scheduler delivers them."""

from datetime import datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.notifications.models import Channel, Notification


def notify(
    session: Session,
    recipient: User,
    kind: str,
    *,
    subject: str,
    template: str,
    link: str | None = None,
    dedupe_key: str | None = None,
    due_at: datetime | None = None,
    attachment: tuple[str, str] | None = None,
    **context: object,
) -> list[Notification]:
    """Queue an email and an in-app message to `recipient`, rendered from
    `templates/notifications/<template>.txt` (context: `recipient`, `link` and `context`).

    With a `dedupe_key` a message already queued under that key is not queued again.
    Returns the rows added.
    """
    body = render_template(
        f"notifications/{template}.txt", recipient=recipient, link=link, **context
    )
    added = []
    for channel in (Channel.INBOX, Channel.EMAIL):
        if dedupe_key and _exists(session, recipient.id, channel, dedupe_key):
            continue
        row = Notification(
            recipient_id=recipient.id,
            kind=kind,
            channel=channel,
            subject=subject,
            body=body,
            link=link,
            dedupe_key=dedupe_key,
            due_at=due_at or utcnow(),
            attachment_name=attachment[0] if attachment else None,
            attachment=attachment[1] if attachment else None,
        )
        session.add(row)
        added.append(row)
    return added


def _exists(session: Session, recipient_id: int, channel: str, dedupe_key: str) -> bool:
    query = select(Notification.id).where(
        Notification.recipient_id == recipient_id,
        Notification.channel == channel,
        Notification.dedupe_key == dedupe_key,
    )
    return session.scalar(query) is not None
