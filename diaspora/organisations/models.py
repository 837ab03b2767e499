from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.reference.places import DEFAULT_TIME_ZONE


class OrganisationKind(StrEnum):
    NHS_TRUST = "nhs_trust"
    PARTNER_INSTITUTION = "partner_institution"
    UNIVERSITY = "university"
    CHARITY = "charity"
    GOVERNMENT = "government"
    OTHER = "other"


KIND_LABELS = {
    OrganisationKind.NHS_TRUST: N_("NHS trust"),
    OrganisationKind.PARTNER_INSTITUTION: N_("Partner hospital or health institution"),
    OrganisationKind.UNIVERSITY: N_("University"),
    OrganisationKind.CHARITY: N_("Charity"),
    OrganisationKind.GOVERNMENT: N_("Government body"),
    OrganisationKind.OTHER: N_("Other"),
}

# Members of these organisations coordinate volunteers; members of the others are partners.
COORDINATING_KINDS = {OrganisationKind.NHS_TRUST, OrganisationKind.CHARITY}


class Verification(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class MemberRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class MembershipStatus(StrEnum):
    REQUESTED = "requested"  # the person asked to join; an owner decides
    ACTIVE = "active"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    verification: Mapped[str] = mapped_column(String(16), default=Verification.PENDING, index=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Mail domains an administrator confirmed the organisation uses (lower-case DNS names,
    # see organisations.services.set_email_domains). A line manager's address at one of them
    # (or a subdomain) is accepted for a release while the organisation is a verified NHS
    # trust (engagements.services.manager_email_problem). Its own members cannot change it.
    email_domains: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # IANA name; the zone its new tele-teaching sessions start in unless the poster picks another.
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    verified_by: Mapped[User | None] = relationship()

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[OrganisationKind(self.kind)]


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=MemberRole.MEMBER)
    status: Mapped[str] = mapped_column(String(16), default=MembershipStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def is_owner(self) -> bool:
        return self.role == MemberRole.OWNER and self.status == MembershipStatus.ACTIVE


class OrganisationInvitation(db.Model):
    """An emailed invitation to join. Its link carries this row's id and works once: it dies
    when accepted, withdrawn by an owner, when the invited person is removed from the
    organisation, and while the organisation is rejected."""

    __tablename__ = "organisation_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # auth.services.fingerprint of the invited address: the address itself is not kept.
    email_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.withdrawn_at is None
