"""Scheduled work on engagements: each job commits its own changes, may run any number of times
(what it did once it never does again) and returns how many engagements it dealt with."""

from datetime import datetime

from diaspora.core.time import utcnow
from diaspora.engagements import services
from diaspora.extensions import db


def nudge_unanswered(now: datetime | None = None) -> int:
    """Tell the organisation, once, of applications unanswered for 7 days."""
    count = services.nudge_unanswered(db.session, now or utcnow())
    db.session.commit()
    return count


def expire_unanswered(now: datetime | None = None) -> int:
    """Applications unanswered for 21 days expire; the applicant is told."""
    count = services.expire_unanswered(db.session, now or utcnow())
    db.session.commit()
    return count


def complete_finished(now: datetime | None = None) -> int:
    """Active engagements past their end date (or the opportunity's) are completed."""
    count = services.complete_finished(db.session, now or utcnow())
    db.session.commit()
    return count
