from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.organisations.models import Organisation


class Cohort(db.Model):
    """A named group of staff that one coordinating organisation (a charity or an NHS trust)
    coordinates, e.g. "Bangladesh maternal health volunteers 2027"."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str | None] = mapped_column(String(2))  # the country it mainly serves
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The random part of the cohort's signed invitation link; a new one revokes the old link,
    # none means the cohort has no link.
    invite_nonce: Mapped[str | None] = mapped_column(String(32))

    organisation: Mapped[Organisation] = relationship()
    members: Mapped[list["CohortMember"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.id}>"


class CohortMember(db.Model):
    """One person in one cohort. Leaving or being removed deletes the row."""

    __tablename__ = "cohort_members"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        Index("ix_cohort_members_user", "user_id", "cohort_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<CohortMember {self.cohort_id} {self.user_id}>"


class CohortMessage(db.Model):
    """A message a coordinator sent to everyone in a cohort, kept for the cohort's page. Each
    member's copy is a notification; the sender is forgotten (NULL) when their account goes."""

    __tablename__ = "cohort_messages"
    __table_args__ = (Index("ix_cohort_messages_cohort", "cohort_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)

    sender: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CohortMessage {self.id} of {self.cohort_id}>"


class VolunteerImport(db.Model):
    """A spreadsheet of volunteers a coordinator uploaded into a cohort, kept between the
    preview and the confirmation (never in the session cookie or the address). `rows` holds
    each row read, with its problems; once confirmed, only the refused rows stay (for the
    report of problems), as the invitations hold the rest. Confirmed once."""

    __tablename__ = "volunteer_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows: Mapped[list[dict]] = mapped_column(JSON, default=list)
    row_count: Mapped[int] = mapped_column(Integer, default=0)  # rows read, blank ones left out
    invited: Mapped[int] = mapped_column(Integer, default=0)  # invitations sent on confirming

    cohort: Mapped[Cohort] = relationship()

    def __repr__(self) -> str:
        return f"<VolunteerImport {self.id} of {self.cohort_id}>"


class CohortInvitation(db.Model):
    """An emailed invitation to one address to join one cohort (and, for someone without an
    account, to create one). One per address and cohort, so nobody is invited twice. Its link
    names this row and its nonce: it works until accepted, renewed or past `expires_at`.

    The profession, countries and languages from the import only pre-fill the person's own
    profile pages once they accept: nothing of theirs is listed anywhere before that."""

    __tablename__ = "cohort_invitations"
    __table_args__ = (UniqueConstraint("cohort_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_imports.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))  # lower-cased, as accounts store it
    name: Mapped[str] = mapped_column(String(120))
    profession: Mapped[str | None] = mapped_column(String(64))
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    nonce: Mapped[str] = mapped_column(String(32))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )  # who accepted

    cohort: Mapped[Cohort] = relationship()

    def __repr__(self) -> str:  # no personal data
        return f"<CohortInvitation {self.id} to {self.cohort_id}>"
