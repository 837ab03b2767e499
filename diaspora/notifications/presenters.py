"""Messages and outbox rows as the dicts the templates take."""

from typing import Any

from flask_babel import gettext

from diaspora.core.words import N_
from diaspora.languages import shipped, translated
from diaspora.notifications.kinds import kind_of
from diaspora.notifications.models import Notification

PREVIEW_CHARS = 240


def preview(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


def message(notification: Notification) -> dict[str, Any]:
    """One inbox entry. `at` stays a datetime, for the `local_datetime` filter."""
    return {
        "id": notification.id,
        "subject": notification.subject,
        "preview": preview(notification.body),
        "kind": translated(kind_of(notification.kind).label),
        "at": notification.due_at,
        "unread": notification.read_at is None,
        "has_link": bool(notification.link),
    }


CHANNEL_LABELS = {"sms": N_("Text message"), "whatsapp": N_("WhatsApp"), "email": N_("Email")}
RECEIPT_LABELS = {
    "delivered": N_("Delivered"),
    "read": N_("Read"),
    "permanent-failure": N_("Failed permanently"),
    "temporary-failure": N_("Failed temporarily"),
    "technical-failure": N_("Failed (gateway error)"),
}


def failed_row(notification: Notification) -> dict[str, Any]:
    """A failed email or text for the outbox page: who by id and name, never their address or
    number."""
    return {
        "id": notification.id,
        "channel": translated(CHANNEL_LABELS.get(notification.channel, CHANNEL_LABELS["email"])),
        "recipient": (
            gettext(
                "%(name)s (user %(id)s)",
                name=notification.recipient.display_name,
                id=notification.recipient_id,
            )
            if notification.recipient is not None
            else gettext("An address with no account")
        ),
        "kind": translated(kind_of(notification.kind).label),
        "subject": notification.subject,
        "attempts": notification.attempts,
        # The service's own reasons are marked messages, shown in the reader's language; a
        # gateway's words are shown as it gave them.
        "error": shipped(notification.last_error) or gettext("No error recorded"),
        "due_at": notification.due_at,
        "last_tried": notification.claimed_at,
        "receipt": translated(RECEIPT_LABELS.get(notification.receipt, "")),
    }
