"""Scheduled work on cohorts: each job commits its own changes, may run any number of times and
returns how many records it dealt with."""

from datetime import datetime

from diaspora.cohorts import volunteers
from diaspora.core.time import utcnow
from diaspora.extensions import db


def forget_old_imports(now: datetime | None = None) -> int:
    """Uploaded spreadsheets are kept no longer than needed: unconfirmed ones for two days,
    a confirmed one's refused rows for 30 days (the invitations hold the rest)."""
    count = volunteers.forget_old_imports(db.session, now or utcnow())
    db.session.commit()
    return count
