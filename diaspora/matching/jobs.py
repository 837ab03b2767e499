"""Scheduled work on matching: the weekly digests of new opportunities, and pruning the log of
changes. Each commits its own changes, may run any number of times, and returns a count."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from diaspora.changelog.models import Change, ChangeCounter
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.matching import alerts

# Copies in memory read the log on every call; one idle for longer than this reloads everything.
CHANGES_KEPT = timedelta(days=1)


def weekly_digests(now: datetime | None = None) -> int:
    """From 09:00 on Monday in each person's time zone, one digest of the week's strong matches."""
    count = alerts.weekly_digests(db.session, now or utcnow())
    db.session.commit()
    return count


def prune_changes(now: datetime | None = None) -> int:
    """Delete the log of changes older than CHANGES_KEPT, and note the highest version deleted:
    a copy whose horizon is not above it may not have read them all, and reloads (which only a
    transaction left open longer than CHANGES_KEPT can cause for a copy in use). Returns how
    many rows went."""
    old = Change.created_at < (now or utcnow()) - CHANGES_KEPT  # nothing written now is as old
    highest = db.session.scalar(select(func.max(Change.version)).where(old))
    deleted = 0
    if highest is not None:
        deleted = db.session.execute(delete(Change).where(old)).rowcount
        counter = ChangeCounter.__table__
        db.session.execute(
            update(counter)
            .where(counter.c.id == 1, counter.c.pruned_through < highest)
            .values(pruned_through=highest)
        )
    db.session.commit()
    return deleted
