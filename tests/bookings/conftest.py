"""Fixtures for the bookings tests: tele-teaching opportunities, staff who may book, and, for the
concurrency test, a database of its own whose commits other threads can see."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import event

from diaspora import create_app
from diaspora.auth.models import User
from diaspora.config import TestConfig
from diaspora.extensions import db as _db
from diaspora.opportunities.models import Opportunity
from tests.conftest import own_database
from tests.factories import Factories


@pytest.fixture
def staff(make, db):
    """A staff member with a completed profile: someone who may book."""

    def _staff(name: str | None = None, **kwargs) -> User:
        user = make.user(roles=["staff"], name=name, **kwargs)
        db.session.refresh(user)
        make.profile(user)
        return user

    return _staff


@pytest.fixture
def host(make):
    """A partner who manages the tele-teaching opportunities made by `teaching`."""
    return make.user(roles=["partner"], name="Hana Host")


@pytest.fixture
def teaching(make, host):
    """A tele-teaching opportunity of `host`'s verified organisation."""

    def _teaching(
        *, sessions: int = 1, capacity: int = 20, starts_at: datetime | None = None, **fields
    ) -> Opportunity:
        organisation = make.organisation(owner=host, name="Sylhet Nursing College")
        return make.opportunity(
            organisation,
            kind="teaching",
            sessions=sessions,
            capacity=capacity,
            starts_at=starts_at,
            title=fields.pop("title", "Neonatal resuscitation for nursing students"),
            join_link=fields.pop("join_link", "https://meet.example.org/secret-room-42"),
            **fields,
        )

    return _teaching


# A database of its own, for tests whose threads must see each other's commits -----------------


@dataclass
class CommittedDatabase:
    app: Flask
    url: str
    backend: str

    def factories(self) -> Factories:
        return Factories(_db.session)


def _no_fsync(dbapi_connection, _record) -> None:
    """Commits without waiting for the disk (tens of milliseconds each here): what is tested
    is who gets the write lock and when, which this does not change."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_database(request, tmp_path) -> Iterator[CommittedDatabase]:
    """A freshly migrated database (a SQLite file, or a PostgreSQL schema of its own) and an
    app on it with a connection pool big enough for the test's threads. Nothing is rolled back:
    it is dropped afterwards."""
    with own_database(request.param, tmp_path, "bookings") as url:
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=url,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 40, "max_overflow": 0, "pool_timeout": 60},
        )
        with app.app_context():
            if request.param == "sqlite":
                event.listen(_db.engine, "connect", _no_fsync)
            yield CommittedDatabase(app, url, request.param)
            _db.session.remove()
            _db.engine.dispose()
