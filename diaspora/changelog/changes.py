"""When what a copy kept in memory reads changes (docs/adr/0010-matching-at-scale.md,
docs/adr/0013-impact-figures-from-a-copy-in-memory.md).

Each copy declares the rows it reads (`Tracked`, on its `mirror.Mirror` class) and `init_app`
follows them. Every transaction that inserts or deletes such a row, or changes a column a copy
reads, raises the one `change_counter` row as it commits, and logs the ids named by the
declarations (profiles, users, opportunities, engagements) under the new number in
`change_log`. Flushes gather the ids (`pending`), and so does `note` for a change made by a
Core UPDATE; the log is written just before the commit, so the counter's row lock is the
transaction's last lock and is held only while it commits. The numbers therefore commit in
order: a reader that has seen every change up to N has missed nothing below N. The copies
(`mirror.Mirror`) reload what is above, and what their own session has flushed but not yet
committed.
"""

from collections.abc import Iterable

from flask import Flask
from sqlalchemy import event, insert, inspect, update
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
    counter = ChangeCounter.__table__
    version = connection.execute(
        update(counter)
        .where(counter.c.id == 1)
        .values(version=counter.c.version + 1)
        .returning(counter.c.version)
    ).scalar_one()
    blank = dict.fromkeys(KEYS) | {"version": version, "created_at": utcnow()}
    connection.execute(
        insert(Change.__table__),
        [blank | {key: value} for key, values in ids.items() for value in values],
    )


def _ended(session: Session, transaction) -> None:
    """Committed or rolled back: what was gathered is logged, or never happened."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(COMMITTING, None)
