"""What the gateways tell us after a text or WhatsApp message went: delivery receipts, and the
replies that ask us to stop (README "Text messages and WhatsApp", ADR 18).

- Notify's delivery-status callback: `{"id", "reference", "status", ...}`, the status one of
  delivered, permanent-failure, temporary-failure, technical-failure.
- Notify's received-text callback: `{"id", "source_number", "destination_number", "message",
  "date_received"}`.
- WhatsApp's webhook: `entry[].changes[].value` holding `statuses` (sent, delivered, read,
  failed with `errors[].code`) and `messages` (what people wrote, `from` their number).

A receipt finds its message by the gateway's id kept when it was sent (Notify's `reference`,
our row's id, when the id was not kept); receipts for messages we do not know are ignored, and
one that says nothing new changes nothing, so a gateway may send it again. A failing receipt
makes the message `failed` (an administrator sees it on the outbox page and may retry it); one
that says the number cannot get messages marks the number as not working and tells the person,
as a refusal when sending does. A reply of STOP (or UNSUBSCRIBE, STOPALL: trimmed, any case)
stops everything to that number (`services.number_stopped`). Functions never commit.
"""

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.notifications.channels import WHATSAPP_TRY_AGAIN, WHATSAPP_UNDELIVERABLE
from diaspora.notifications.models import Channel, DeliveryState, Notification, Receipt
from diaspora.notifications.services import number_failing, number_stopped
from diaspora.phones.numbers import from_gateway
from diaspora.phones.services import usable_number

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE"})
NOTIFY_STATUSES = {
    "delivered": Receipt.DELIVERED,
    "permanent-failure": Receipt.PERMANENT_FAILURE,
    "temporary-failure": Receipt.TEMPORARY_FAILURE,
    "technical-failure": Receipt.TECHNICAL_FAILURE,
}
# A receipt replaces the one a message has only when it says more: a late "delivered" after
# "read", or the same receipt sent again, changes nothing.
RANK = {
    None: 0,
    Receipt.TEMPORARY_FAILURE: 1,
    Receipt.TECHNICAL_FAILURE: 1,
    Receipt.PERMANENT_FAILURE: 2,
    Receipt.DELIVERED: 3,
    Receipt.READ: 4,
}
FAILURES = {Receipt.PERMANENT_FAILURE, Receipt.TEMPORARY_FAILURE, Receipt.TECHNICAL_FAILURE}
_REFERENCE = re.compile(r"notification-(\d{1,18})")


