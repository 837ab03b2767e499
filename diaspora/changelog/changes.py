"""When what a copy kept in memory reads changes (docs/adr/0010-matching-at-scale.md,
docs/adr/0013-impact-figures-from-a-copy-in-memory.md, docs/adr/0020-copies-shared-by-a-node.md).

Each copy declares the rows it reads (`Tracked`, on its `mirror.Mirror` class) and `init_app`
follows them. Every transaction that inserts or deletes such a row, or changes a column a copy
reads, logs the ids named by the declarations (profiles, users, opportunities, engagements) in
`change_log` as it commits, under its version. Flushes gather the ids (`pending`), and so does
`note` for a change made by a Core UPDATE; the log is written just before the commit.

The version is what lets a reader know it has missed nothing (`horizon`):
- on PostgreSQL, the id of the writing transaction. Writers share no row, so unrelated writes
  never wait on each other. Ids are handed out before commit and transactions commit in any
  order, so a reader asks its snapshot for the oldest transaction still running: every version
  below it is settled, committed or never to be.
- on SQLite, one writer at a time: the `change_counter` row, raised by each changing
  transaction, numbers them in commit order, and everything up to it is settled.
"""

from collections.abc import Iterable

from flask import Flask
from sqlalchemy import event, insert, inspect, literal_column, select, update
from sqlalchemy.orm import InstanceState, Session

from diaspora.changelog.models import Change, ChangeCounter
from diaspora.core.time import utcnow

KEYS = ("profile_id", "user_id", "opportunity_id", "engagement_id")  # the log's columns
PENDING = "changelog_pending"  # in session.info: the ids flushed and not yet logged
COMMITTING = "changelog_committing"  # in session.info: the log is being written


class Tracked:
    """Rows of `model` a copy reads. Inserting or deleting one, or changing one of its `columns`
    (names separated by spaces; any column when None), logs under `key` (one of KEYS) the id
    the row holds in `by`: its own id, or that of the row it belongs to (a profile's skill logs
    its `profile_id`, old and new). `when`, if given, must also hold of the row's state."""

    def __init__(self, model: type, columns: str | None, *, key: str, by: str = "id", when=None):
        self.model, self.key, self.by, self.when = model, key, by, when
        self.columns = None if columns is None else tuple(columns.split())

    def logged(self, session: Session, obj, state: InstanceState, gone: bool) -> list:
        """The ids this flush logs for the row: none if it did not change what is read."""
        if self.when is not None and not self.when(state):
            return []
        if not (gone or obj in session.new or self._changed(session, obj, state)):
            return []
        if self.by == "id":
            return [state.identity[0] if gone else obj.id]
        held = state.dict.get(self.by) if gone else getattr(obj, self.by)
        return [held, *(state.attrs[self.by].history.deleted or ())]

    def _changed(self, session: Session, obj, state: InstanceState) -> bool:
        if self.columns is None:
            return session.is_modified(obj)
        return any(state.attrs[name].history.has_changes() for name in self.columns)


_followed: tuple[Tracked, ...] = ()


def init_app(app: Flask, copies: Iterable[type]) -> None:
    """Log every change to what `copies` (mirror.Mirror classes) read, in every session."""
    global _followed
    app.extensions["changelog"] = copies = tuple(copies)
    _followed = tuple(tracked for copy in copies for tracked in copy.TRACKS)
    if not event.contains(Session, "after_flush", _gathered):
        event.listen(Session, "after_flush", _gathered)
        event.listen(Session, "before_commit", _committing)
        event.listen(Session, "after_transaction_end", _ended)


def pending(session: Session) -> dict[str, set[int]]:
    """The ids (by KEYS) this session's transaction changed and has not logged yet."""
    return session.info.get(PENDING) or {}


def _flushed(session: Session) -> dict[str, set[int]]:
    """The ids (by KEYS) whose tracked rows this flush changed. Called after the flush: new
    rows have their ids, deleted ones still hold what was loaded."""
    ids: dict[str, set[int]] = {key: set() for key in KEYS}
    for obj in (*session.new, *session.dirty, *session.deleted):
        for tracked in _followed:
            if isinstance(obj, tracked.model):
                logged = tracked.logged(session, obj, inspect(obj), obj in session.deleted)
                ids[tracked.key].update(logged)
    for found in ids.values():
        found.discard(None)
    return ids


def _gathered(session: Session, _context) -> None:
    note(session, _flushed(session))


def note(session: Session, ids: dict[str, set[int]]) -> None:
    """Remember these ids (a set per key of KEYS) as changed by the session's transaction."""
    if not any(ids.values()):
        return
    gathered = session.info.setdefault(PENDING, {key: set() for key in KEYS})
    for key, values in ids.items():
        gathered[key] |= values
    if session.info.get(COMMITTING):  # flushed by another listener as the session commits
        _write(session)


def _committing(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction goes on
    session.flush()
    session.info[COMMITTING] = True
    _write(session)


def _write(session: Session) -> None:
    ids = session.info.pop(PENDING, None)
    if not ids:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        version = literal_column("pg_current_xact_id()::text::bigint")
    else:
        counter = ChangeCounter.__table__
        version = connection.execute(
            update(counter)
            .where(counter.c.id == 1)
            .values(version=counter.c.version + 1)
            .returning(counter.c.version)
        ).scalar_one()
    blank = dict.fromkeys(KEYS) | {"created_at": utcnow()}
    connection.execute(
        insert(Change.__table__).values(version=version),
        [blank | {key: value} for key, values in ids.items() for value in values],
    )


def horizon(dialect: str):
    """The lowest version that may still be written: every version below it is settled. On
    PostgreSQL the oldest transaction running in the statement's snapshot (of any database in
    the cluster), or the reader's own when older: a session may read the log through a
    transaction that has written to it."""
    if dialect == "postgresql":
        return literal_column(
            "least(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
            " coalesce(pg_current_xact_id_if_assigned()::text::bigint, 9223372036854775807))"
        )
    return select(ChangeCounter.version + 1).where(ChangeCounter.id == 1).scalar_subquery()


def _ended(session: Session, transaction) -> None:
    """Committed or rolled back: what was gathered is logged, or never happened."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(COMMITTING, None)
