"""The models and the Alembic migrations must describe the same schema, on both databases."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from diaspora.extensions import db
from diaspora.models import metadata_for


def _migrate_config(app):
    return app.extensions["migrate"].migrate.get_config()


def _schema_diff(app) -> list:
    options = app.extensions["migrate"].configure_args
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": options["compare_type"], "render_as_batch": True},
        )
        # as migrations/env.py does: no PostgreSQL-only index is expected on SQLite
        return compare_metadata(context, metadata_for(connection.dialect.name))


def test_models_match_migrations(app):
    assert _schema_diff(app) == []


def test_every_revision_downgrades_and_upgrades_again(app):
    config = _migrate_config(app)
    try:
        command.downgrade(config, "base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
    finally:
        command.upgrade(config, "head")
    assert "users" in inspect(db.engine).get_table_names()
    assert _schema_diff(app) == []