def is_stop(text: object) -> bool:
    return isinstance(text, str) and " ".join(text.split()).upper() in STOP_WORDS


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body under the app secret>`,
    compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len("sha256=") :].strip().encode())


def bearer_ok(token: str, header: str | None) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(token.encode(), header[len("Bearer ") :].strip().encode())


@dataclass
class Handled:
    """What a callback changed, for the log (counts only: no numbers, no ids)."""

    receipts: int = 0
    ignored: int = 0
    stopped: int = 0


def _message(session: Session, channel: str, gateway_id: str, reference: object) -> Notification:
    row = session.scalar(
        select(Notification).where(
            Notification.gateway_id == gateway_id, Notification.channel == channel
        )
    )
    if row is None and isinstance(reference, str) and (found := _REFERENCE.fullmatch(reference)):
        row = session.scalar(
            select(Notification).where(
                Notification.id == int(found.group(1)),
                Notification.channel == channel,
                Notification.gateway_id.is_(None),
                Notification.state.in_([DeliveryState.SENT, DeliveryState.SENDING]),
            )
        )
        if row is not None:
            row.gateway_id = gateway_id
    return row


def apply_receipt(
    session: Session,
    channel: str,
    gateway_id: object,
    receipt: Receipt,
    now: datetime,
    *,
    reference: object = None,
    number_failed: bool = False,
    detail: str = "",
) -> bool:
    """Record one receipt. `number_failed`: the gateway says the number cannot get messages.
    False when the message is unknown or the receipt says nothing new."""
    if not isinstance(gateway_id, str) or not gateway_id or len(gateway_id) > 100:
        return False
    row = _message(session, channel, gateway_id, reference)
    if row is None or RANK[receipt] <= RANK.get(row.receipt, 0):
        return False
    row.receipt, row.receipt_at = receipt, now
    if receipt in FAILURES:
        gateway = "Notify" if channel == Channel.SMS else "WhatsApp"
        row.state = DeliveryState.FAILED
        row.last_error = f"{gateway} receipt: {receipt}" + (f" {detail}" if detail else "")
    elif row.state == DeliveryState.FAILED:  # delivered after all (WhatsApp tries again)
        row.state, row.last_error = DeliveryState.SENT, None
    if number_failed and row.recipient_id is not None:
        number = row.address or usable_number(session, row.recipient_id)
        if number:
            number_failing(session, row.recipient_id, number, now, channel)
    return True


def notify_status(session: Session, data: Mapping[str, Any], now: datetime) -> Handled:
    """Notify's delivery-status callback for one text."""
    receipt = NOTIFY_STATUSES.get(data.get("status"))
    done = receipt is not None and apply_receipt(
        session,
        Channel.SMS,
        data.get("id"),
        receipt,
        now,
        reference=data.get("reference"),
        number_failed=receipt is Receipt.PERMANENT_FAILURE,
    )
    return Handled(receipts=int(done), ignored=int(not done))


def notify_received(session: Session, data: Mapping[str, Any], now: datetime) -> Handled:
    """Notify's received-text callback: a reply of STOP stops the number."""
    number = from_gateway(data.get("source_number"))
    if number is None or not is_stop(data.get("message")):
        return Handled(ignored=1)
    return Handled(stopped=number_stopped(session, number, now))


def _whatsapp_status(session: Session, status: Mapping[str, Any], now: datetime) -> bool:
    name = status.get("status")
    reference = status.get("biz_opaque_callback_data")
    if name in ("delivered", "read"):
        receipt = Receipt.DELIVERED if name == "delivered" else Receipt.READ
        return apply_receipt(
            session, Channel.WHATSAPP, status.get("id"), receipt, now, reference=reference
        )
    if name != "failed":  # "sent": we know already
        return False
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    codes = {e.get("code") for e in errors if isinstance(e, dict)}
    undeliverable = bool(codes & WHATSAPP_UNDELIVERABLE)
    temporary = bool(codes & WHATSAPP_TRY_AGAIN) and not undeliverable
    receipt = Receipt.TEMPORARY_FAILURE if temporary else Receipt.PERMANENT_FAILURE
    detail = ",".join(str(code) for code in sorted(c for c in codes if isinstance(c, int)))
    return apply_receipt(
        session,
        Channel.WHATSAPP,
        status.get("id"),
        receipt,
        now,
        reference=reference,
        number_failed=undeliverable,
        detail=detail,
    )


def _written(message: Mapping[str, Any]) -> object:
    """The words of a message someone sent: a text's body, or a button's text."""
    kind = message.get("type")
    part = message.get(kind) if isinstance(kind, str) else None
    if not isinstance(part, dict):
        return None
    return part.get("body") if kind == "text" else part.get("text")


def whatsapp_changes(session: Session, data: Mapping[str, Any], now: datetime) -> Handled:
    """WhatsApp's webhook: every status and every message in every change of every entry."""
    handled = Handled()
    entries = data.get("entry") if isinstance(data.get("entry"), list) else []
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for status in _items(value, "statuses"):
                if _whatsapp_status(session, status, now):
                    handled.receipts += 1
                else:
                    handled.ignored += 1
            for message in _items(value, "messages"):
                number = from_gateway(message.get("from"))
                if number is not None and is_stop(_written(message)):
                    handled.stopped += number_stopped(session, number, now)
                else:
                    handled.ignored += 1
    return handled


def _items(value: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    items = value.get(name)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
