"""Opportunities: one table with a `kind`, the wanted professions, skills and languages, and the
dated occurrences of a tele-teaching session (each bookable on its own)."""

import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
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
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.organisations.models import Organisation


class OpportunityKind(StrEnum):
    PROJECT = "project"
    TEACHING = "teaching"
    PLACEMENT = "placement"


KIND_LABELS = {
    OpportunityKind.PROJECT: N_("Capacity-building project"),
    OpportunityKind.TEACHING: N_("Tele-teaching session"),
    OpportunityKind.PLACEMENT: N_("Return placement"),
}


class OpportunityStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    OpportunityStatus.DRAFT: N_("Draft"),
    OpportunityStatus.OPEN: N_("Open"),
    OpportunityStatus.CLOSED: N_("Closed"),
    OpportunityStatus.COMPLETED: N_("Completed"),
    OpportunityStatus.CANCELLED: N_("Cancelled"),
}


class Modality(StrEnum):
    REMOTE = "remote"
    ON_SITE = "on_site"
    HYBRID = "hybrid"


MODALITY_LABELS = {
    Modality.REMOTE: N_("Remote"),
    Modality.ON_SITE: N_("On site"),
    Modality.HYBRID: N_("Hybrid (remote and on site)"),
}


class Recurrence(StrEnum):
    NONE = "none"
    WEEKLY = "weekly"
    MONTHLY = "monthly"  # the same date: the 14th
    MONTHLY_NTH = "month_nth"  # the first date's weekday and week of the month: the 2nd Tuesday
    MONTHLY_LAST = "month_last"  # the last of the first date's weekday: the last Friday


# What the form offers before the first date is known; once it is, the labels name the day
# (opportunities.services.recurrence_choices).
RECURRENCE_LABELS = {
    Recurrence.NONE: N_("A single session"),
    Recurrence.WEEKLY: N_("Every week"),
    Recurrence.MONTHLY: N_("Every month on the same date, for example the 14th"),
    Recurrence.MONTHLY_NTH: N_("Every month on the same weekday, for example the second Tuesday"),
    Recurrence.MONTHLY_LAST: N_(
        "Every month on the last of that weekday, for example the last "
        "Friday (for a first date in the last week of its month)"
    ),
}


class Opportunity(db.Model):
    __tablename__ = "opportunities"
    __table_args__ = (
        Index("ix_opportunities_listing", "status", "starts_on", "id"),
        Index("ix_opportunities_country", "country", "status"),
        Index("ix_opportunities_kind", "kind", "status"),
        CheckConstraint("places IS NULL OR places >= 1", name="places_positive"),
        CheckConstraint(
            "hours_per_month IS NULL OR hours_per_month BETWEEN 1 AND 200",
            name="hours_per_month_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=OpportunityStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(120), default="")
    modality: Mapped[str] = mapped_column(String(20))
    # Projects: the dates of the work. Placements: the start window (earliest to latest start).
    # Teaching: the local dates of the first and last occurrence, kept for listing and filtering.
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    hours_per_month: Mapped[int | None] = mapped_column(SmallInteger)
    places: Mapped[int | None] = mapped_column(SmallInteger)

    # Tele-teaching: times are entered in the host's zone and stored in UTC per occurrence.
    host_time_zone: Mapped[str | None] = mapped_column(String(64))
    duration_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    capacity: Mapped[int | None] = mapped_column(SmallInteger)
    join_link: Mapped[str | None] = mapped_column(String(500))
    audience: Mapped[str | None] = mapped_column(String(200))
    learners_expected: Mapped[int | None] = mapped_column(Integer)
    recurrence: Mapped[str] = mapped_column(String(10), default=Recurrence.NONE)
    occurrences: Mapped[int] = mapped_column(SmallInteger, default=1)

    # Return placements.
    host_institution: Mapped[str | None] = mapped_column(String(200))
    duration_months: Mapped[int | None] = mapped_column(SmallInteger)
    support_travel: Mapped[bool] = mapped_column(default=False)
    support_housing: Mapped[bool] = mapped_column(default=False)
    support_stipend: Mapped[bool] = mapped_column(default=False)
    service_commitment: Mapped[str | None] = mapped_column(Text)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why it was cancelled, as the organisation told the people taking part.
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[User | None] = relationship()
    # What it wants, in the order entered: a match's reasons and gaps list them in that order.
    professions: Mapped[list["OpportunityProfession"]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="OpportunityProfession.id",
    )
    skills: Mapped[list["OpportunitySkill"]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="OpportunitySkill.id",
    )
    languages: Mapped[list["OpportunityLanguage"]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="OpportunityLanguage.id",
    )
    sessions: Mapped[list["TeachingSession"]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        order_by="TeachingSession.starts_at",
    )

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.kind} {self.status}>"


class OpportunityProfession(db.Model):
    __tablename__ = "opportunity_professions"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "profession"),
        Index("ix_opportunity_professions_search", "profession", "opportunity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    profession: Mapped[str] = mapped_column(String(40))

    opportunity: Mapped[Opportunity] = relationship(back_populates="professions")


class OpportunitySkill(db.Model):
    """A wanted skill: a curated skill code with the minimum level (1-4, as on profiles)."""

    __tablename__ = "opportunity_skills"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "code"),
        Index("ix_opportunity_skills_search", "code", "opportunity_id"),
        CheckConstraint("min_level BETWEEN 1 AND 4", name="min_level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(80))
    min_level: Mapped[int] = mapped_column(SmallInteger, default=1)

    opportunity: Mapped[Opportunity] = relationship(back_populates="skills")


class OpportunityLanguage(db.Model):
    """A wanted language (ISO 639-3) with the minimum proficiency (1-4, as on profiles)."""

    __tablename__ = "opportunity_languages"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "language"),
        Index("ix_opportunity_languages_search", "language", "opportunity_id"),
        CheckConstraint("min_proficiency BETWEEN 1 AND 4", name="min_proficiency_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(3))
    min_proficiency: Mapped[int] = mapped_column(SmallInteger, default=2)

    opportunity: Mapped[Opportunity] = relationship(back_populates="languages")


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


def new_calendar_uid() -> str:
    return f"{secrets.token_hex(16)}@diaspora"


class TeachingSession(db.Model):
    """One occurrence of a tele-teaching opportunity. `booked` counts the places taken; the
    check constraint is the database's last word against overbooking."""

    __tablename__ = "teaching_sessions"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "number"),
        Index("ix_teaching_sessions_starts_at", "starts_at"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(SmallInteger, default=1)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    capacity: Mapped[int] = mapped_column(SmallInteger)
    booked: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED)
    # RFC 5545: a stable UID, and a SEQUENCE raised on every change people must see.
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_calendar_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    opportunity: Mapped[Opportunity] = relationship(back_populates="sessions")

    def __repr__(self) -> str:
        return f"<TeachingSession {self.id} of {self.opportunity_id}>"
