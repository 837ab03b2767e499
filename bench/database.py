"""Fresh benchmark databases: empty, then migrated to head by the app's Alembic migrations."""

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from diaspora import create_app
from diaspora.config import Config
from diaspora.extensions import db


@contextmanager
def fresh_database(postgresql_url: str | None) -> Iterator[str]:
    """Yield the URL of an empty database migrated to head.

    A temporary SQLite file (deleted afterwards) when postgresql_url is None; otherwise the
    database at postgresql_url, its public schema dropped and recreated first.
    """
    if postgresql_url is None:
        with tempfile.TemporaryDirectory(prefix="bench-") as directory:
            url = f"sqlite:///{Path(directory) / 'bench.sqlite'}"
            migrate_to_head(url)
            yield url
    else:
        _reset_public_schema(postgresql_url)
        migrate_to_head(postgresql_url)
        yield postgresql_url


def migrate_to_head(url: str) -> None:
    """`flask db upgrade` on the database at url."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _reset_public_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
