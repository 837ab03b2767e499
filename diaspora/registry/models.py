from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.extensions import db


class Visibility(StrEnum):
    """Who may see a profile. Admins may always open it; private profiles are never listed."""

    PRIVATE = "private"
    COORDINATORS = "coordinators"
    VERIFIED_ORGANISATIONS = "verified_organisations"


VISIBILITY_LABELS = {
    Visibility.PRIVATE: N_("Only me (and the service's administrators)"),
    Visibility.COORDINATORS: N_("Volunteer coordinators at verified charities and NHS trusts"),
    Visibility.VERIFIED_ORGANISATIONS: N_(
        "Coordinators and members of verified partner organisations"
    ),
}


class Modality(StrEnum):
    REMOTE = "remote"
    ON_SITE = "on_site"
    BOTH = "both"


MODALITY_LABELS = {
    Modality.REMOTE: N_("Remotely"),
    Modality.ON_SITE: N_("On site"),
    Modality.BOTH: N_("Remotely or on site"),
}


class TieKind(StrEnum):
    BORN = "born"
    TRAINED = "trained"
    HERITAGE = "heritage"
    WORKED = "worked"


TIE_LABELS = {
    TieKind.BORN: N_("Born there"),
    TieKind.TRAINED: N_("Trained there"),
    TieKind.HERITAGE: N_("Family heritage"),
    TieKind.WORKED: N_("Worked there"),
}
# The same inside a sentence, as in "Bangladesh (born there)".
TIE_NAMES = {
    TieKind.BORN: N_("born there"),
    TieKind.TRAINED: N_("trained there"),
    TieKind.HERITAGE: N_("family heritage"),
    TieKind.WORKED: N_("worked there"),
}

# Ordered: a search for "professional" also finds fluent and native speakers.
PROFICIENCY_LABELS = {
    1: N_("Basic"),
    2: N_("Professional"),
    3: N_("Fluent"),
    4: N_("Native"),
}
SKILL_LEVEL_LABELS = {
    1: N_("Aware"),
    2: N_("Practitioner"),
    3: N_("Expert"),
    4: N_("Can teach others"),
}


class StaffProfile(db.Model):
    """What an NHS staff member offers, and to whom they show it. One per staff account."""

    __tablename__ = "staff_profiles"
    __table_args__ = (
        CheckConstraint("hours_per_month BETWEEN 0 AND 200", name="hours_range"),
        CheckConstraint("years_experience BETWEEN 0 AND 70", name="years_range"),
        Index("ix_staff_profiles_listing", "visibility", "consent_to_contact", "profession"),
        # The directory (migration 0022). Each holds completed profiles only (the listing
        # rule's first part) and every column the listing rule, the column filters and the
        # order read, user_id included (disabled accounts are left out by it): searches are
        # answered from an index alone, never from the wide table rows. The first finds
        # profiles by audience, profession and grade; the second gives the listed in order of
        # recency, so the most recent twenty are the first twenty that pass the filters; the
        # third checks, by id, the profiles a skill, language or country tie leads to.
        Index(
            "ix_staff_profiles_listed",
            "visibility",
            "profession",
            "grade",
            "modality",
            "hours_per_month",
            "unavailable_until",
            "user_id",
            "id",
            sqlite_where=text("completed_at IS NOT NULL"),
            postgresql_where=text("completed_at IS NOT NULL"),
        ),
        Index(
            "ix_staff_profiles_listed_recent",
            "last_active_at",
            "id",
            "visibility",
            "user_id",
            "profession",
            "grade",
            "modality",
            "hours_per_month",
            "unavailable_until",
            sqlite_where=text("completed_at IS NOT NULL"),
            postgresql_where=text("completed_at IS NOT NULL"),
        ),
        Index(
            "ix_staff_profiles_listed_by_id",
            "id",
            "visibility",
            "user_id",
            "last_active_at",
            "profession",
            "grade",
            "modality",
            "hours_per_month",
            "unavailable_until",
            sqlite_where=text("completed_at IS NOT NULL"),
            postgresql_where=text("completed_at IS NOT NULL"),
        ),
        # Directory free-text search, PostgreSQL only (SQLite has no tsvector and uses LIKE).
        # Alembic's autogenerate leaves it out elsewhere: diaspora.models.metadata_for.
        Index("ix_staff_profiles_search_vector", "search_vector", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)

    profession: Mapped[str | None] = mapped_column(String(48))
    grade: Mapped[str | None] = mapped_column(String(32))
    specialty: Mapped[str] = mapped_column(String(120), default="")
    nhs_employer: Mapped[str] = mapped_column(String(200), default="")
    years_experience: Mapped[int | None]
    bio: Mapped[str] = mapped_column(Text, default="")

    hours_per_month: Mapped[int | None]
    modality: Mapped[str | None] = mapped_column(String(16))
    notice_weeks: Mapped[int | None] = mapped_column(SmallInteger)
    unavailable_until: Mapped[date | None] = mapped_column(Date)

    visibility: Mapped[str] = mapped_column(String(32), default=Visibility.PRIVATE)
    consent_to_contact: Mapped[bool] = mapped_column(default=False)

    # Name, specialty, bio and skills in one lower-cased text, for free-text search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # PostgreSQL: to_tsvector('simple', search_text), kept up to date by a trigger (migration
    # 0003), so full-text search and ranking never re-parse the text. Never set it yourself.
    # SQLite: always NULL (its search uses LIKE on search_text). Not loaded unless asked for.
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"), deferred=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    last_active_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    user: Mapped[User] = relationship(backref=db.backref("profile", uselist=False))
    ties: Mapped[list["CountryTie"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="CountryTie.id"
    )
    languages: Mapped[list["LanguageSkill"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="LanguageSkill.id"
    )
    skills: Mapped[list["ProfileSkill"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ProfileSkill.id"
    )
    windows: Mapped[list["AvailabilityWindow"]] = relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="AvailabilityWindow.starts_on",
    )


class CountryTie(db.Model):
    __tablename__ = "country_ties"
    __table_args__ = (
        UniqueConstraint("profile_id", "country", "kind"),
        Index("ix_country_ties_search", "country", "kind", "profile_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("staff_profiles.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(16))

    profile: Mapped[StaffProfile] = relationship(back_populates="ties")


class LanguageSkill(db.Model):
    __tablename__ = "profile_languages"
    __table_args__ = (
        UniqueConstraint("profile_id", "language"),
        Index("ix_profile_languages_search", "language", "proficiency", "profile_id"),
        CheckConstraint("proficiency BETWEEN 1 AND 4", name="proficiency_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("staff_profiles.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(3))  # ISO 639-3
    proficiency: Mapped[int] = mapped_column(SmallInteger)

    profile: Mapped[StaffProfile] = relationship(back_populates="languages")


class ProfileSkill(db.Model):
    """A skill at a level: a code from the curated taxonomy, or `tag:<slug>` for a free tag.

    For a free tag, `tag` keeps the words as the person typed them.
    """

    __tablename__ = "profile_skills"
    __table_args__ = (
        UniqueConstraint("profile_id", "code"),
        Index("ix_profile_skills_search", "code", "level", "profile_id"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("staff_profiles.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str | None] = mapped_column(String(60))
    level: Mapped[int] = mapped_column(SmallInteger)

    profile: Mapped[StaffProfile] = relationship(back_populates="skills")


class AvailabilityWindow(db.Model):
    """Dates when the person could travel to work on site."""

    __tablename__ = "availability_windows"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("staff_profiles.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    profile: Mapped[StaffProfile] = relationship(back_populates="windows")
