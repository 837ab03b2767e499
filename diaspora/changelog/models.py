"""The log of changes to what the copies kept in memory read, and the one row that says how far
it has been pruned (changelog.changes)."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.core.time import utcnow
from diaspora.extensions import db


class ChangeCounter(db.Model):
    """One row. `pruned_through`: the highest version pruning has deleted, so that a copy that
    had not read up to it reloads everything. `version`: SQLite only, the latest version, raised
    by each changing transaction (SQLite has one writer at a time, so raising it costs no
    concurrency); on PostgreSQL the version is the writing transaction's id and this row is
    written only by pruning."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)


class Change(db.Model):
    """A profile, an account or an opportunity whose matching inputs changed, or an engagement
    whose impact figures may have (its own row or its approved hours), under the version of the
    transaction that changed it. No foreign keys: the change of a deleted row says that it is
    gone."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    profile_id: Mapped[int | None]
    user_id: Mapped[int | None]
    opportunity_id: Mapped[int | None]
    engagement_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
