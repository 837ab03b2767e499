from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.opportunities.models import Opportunity, TeachingSession


class EngagementState(StrEnum):
    INTERESTED = "interested"
    APPLIED = "applied"
    WAITING = "waiting"  # on a full tele-teaching session's waiting list
    ACCEPTED = "accepted"  # for a tele-teaching session: a booked place
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # an application the organisation left unanswered for 21 days
    ACTIVE = "active"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


STATE_LABELS = {
    EngagementState.INTERESTED: N_("Interested"),
    EngagementState.APPLIED: N_("Applied"),
    EngagementState.WAITING: N_("On the waiting list"),
    EngagementState.ACCEPTED: N_("Accepted"),
    EngagementState.DECLINED: N_("Declined"),
    EngagementState.WITHDRAWN: N_("Withdrawn"),
    EngagementState.EXPIRED: N_("Expired"),
    EngagementState.ACTIVE: N_("Active"),
    EngagementState.COMPLETED: N_("Completed"),
    EngagementState.NO_SHOW: N_("Did not attend"),
    EngagementState.CANCELLED: N_("Cancelled"),
}


class ReleaseStatus(StrEnum):
    """The NHS line manager's release, needed for placements and on-site projects."""

    NOT_NEEDED = "not_needed"
    NEEDED = "needed"  # the staff member has not named their manager yet
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Engagement(db.Model):
    """A staff member on an opportunity; on a tele-teaching opportunity, on one occurrence
    (`session_id`), where an accepted engagement is a booked place."""

    __tablename__ = "engagements"
    __table_args__ = (
        Index(
            "uq_engagements_opportunity_user",
            "opportunity_id",
            "user_id",
            unique=True,
            sqlite_where=db.text("session_id IS NULL"),
            postgresql_where=db.text("session_id IS NULL"),
        ),
        Index("uq_engagements_session_user", "session_id", "user_id", unique=True),
        Index("ix_engagements_waiting_list", "session_id", "state", "queued_at"),
        Index("ix_engagements_user_state", "user_id", "state"),
        Index("ix_engagements_state_applied", "state", "applied_at"),
        Index("ix_engagements_opportunity_state", "opportunity_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("teaching_sessions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")  # the applicant's
    decision_message: Mapped[str] = mapped_column(Text, default="")  # the organisation's
    end_reason: Mapped[str] = mapped_column(Text, default="")  # why it was cancelled
    ends_on: Mapped[date | None] = mapped_column(Date)  # completes automatically after this

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    nudged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    release_status: Mapped[str] = mapped_column(String(20), default=ReleaseStatus.NOT_NEEDED)
    release_manager_email: Mapped[str | None] = mapped_column(String(254))
    release_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_note: Mapped[str] = mapped_column(Text, default="")
    # New with every request to a manager and part of its signed link, so a link stops working
    # once another one is sent (to the same manager or another).
    release_nonce: Mapped[str | None] = mapped_column(String(32))

    opportunity: Mapped[Opportunity] = relationship()
    session: Mapped[TeachingSession | None] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:  # no personal data
        return f"<Engagement {self.id} {self.state}>"
