"""Scheduled work on matching: the weekly digests of new opportunities, and pruning the log of
changes. Each commits its own changes, may run any number of times, and returns a count."""

from datetime import datetime, timedelta

from sqlalchemy import delete

from diaspora.changelog.models import Change
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
    """Delete the log of changes older than CHANGES_KEPT; returns how many rows went."""
    cutoff = (now or utcnow()) - CHANGES_KEPT
    deleted = db.session.execute(delete(Change).where(Change.created_at < cutoff)).rowcount
    db.session.commit()
    return deleted
