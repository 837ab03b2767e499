"""A backup made with pg_dump restores with pg_restore into a new database, which the service
then reads as it read the original (docs/operations.md, "Backups")."""

import secrets
import subprocess

import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.engine import Engine

from diaspora import config, create_app
from diaspora.auth.services import find_user_by_email
from diaspora.extensions import db
from tests.conftest import PG_URL
from tests.factories import Factories


def _libpq(database: str | None = None) -> str:
    """TEST_DATABASE_URL as pg_dump and pg_restore take it, naming `database` if given."""
    url = make_url(PG_URL).set(drivername="postgresql")
    return url.set(database=database or url.database).render_as_string(hide_password=False)


def _rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every table's rows in primary key order, and the schema's migration."""
    with engine.connect() as connection:
        rows = {
            table.name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }
        rows["alembic_version"] = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).all()
    return rows


def _on_server(statement: str) -> None:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.mark.slow
def test_a_dump_restored_into_a_new_database_reads_the_same(pg_tools, deployed, tmp_path):
    make = deployed.factories()
    host = make.user(roles=["partner"])
    opportunity = make.opportunity(make.organisation(owner=host), kind="teaching", sessions=2)
    person = make.profile().user
    make.engagement(opportunity, person, state="accepted", session=opportunity.sessions[0])
    make.cohort(members=(person,))
    email = person.email
    original = _rows(db.engine)
    assert all(original[name] for name in ("users", "engagements", "teaching_sessions"))

    dump = tmp_path / "diaspora.dump"
    dumped = ["pg_dump", "--format=custom", f"--schema={deployed.schema}", f"--file={dump}"]
    subprocess.run([*dumped, _libpq()], check=True)
    scratch = f"restore_{secrets.token_hex(6)}"
    _on_server(f'CREATE DATABASE "{scratch}"')
    try:
        restore = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(scratch)}"]
        subprocess.run([*restore, str(dump)], check=True)
        restored = (
            make_url(deployed.url).set(database=scratch).render_as_string(hide_password=False)
        )
        app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=restored)
        with app.app_context():
            try:
                assert _rows(db.engine) == original
                assert find_user_by_email(db.session, email).id == person.id
                # The sequences came back too: new rows take new ids.
                newcomer = Factories(db.session).user()
                assert newcomer.id > max(row.id for row in original["users"])
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        _on_server(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
