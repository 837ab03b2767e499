from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.extensions import db


class HoursStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class HoursLog(db.Model):
    """Time given in one month of an engagement. Minutes, so no decimal type is needed;
    only approved logs count anywhere."""

    __tablename__ = "hours_logs"
    __table_args__ = (
        Index("ix_hours_logs_engagement", "engagement_id", "month"),
        Index("ix_hours_logs_status", "status", "month"),
        # Impact figures sum approved time by month: answered from this index alone.
        Index(
            "ix_hours_logs_approved",
            "month",
            "engagement_id",
            postgresql_include=["minutes", "learners_reached"],
            postgresql_where=text("status = 'approved'"),
            sqlite_where=text("status = 'approved'"),
        ),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("learners_reached >= 0", name="learners_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month the time was given
    minutes: Mapped[int] = mapped_column(Integer)
    learners_reached: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=HoursStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    engagement: Mapped[Engagement] = relationship()
    decided_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:  # no personal data
        return f"<HoursLog {self.id} {self.status}>"


class Certificate(db.Model):
    """A certificate of contribution. Its facts are copied at issue, so the PDF and the public
    verification page say the same thing for as long as the certificate stands.

    An engagement has at most one standing certificate (`superseded_at` empty); when more
    hours are approved after issue, the next request replaces it with a new certificate under a
    new code, and the old code's page says it was replaced. A revoked certificate still stands
    (it is the engagement's last word): no new one is issued after a revocation.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        Index(
            "uq_certificates_standing",
            "engagement_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        Index("ix_certificates_engagement", "engagement_id", "issued_at"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(24), unique=True)
    person_name: Mapped[str] = mapped_column(String(120))
    organisation_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    activity: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    learners_reached: Mapped[int] = mapped_column(Integer, default=0)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    # The holder deleted their account: the code still answers, without their name.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    engagement: Mapped[Engagement] = relationship()

    def __repr__(self) -> str:  # no personal data
        return f"<Certificate {self.id} of engagement {self.engagement_id}>"
