from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.auth.models import User
from diaspora.core.time import as_utc, utcnow
from diaspora.core.words import N_
from diaspora.extensions import db


class Scope:
    READ = "read"
    READ_WRITE = "read-write"


SCOPE_LABELS = {Scope.READ: N_("Read only"), Scope.READ_WRITE: N_("Read and write")}


class AccessToken(db.Model):
    """A personal access token. Only the SHA-256 digest of the secret is kept: the secret is
    shown once, when it is made. `prefix` (the first characters) lets a person tell tokens
    apart without it."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(12))
    prefix: Mapped[str] = mapped_column(String(12))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    @property
    def expired(self) -> bool:
        return as_utc(self.expires_at) <= utcnow()

    @property
    def writes(self) -> bool:
        return self.scope == Scope.READ_WRITE

    def __repr__(self) -> str:  # never the secret, nor its digest
        return f"<AccessToken {self.id} {self.prefix} {self.scope}>"
