"""Fixtures shared by every test.

Every test that uses `app` runs twice: on SQLite, and on PostgreSQL when TEST_DATABASE_URL is
set (CI sets it); without it the PostgreSQL run is skipped and says why. The schema comes from
the Alembic migrations, never from create_all(), so the tests exercise what production runs.
"""

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

from diaspora import create_app
from diaspora.config import TestConfig
from diaspora.extensions import compress, csrf, limiter, login_manager, migrate
from diaspora.extensions import db as _db
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


def schema_name(name: str) -> str:
    """The PostgreSQL schema `own_database` makes for a test of this name."""
    return f"{name}_{os.getpid()}"


@contextmanager
def own_database(kind: str, directory, name: str) -> Iterator[str]:
    """The URL of a freshly migrated database whose commits are real, for tests of several
    connections or processes at once (the shared test database rolls each test back, on one
    connection): a SQLite file in `directory`, or a PostgreSQL schema of its own, dropped
    afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / f'{name}.sqlite'}"
        migrate_to_head(url)
        yield url
        return
    if not PG_URL:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL to run it (CI does)")
    schema = schema_name(name)
    _recreate_schema(PG_URL, schema)
    try:
        url = _schema_url(PG_URL, schema)
        migrate_to_head(url)
        yield url
    finally:
        _recreate_schema(PG_URL, schema, drop_only=True)


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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow`, and property tests (Hypothesis runs each many times), start first
    within their database's block, so that with several workers none of them is left running
    alone at the end while the others wait. The blocks pytest made stay whole (each switch
    between databases migrates one again); tests that bring their own database go first."""
    blocks: dict[object, int] = {}

    def key(item: pytest.Item) -> tuple[int, bool]:
        callspec = getattr(item, "callspec", None)
        database = callspec.params.get("database_url") if callspec else None
        slow = item.get_closest_marker("slow") or getattr(
            getattr(item, "obj", None), "is_hypothesis_test", False
        )
        block = blocks.setdefault(database, len(blocks)) if database else -1
        return block, not slow

    items.sort(key=key)


# Extensions that keep on themselves what init_app read from an app's configuration (the
# limiter its storage, Compress its types...): a test's own app re-initialises them, so the
# shared app puts its own back before each of its tests.
STATEFUL_EXTENSIONS = (limiter, compress, csrf, login_manager, migrate)


class SharedApp:
    """One application per backend and worker, reused by every test that needs no settings of
    its own. Creating an app costs about half a second (mostly compiling some 230 routes), which
    was most of the suite's time when every test made one.

    What a test may change is put back after it: the configuration, `app.extensions` (the
    in-memory copies of `changelog.mirror` live there, and must not outlive the rolled-back rows
    they read), the test client class, and the extensions' own state. Routes, hooks and other
    setup cannot be changed: Flask refuses them once an app has served a request, and the shared
    app is marked as having done so, so such a test fails at once and must ask for its own app
    with `@pytest.mark.own_app`."""

    def __init__(self, database_url: str) -> None:
        self.app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
        self.app._got_first_request = True  # setup methods raise, as on a running server
        self.config = copy.deepcopy(dict(self.app.config))
        self.extensions = dict(self.app.extensions)
        self.client_class = self.app.test_client_class
        self.extension_state = [(ext, dict(vars(ext))) for ext in STATEFUL_EXTENSIONS]

    def restore(self) -> None:
        app = self.app
        copies_loaded(app)
        if dict(app.config) != self.config:
            app.config.clear()
            app.config.update(copy.deepcopy(self.config))
        if app.extensions != self.extensions:
            app.extensions.clear()
            app.extensions.update(self.extensions)
        app.test_client_class = self.client_class
        for extension, state in self.extension_state:
            if vars(extension) != state:
                vars(extension).clear()
                vars(extension).update(state)


@pytest.fixture(scope="session")
def shared_app(database_url) -> Iterator[SharedApp]:
    shared = SharedApp(database_url)
    yield shared
    with shared.app.app_context():
        _db.engine.dispose()


@pytest.fixture
def app(request, database_url):
    """The application, shared by the tests on the same backend (see SharedApp).

    `@pytest.mark.app_config(KEY=value)` gives the test an app of its own with those settings;
    `@pytest.mark.own_app` an app of its own with the test settings, for a test that changes the
    app's setup (adds a route, a hook...)."""
    marker = request.node.get_closest_marker("app_config")
    if marker is None and request.node.get_closest_marker("own_app") is None:
        shared = request.getfixturevalue("shared_app")
        shared.restore()
        try:
            with shared.app.app_context():
                yield shared.app
        finally:
            shared.restore()
        return
    overrides = marker.kwargs if marker else {}
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    with app.app_context():
        yield app
        copies_loaded(app)
        _db.engine.dispose()


def copies_loaded(app) -> None:
    """Wait for the copies a readiness check started loading in the background, if any: its
    connection must be back in the pool before the test's database goes."""
    loading = app.extensions.get("changelog.warming")
    if loading is not None:
        loading.join(60)


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
