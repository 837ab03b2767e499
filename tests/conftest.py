"""Fixtures shared by every test.

Every test that uses `app` runs twice: on SQLite, and on PostgreSQL when TEST_DATABASE_URL is
set (CI sets it); without it the PostgreSQL run is skipped and says why. The schema comes from
the Alembic migrations, never from create_all(), so the tests exercise what production runs.
"""

import os
from contextlib import contextmanager

import pytest
from alembic import command
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

from diaspora import create_app
from diaspora.config import TestConfig
from diaspora.extensions import db as _db
from diaspora.extensions import limiter
from tests.factories import Factories
from tests.helpers import QueryCounter, SmtpSink, sign_in

# Fixtures more than one folder uses; a folder's own conftest keeps those only it uses.
pytest_plugins = ["tests.fixtures.impact", "tests.fixtures.plans"]

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _schema_url(url: str, schema: str) -> str:
    """The same database, with every connection's search_path set to one schema."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def _recreate_schema(url: str, schema: str, *, drop_only: bool = False) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if not drop_only:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def migrate_to_head(url: str) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        command.upgrade(config, "head")
        _db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated database per backend, shared by the whole run.

    On PostgreSQL each run gets a schema of its own, so runs side by side never collide.
    """
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL to run it (CI does)")
        schema = f"test_run_{os.getpid()}"
        _recreate_schema(PG_URL, schema)
        url = _schema_url(PG_URL, schema)
        migrate_to_head(url)
        yield url
        _recreate_schema(PG_URL, schema, drop_only=True)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        migrate_to_head(url)
        yield url


@pytest.fixture
def app(request, database_url):
    """The application; `@pytest.mark.app_config(KEY=value)` overrides its configuration."""
    marker = request.node.get_closest_marker("app_config")
    overrides = marker.kwargs if marker else {}
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    with app.app_context():
        yield app
        _db.engine.dispose()


@contextmanager
def rolled_back():
    """The database session, inside a transaction rolled back at the end.

    Code under test commits as usual: its commits release savepoints in the outer transaction.
    """
    connection = _db.engine.connect()
    outer = connection.begin()
    original = _db.session
    _db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    limiter.reset()
    try:
        yield _db
    finally:
        _db.session.remove()
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def db(app):
    """The database session, inside a transaction rolled back after the test."""
    with rolled_back() as database:
        yield database


class AppClient(FlaskClient):
    """Requests share the test's application context, and so its database session, but each
    starts with an empty `g`, as in production: otherwise Flask-Login's cached user and
    Flask-WTF's cached token would leak from one request into the next."""

    def open(self, *args, **kwargs):
        g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app, db):
    app.test_client_class = AppClient
    return app.test_client()


@pytest.fixture
def make(db) -> Factories:
    return Factories(db.session)


@pytest.fixture
def login_as(client, make):
    """Sign a fresh verified account with the given role in through the real sign-in form."""

    def _login(role: str = "staff", **kwargs):
        user = make.user(roles=[role] if role else [], **kwargs)
        sign_in(client, user.email)
        return user

    return _login


@pytest.fixture
def queries(app) -> QueryCounter:
    return QueryCounter(_db.engine)


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free local port; the app sends its mail there."""
    sink = SmtpSink()
    sink.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    yield sink
    sink.stop()
