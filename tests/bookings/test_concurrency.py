"""Capacity under concurrency, on SQLite and on PostgreSQL: many people book the same session at
the same moment, each in a thread with its own database connection, through the same service
calls the pages make; then many cancel at once.

The threads work on a database of their own (`committed_database`): the usual `db` fixture's
rolled-back transaction is invisible to other connections.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from diaspora.bookings import services
from diaspora.bookings.transactions import run_change
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.extensions import db
from diaspora.notifications.models import Notification
from diaspora.opportunities.models import TeachingSession

ATTEMPTS = 200
CAPACITY = 20
ROUNDS = 3
CANCELLATIONS = (20, 20, 10)  # per round's session: 50 at once


def _all_at_once(app, work, calls: list[tuple]) -> list:
    """Run work(*call) for every call, each in a thread of its own with its own request
    context (so its own database session and connection), released together."""
    db.session.rollback()  # this thread's reads end: on SQLite an open one blocks every commit
    start = threading.Barrier(len(calls))

    def run(call):
        with app.test_request_context():
            start.wait(timeout=60)
            try:
                return work(*call)
            except Exception as error:  # reported, and the test fails on it
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _book(user_id: int, session_id: int) -> str:
    """As the booking page does it."""
    return run_change(
        db.session,
        lambda: services.book(db.session, user_id, session_id, join_waiting_list=True).state,
    )


def _cancel(user_id: int, session_id: int) -> int | None:
    """As the cancellation page does it; returns the booking that got the place."""

    def change():
        result = services.cancel(db.session, user_id, session_id)
        return result.promoted.id if result.promoted else None

    return run_change(db.session, change)


def _states(session_id: int) -> Counter:
    db.session.expire_all()
    return Counter(
        db.session.scalars(select(Engagement.state).where(Engagement.session_id == session_id))
    )


def _booked(session_id: int) -> int:
    return db.session.scalar(select(TeachingSession.booked).where(TeachingSession.id == session_id))


def _queue(session_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Engagement.id)
            .where(Engagement.session_id == session_id, Engagement.state == "waiting")
            .order_by(Engagement.queued_at, Engagement.id)
        )
    )


@pytest.mark.slow
def test_200_people_booking_20_places_at_once_then_50_cancelling(committed_database):
    app = committed_database.app
    people = [user.id for user in committed_database.factories().staff_members(ATTEMPTS)]
    opportunity = committed_database.factories().opportunity(
        kind="teaching",
        sessions=ROUNDS,
        capacity=CAPACITY,
        starts_at=(utcnow() + timedelta(days=3)).replace(microsecond=0),
    )
    session_ids = [s.id for s in opportunity.sessions]

    for session_id in session_ids:
        outcomes = _all_at_once(app, _book, [(person, session_id) for person in people])

        errors = [o for o in outcomes if isinstance(o, Exception)]
        assert errors == [], f"{len(errors)} attempts failed, e.g. {errors[0]!r}"
        assert Counter(outcomes) == {"accepted": CAPACITY, "waiting": ATTEMPTS - CAPACITY}
        assert _states(session_id) == {"accepted": CAPACITY, "waiting": ATTEMPTS - CAPACITY}
        assert _booked(session_id) == CAPACITY

    # 50 people with a place cancel at the same moment, spread over the three sessions.
    calls, expected = [], {}
    for session_id, count in zip(session_ids, CANCELLATIONS, strict=True):
        holders = db.session.scalars(
            select(Engagement.user_id)
            .where(Engagement.session_id == session_id, Engagement.state == "accepted")
            .order_by(Engagement.id)
        ).all()
        calls += [(user_id, session_id) for user_id in holders[:count]]
        expected[session_id] = _queue(session_id)[:count]
    promoted = _all_at_once(app, _cancel, calls)

    errors = [p for p in promoted if isinstance(p, Exception)]
    assert errors == [], f"{len(errors)} cancellations failed, e.g. {errors[0]!r}"
    assert None not in promoted
    assert len(promoted) == len(set(promoted)) == sum(CANCELLATIONS)  # no booking promoted twice
    for session_id, count in zip(session_ids, CANCELLATIONS, strict=True):
        assert _booked(session_id) == CAPACITY
        assert _states(session_id) == {
            "accepted": CAPACITY,
            "withdrawn": count,
            "waiting": ATTEMPTS - CAPACITY - count,
        }
        now_holding = set(
            db.session.scalars(
                select(Engagement.id).where(
                    Engagement.session_id == session_id, Engagement.state == "accepted"
                )
            )
        )
        assert set(expected[session_id]) <= now_holding  # the first in the queue, in order
    told = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.subject.like("You have a place:%"), Notification.channel == "inbox"
        )
    )
    assert told == sum(CANCELLATIONS)
