import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.reference.places import DEFAULT_TIME_ZONE


class Role(StrEnum):
    STAFF = "staff"
    PARTNER = "partner"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


# Only these are stored (`UserRole`). Partners and coordinators follow from verified memberships
# (diaspora.organisations.access), so that no stored row can outlive what granted it.
STORED_ROLES = frozenset({Role.STAFF, Role.ADMIN})


ROLE_LABELS = {
    Role.STAFF: N_("NHS staff member"),
    Role.PARTNER: N_("Partner organisation member"),
    Role.COORDINATOR: N_("Volunteer coordinator"),
    Role.ADMIN: N_("Administrator"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Disabled accounts are few; lists that leave them out read this small index.
        Index(
            "ix_users_disabled",
            "id",
            sqlite_where=text("NOT active"),
            postgresql_where=text("NOT active"),
        ),
        # The reminder job asks whether anyone lives in the zones whose 09:00 has just come.
        Index("ix_users_time_zone", "time_zone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, which makes the unique index case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    # The language the person reads the service and their emails in (diaspora.languages);
    # None until they choose, when their browser's language is used.
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # Names the one email-change link that is still good: a newer request, a password change or
    # the change being made replaces or clears it, and every older link dies with it.
    email_change_nonce: Mapped[str | None] = mapped_column(String(32))
    # Flask-Login's alternative id: replacing it signs out every existing session.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def role_names(self) -> set[str]:
        """The stored roles; `organisations.access.roles_of` adds those memberships give."""
        return {role.role for role in self.roles if role.role in STORED_ROLES}

    def has_role(self, *roles: str) -> bool:
        """Whether the person has one of these stored roles. Asking about a role that follows
        from memberships is a mistake (it would always be False): use organisations.access."""
        derived = set(roles) - STORED_ROLES
        if derived:
            raise ValueError(f"Roles {sorted(derived)} follow from memberships, not from accounts")
        return bool(self.role_names.intersection(roles))

    def __repr__(self) -> str:  # no personal data in logs or tracebacks
        return f"<User {self.id}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint("role IN ('staff', 'admin')", name="stored_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")
