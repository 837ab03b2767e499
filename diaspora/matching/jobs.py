"""Scheduled work on matching: the weekly digests of new opportunities. Commits its own changes,
may run any number of times, and returns how many digests it sent."""

from datetime import datetime

from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.matching import alerts


def weekly_digests(now: datetime | None = None) -> int:
    """From 09:00 on Monday in each person's time zone, one digest of the week's strong matches."""
    count = alerts.weekly_digests(db.session, now or utcnow())
    db.session.commit()
    return count
