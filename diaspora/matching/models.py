"""Matching's own records: invitations to apply, hidden opportunities and alerts."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.opportunities.models import Opportunity

if TYPE_CHECKING:
    from diaspora.cohorts.models import Cohort


class InvitationState:
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Invitation(db.Model):
    """An invitation to one person to take part in one opportunity: from the organisation that
    posted it (a suggested candidate), or from a coordinator proposing a member of one of their
    cohorts (`cohort_id` set). One per person per opportunity, whoever sent it."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "user_id"),
        Index("ix_invitations_user_state", "user_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default=InvitationState.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    opportunity: Mapped[Opportunity] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    cohort: Mapped["Cohort | None"] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.state}>"


class Dismissal(db.Model):
    """A staff member said "Not interested" to a recommended opportunity: it leaves their
    recommendations until they undo it."""

    __tablename__ = "match_dismissals"
    __table_args__ = (UniqueConstraint("user_id", "opportunity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    opportunity: Mapped[Opportunity] = relationship()


class AlertFrequency:
    IMMEDIATE = "immediate"
    WEEKLY = "weekly"


class AlertSetting(db.Model):
    """A staff member's choice to hear of newly published opportunities that match them
    strongly. No row: they have not opted in."""

    __tablename__ = "match_alert_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    frequency: Mapped[str] = mapped_column(String(12), default=AlertFrequency.WEEKLY)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class PendingAlert(db.Model):
    """An opportunity waiting for a person's weekly digest; `sent_at` set once it went out."""

    __tablename__ = "match_pending_alerts"
    __table_args__ = (
        UniqueConstraint("user_id", "opportunity_id"),
        Index("ix_match_pending_alerts_unsent", "sent_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    opportunity: Mapped[Opportunity] = relationship()
    user: Mapped[User] = relationship()
