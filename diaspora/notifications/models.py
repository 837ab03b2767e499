"""Notifications: an outbox of emails and in-app messages, sent once each by the scheduler."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.extensions import db


class Channel(StrEnum):
    EMAIL = "email"
    INBOX = "inbox"
    SMS = "sms"
    WHATSAPP = "whatsapp"


# The channels that go to the person's mobile number (and are charged to a text budget).
TO_NUMBERS = (Channel.SMS, Channel.WHATSAPP)


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # about something done, cancelled or moved before it was sent


class Receipt(StrEnum):
    """What the gateway reported after accepting a text or WhatsApp message (its delivery
    receipt): Notify's statuses, and WhatsApp's `delivered`, `read` and `failed`."""

    DELIVERED = "delivered"
    READ = "read"
    PERMANENT_FAILURE = "permanent-failure"  # the number cannot get it: marked as not working
    TEMPORARY_FAILURE = "temporary-failure"  # e.g. the phone was off for days
    TECHNICAL_FAILURE = "technical-failure"  # the gateway's own problem


class Notification(db.Model):
    """One message to one person on one channel. `dedupe_key` names what it is about (e.g.
    `milestone:12:lead:7`); unique per recipient and channel, so nothing is said twice.

    Email, text (`sms`) and `whatsapp` rows go `pending` → `sending` (claimed by one
    scheduler) → `sent` / `failed`; a text or WhatsApp message then gets the gateway's delivery
    `receipt`, and a failing receipt makes it `failed`.
    Inbox rows are shown once due (`due_at` has passed) unless cancelled; the delivery job
    records them as `sent` then. `digest` email rows wait for the recipient's daily summary.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "channel", "dedupe_key"),
        Index("ix_notifications_due", "state", "due_at"),
        Index("ix_notifications_inbox", "recipient_id", "channel", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A person with an account; or none, for an account email (kind "account") to `address`,
    # which may have no account yet (an invitation, the new address of an email change).
    # A text with an `address` goes to that number (a confirmation code for a number not yet
    # confirmed); other texts go to the recipient's confirmed number as it is when sent.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str | None] = mapped_column(String(320))
    # Whom the message names, when that is someone else than the recipient: the erasure of
    # their account rewrites it.
    about_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))  # a path in the service
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[str | None] = mapped_column(Text)  # e.g. an updated calendar file
    # A text's or WhatsApp message's id at the gateway, and the delivery receipt it sent back.
    gateway_id: Mapped[str | None] = mapped_column(String(100), index=True)
    receipt: Mapped[str | None] = mapped_column(String(20))
    receipt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A text an organisation caused (its action, or an opportunity of its), and the segments
    # charged to its monthly budget (see budgets.py); None for what no organisation caused.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    segments: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    recipient: Mapped[User | None] = relationship(foreign_keys=[recipient_id])

    def __repr__(self) -> str:  # no personal data
        return f"<Notification {self.id} {self.kind} {self.channel} {self.state}>"


class NotificationPreference(db.Model):
    """How one person wants one kind of message besides their inbox: the channel (`email`,
    `sms`, `whatsapp`, or `inbox` for the inbox only) and, for email, at once or in the daily
    summary. No row means the kind's default (see notifications.kinds)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10), default=Channel.EMAIL)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.user_id} {self.kind}>"


class TextBudget(db.Model):
    """The monthly number of text segments an organisation's messages may use, set by a
    platform administrator (no row: TEXT_BUDGET_DEFAULT; 0: no texts at all)."""

    __tablename__ = "text_budgets"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    segments: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<TextBudget {self.organisation_id} {self.segments}>"


class TextUsage(db.Model):
    """The text segments an organisation's messages used in one month (UTC, `YYYY-MM`), and
    when its owners were warned that 80 % was reached."""

    __tablename__ = "text_usage"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)
    warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<TextUsage {self.organisation_id} {self.month} {self.used}>"
