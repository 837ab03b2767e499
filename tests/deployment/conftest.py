"""Fixtures for the deployment tests: a migrated PostgreSQL schema of their own, whose commits
other processes see, and the programs they run, skipped and saying why when one is missing (a
failure under CI, whose `make test` installs them)."""

import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from bench.server import SECRET_KEY, nginx_binary
from diaspora import create_app
from diaspora.config import TestConfig
from diaspora.extensions import db as _db
from tests.conftest import PG_URL, own_database, schema_name
from tests.factories import Factories

REDIS = ("127.0.0.1", 6379)


def required(present: bool, reason: str) -> None:
    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the deployment tests", pytrace=False)
    pytest.skip(f"deployment tests: {reason}")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Deployed:
    app: Flask  # in the test's process, on the same database, with the nodes' SECRET_KEY
    url: str
    schema: str

    def factories(self) -> Factories:
        return Factories(_db.session)


@pytest.fixture
def deployed() -> Iterator[Deployed]:
    """A schema of its own (PostgreSQL only: several web nodes need a database server) and an
    app in this process on it, in whose context the test runs. Data made here signs in on the
    nodes: the same SECRET_KEY (second factors' secrets) and password hashing settings."""
    if not PG_URL:
        pytest.skip("PostgreSQL only: set TEST_DATABASE_URL to run it (CI does)")
    with own_database("postgresql", None, "deployment") as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=SECRET_KEY)
        with app.app_context():
            yield Deployed(app, url, schema_name("deployment"))
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def servers() -> None:
    """nginx and Redis, which the nodes test needs."""
    required(nginx_binary() is not None, "nginx is not installed (`make servers` installs it)")
    required(_redis_answers(), "Redis is not running on 127.0.0.1:6379")


@pytest.fixture
def pg_tools() -> None:
    """pg_dump and pg_restore, for the backup round trip."""
    required(
        shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None,
        "pg_dump or pg_restore is not installed (`make servers` installs postgresql-client)",
    )
