"""Copies of what matching and the impact figures read, kept in memory by each process and fresh
on every call (docs/adr/0010-matching-at-scale.md).

A copy catches up through the log of changes (changelog.changes): the first call loads
everything and notes the latest change number; each later call reads the log above it and
reloads the rows named there (everything, when the log has been pruned past it: see
`matching.jobs.prune_changes`). Reads go through the caller's session, so they see what it has
flushed and not yet committed: a copy reloads those rows too (`changes.pending`), and reloads
them again on its next call, from whichever session, so that what it read of a transaction
that then rolls back does not stay.
"""

import threading
from abc import ABC, abstractmethod

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.changelog import changes
from diaspora.changelog.models import Change, ChangeCounter

# More changed rows than this since the last call: reload everything (one IN list per table).
RELOAD_ALL_ABOVE = 5_000

_creating = threading.Lock()


class Mirror(ABC):
    """Subclasses declare the rows their loader reads (`TRACKS`, whose keys make `KEYS`, the
    log's columns they follow) and load rows: `_reset` empties the copy,
    `_load(session, None)` loads everything and `_load(session, ids)` reloads the rows named by
    `ids` (a set per key)."""

    TRACKS: tuple[changes.Tracked, ...] = ()
    KEYS: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.KEYS = tuple(k for k in changes.KEYS if any(t.key == k for t in cls.TRACKS))

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held while a call catches up with the log and reads
        self._seen: int | None = None  # the last change number read; None: nothing loaded
        self._suspects: dict[str, set[int]] = {key: set() for key in self.KEYS}
        self._reset()

    @classmethod
    def of_app(cls):
        """This application's copy (one per process)."""
        key = f"changelog.{cls.__name__}"
        with _creating:
            if key not in current_app.extensions:
                if cls not in current_app.extensions["changelog"]:
                    raise LookupError(f"{cls.__name__}: pass it to changelog.changes.init_app")
                current_app.extensions[key] = cls()
            return current_app.extensions[key]

    @abstractmethod
    def _reset(self) -> None: ...

    @abstractmethod
    def _load(self, session: Session, ids: dict[str, set[int]] | None) -> None: ...

    def refresh(self, session: Session) -> None:
        """Catch up with the log; call with `lock` held."""
        try:
            self._catch_up(session)
        except BaseException:
            self._seen = None  # half loaded: start again on the next call
            raise
        # Read after catching up: its first statement may have flushed more of them.
        uncommitted = changes.pending(session)
        for key, ids in self._suspects.items():
            ids.clear()
            ids |= uncommitted.get(key, set())

    def _catch_up(self, session: Session) -> None:
        counter = ChangeCounter.version
        if self._seen is None:
            self._reset()
            self._seen = session.scalar(select(counter).where(ChangeCounter.id == 1))
            self._load(session, None)
            return
        # The counter with the log above the last number seen, in one statement: the numbers
        # are dense, so a first one above `seen + 1` means the log was pruned past it.
        rows = session.execute(
            select(counter, Change.version, *[getattr(Change, k) for k in self.KEYS])
            .outerjoin(Change, Change.version > self._seen)
            .where(ChangeCounter.id == 1)
            .order_by(Change.version)
        ).all()
        latest, first = rows[0][0], rows[0][1]
        if latest > self._seen and (first is None or first > self._seen + 1):
            self._seen = None
            self._catch_up(session)
            return
        uncommitted = changes.pending(session)
        ids = {key: found | uncommitted.get(key, set()) for key, found in self._suspects.items()}
        for _counter, _version, *named in rows:
            for key, value in zip(self.KEYS, named, strict=True):
                if value is not None:
                    ids[key].add(value)
        if sum(len(found) for found in ids.values()) > RELOAD_ALL_ABOVE:
            self._seen = None
            self._catch_up(session)
            return
        if any(ids.values()):
            self._load(session, ids)
        self._seen = max(latest, self._seen)
