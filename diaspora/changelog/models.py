"""The log of changes to what the copies kept in memory read, and the counter that orders it."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.core.time import utcnow
from diaspora.extensions import db


class ChangeCounter(db.Model):
    """One row: the number of the latest change (changelog.changes). Raised with
    UPDATE ... RETURNING in the changing transaction, so its row lock makes the numbers commit
    in order: whoever has read up to N has missed nothing below N."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Change(db.Model):
    """A profile, an account or an opportunity whose matching inputs changed, or an engagement
    whose impact figures may have (its own row or its approved hours), under one counter
    number. No foreign keys: the change of a deleted row says that it is gone."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    profile_id: Mapped[int | None]
    user_id: Mapped[int | None]
    opportunity_id: Mapped[int | None]
    engagement_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
