"""Each copy kept in memory declares exactly what its loader reads: a column read and not
tracked would change without being logged, and the copies would never see the change."""

import pytest
from sqlalchemy import Column, event, inspect
from sqlalchemy.sql import visitors

from diaspora.changelog.changes import KEYS
from diaspora.impact.work import Work
from diaspora.matching.openings import Openings
from diaspora.matching.staff_pool import StaffPool


def read_by(db, copy) -> dict[str, set[str]]:
    """The columns, by table, of every statement the copy's loader runs: loading everything (a
    profile at least), then reloading some rows of each kind it follows."""
    statements = []
    connection = db.session.connection()

    def seen(_connection, statement, *_args) -> None:
        statements.append(statement)

    event.listen(connection, "before_execute", seen)
    try:
        held = copy()
        held._load(db.session, None)
        held._load(db.session, {key: {1, 2} for key in held.KEYS})
    finally:
        event.remove(connection, "before_execute", seen)
    columns: dict[str, set[str]] = {}
    for statement in statements:
        for element in visitors.iterate(statement):
            if isinstance(element, Column) and element.table is not None:
                columns.setdefault(element.table.name, set()).add(element.name)
    return columns


def declared_by(copy) -> dict[str, set[str] | None]:
    """The columns each declaration tracks, by table (None: all of them), with the columns
    whose changes need no logging: the primary key, and the id the declaration logs."""
    tracked: dict[str, set[str] | None] = {}
    for declaration in copy.TRACKS:
        table = inspect(declaration.model).local_table
        assert declaration.key in KEYS
        if declaration.columns is None or tracked.get(table.name, set()) is None:
            tracked[table.name] = None
            continue
        assert set(declaration.columns) <= set(table.columns.keys()), declaration
        tracked.setdefault(table.name, {column.name for column in table.primary_key})
        tracked[table.name] |= {*declaration.columns, declaration.by}
    return tracked


@pytest.mark.parametrize("copy", [StaffPool, Openings, Work])
def test_every_column_a_loader_reads_is_tracked(db, make, copy):
    make.profile()
    read, tracked = read_by(db, copy), declared_by(copy)
    assert set(read) == set(tracked)  # every table read is tracked, and only those
    for table, columns in read.items():
        if tracked[table] is not None:
            assert columns <= tracked[table], f"{copy.__name__} reads untracked {table} columns"
            assert tracked[table] - columns <= {"id", *KEYS}, f"{table}: tracked, never read"
