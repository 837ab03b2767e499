from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.registry.models import StaffProfile


class CredentialStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Credential(db.Model):
    """A professional registration: a UK regulator (validated format) or a home-country council."""

    __tablename__ = "credentials"
    __table_args__ = (
        # "Verified" (verified_credential_clause) for the profiles a search finds, by id, from
        # this index alone (migration 0022): at a million profiles the directory's "verified
        # only" filter checks thousands of them.
        Index(
            "ix_credentials_verified",
            "profile_id",
            "expires_on",
            sqlite_where=text("status = 'verified'"),
            postgresql_where=text("status = 'verified'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("staff_profiles.id", ondelete="CASCADE"), index=True
    )
    regulator: Mapped[str] = mapped_column(String(16))  # GMC, NMC, HCPC, GPhC, GDC or OTHER
    regulator_name: Mapped[str] = mapped_column(String(200), default="")  # for OTHER
    country: Mapped[str] = mapped_column(String(2), default="GB")
    number: Mapped[str] = mapped_column(String(40))
    expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=CredentialStatus.UNVERIFIED, index=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    profile: Mapped[StaffProfile] = relationship(
        backref=db.backref("credentials", cascade="all, delete-orphan", order_by="Credential.id")
    )
    verified_by: Mapped[User | None] = relationship()
