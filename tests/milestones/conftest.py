"""Fixtures for the plans and milestones tests (the shipped templates, a coordinator and
`make_plan` are shared: tests/fixtures/plans.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from diaspora.milestones.models import Milestone, Plan
from diaspora.notifications.models import Notification


@pytest.fixture
def staff(make):
    return make.user(roles=["staff"], name="Sam Staff")


@pytest.fixture
def add_milestone(db):
    """A fixed milestone added straight to a plan; `scheduled_at` backdates when it was set."""

    def _add(plan: Plan, due_on: date, *, title: str = "Own milestone", scheduled_at=None):
        milestone = Milestone(
            plan=plan,
            title=title,
            due_on=due_on,
            anchor="fixed",
            created_by_user=True,
            scheduled_at=scheduled_at or datetime(2020, 1, 1, tzinfo=UTC),
        )
        db.session.add(milestone)
        db.session.commit()
        return milestone

    return _add


@pytest.fixture
def outbox(db):
    """The in-app rows (one per reminder) as (recipient id, kind, dedupe key, due_at)."""

    def _rows(prefix: str = "") -> list[Notification]:
        query = select(Notification).where(Notification.channel == "inbox")
        if prefix:
            query = query.where(Notification.dedupe_key.like(f"{prefix}%"))
        return list(db.session.scalars(query.order_by(Notification.id)))

    return _rows


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_app(request, tmp_path):
    """The app on a migrated database of its own whose commits are real, for jobs run in several
    threads at once (the shared test database rolls each test back, on one connection)."""
    from diaspora import create_app
    from diaspora.config import TestConfig
    from diaspora.extensions import db as _db
    from tests.conftest import own_database

    with own_database(request.param, tmp_path, "milestones") as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        yield app
        with app.app_context():
            _db.engine.dispose()
