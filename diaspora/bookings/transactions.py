"""Running one booking change as a transaction of its own, for the edges (views, jobs, tests of
concurrency): begin it the way the database needs, run it, commit it.

On SQLite the change takes the write lock when it begins (see services.begin_change), so it
waits its turn rather than failing. A turn that does not come within the busy timeout (many
writers at once) raises "database is locked": the change, which wrote nothing, is tried again
from the start, a few times, before the error is let through.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from diaspora.bookings.services import begin_change

T = TypeVar("T")
ATTEMPTS = 3


def locked_out(error: OperationalError) -> bool:
    """SQLite's "database is locked" (or "busy"): nothing was done, trying again is safe."""
    message = str(error.orig).lower()
    return "database is locked" in message or "database is busy" in message


def run_change(session: Session, change: Callable[[], T]) -> T:
    """Run `change()` in a fresh transaction and commit it; roll back if it raises.

    Exceptions from the change (booking refusals) are raised as they are, after the rollback.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            begin_change(session)  # on SQLite, this is where the wait for the lock is
            result = change()
            session.commit()
            return result
        except OperationalError as error:
            session.rollback()
            if attempt == ATTEMPTS or not locked_out(error):
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover
