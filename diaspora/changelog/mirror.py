"""Copies of what matching and the impact figures read, kept in memory by each process and fresh
on every call (docs/adr/0010-matching-at-scale.md).

A copy catches up through the log of changes (changelog.changes): the first call loads
everything and notes the log's horizon (every version below it settled); each later call reads
the log from that horizon on, skips the entries it has already read, and reloads the rows named
by the others (everything, when the log has been pruned past it: see
`matching.jobs.prune_changes`). Reads go through the caller's session, so they see what it has
flushed and not yet committed: a copy reloads those rows too (`changes.pending`), and reloads
them again on its next call, from whichever session, so that what it read of a transaction
that then rolls back does not stay.
"""

import ctypes
import gc
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import suppress

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.changelog import changes
from diaspora.changelog.models import Change, ChangeCounter
from diaspora.extensions import db

log = logging.getLogger(__name__)

# glibc's mallopt: blocks of this size or more are mapped on their own and unmapped when freed
# (the default threshold rises with the largest block freed, up to 32 MB).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024

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
        self._horizon: int | None = None  # every version below it has been read; None: empty
        self._entries_read: set[int] = set()  # entries at or above the horizon already read
        self._suspects: dict[str, set[int]] = {key: set() for key in self.KEYS}
        self._reset()

    @property
    def warm(self) -> bool:
        """Loaded: a call only catches up with the log."""
        return self._horizon is not None

    @classmethod
    def of_app(cls):
        """This application's copy (one per process)."""
        key = f"changelog.{cls.__name__}"
        with _creating:
            if key not in current_app.extensions:
                if cls not in current_app.extensions["changelog"]:
                    raise LookupError(f"{cls.__name__}: pass it to changelog.mirror.init_app")
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
            self._horizon = None  # half loaded: start again on the next call
            raise
        # Read after catching up: its first statement may have flushed more of them.
        uncommitted = changes.pending(session)
        for key, ids in self._suspects.items():
            ids.clear()
            ids |= uncommitted.get(key, set())

    def _catch_up(self, session: Session) -> None:
        loaded = self._horizon is not None
        horizon, pruned, entries = self._log(session, self._horizon)
        if loaded and pruned >= self._horizon:  # entries not yet read may have been deleted
            loaded = False
            horizon, pruned, entries = self._log(session, None)
        ids = None
        if loaded:
            uncommitted = changes.pending(session)
            ids = {
                key: found | uncommitted.get(key, set()) for key, found in self._suspects.items()
            }
            for entry, _version, *named in entries:
                if entry not in self._entries_read:
                    for key, value in zip(self.KEYS, named, strict=True):
                        if value is not None:
                            ids[key].add(value)
            if sum(len(found) for found in ids.values()) > RELOAD_ALL_ABOVE:
                ids = None
        if ids is None:
            self._reset()
            self._load(session, None)  # after reading the log: it holds what is logged there
        elif any(ids.values()):
            self._load(session, ids)
        # Entries at or above the new horizon will be read again next time: remember them.
        self._entries_read = {entry for entry, version, *_named in entries if version >= horizon}
        self._horizon = horizon

    def _log(self, session: Session, since: int | None) -> tuple[int, int, list]:
        """The horizon, how far the log is pruned, and its entries (id, version, KEYS) from
        `since` on (from the horizon itself when None), in one statement: one snapshot."""
        state = (
            select(
                changes.horizon(session.get_bind().dialect.name).label("horizon"),
                ChangeCounter.pruned_through,
            )
            .where(ChangeCounter.id == 1)
            .subquery()
        )
        rows = session.execute(
            select(state, Change.id, Change.version, *[getattr(Change, k) for k in self.KEYS])
            .select_from(state)
            .outerjoin(Change, Change.version >= (state.c.horizon if since is None else since))
            .order_by(Change.id)
        ).all()
        entries = [row[2:] for row in rows if row[2] is not None]
        return rows[0][0], rows[0][1], entries


# --- One copy per node ---------------------------------------------------------------------------


def init_app(app: Flask, copies: Iterable[type[Mirror]]) -> None:
    """Keep these copies for the application: log every change to what they read, and report
    the process ready only once they are loaded."""
    changes.init_app(app, copies)
    app.extensions.setdefault("readiness", {})["copies"] = ready


def warm(app: Flask) -> None:
    """Load every copy of the application, or catch it up, through a session and connection of
    its own (never one a request in this process may be using)."""
    with app.app_context(), Session(db.engine) as session:
        for copy in app.extensions["changelog"]:
            held = copy.of_app()
            with held.lock:
                held.refresh(session)
            session.commit()


def ready() -> bool:
    """Readiness: every copy loaded, so that no request waits for one to load. A process whose
    copies are not loaded (one not forked from a warm master) starts loading them in the
    background, once at a time, and is ready when they are."""
    app = current_app._get_current_object()
    if all(copy.of_app().warm for copy in app.extensions["changelog"]):
        return True
    with _creating:
        loading = app.extensions.get("changelog.warming")
        if loading is None or not loading.is_alive():
            loading = threading.Thread(target=_warm_in_background, args=(app,), daemon=True)
            app.extensions["changelog.warming"] = loading
            loading.start()
    return False


def _warm_in_background(app: Flask) -> None:
    try:
        warm(app)
    except Exception as error:  # readiness stays false; the next check tries again
        _failed(error)


def _failed(error: Exception) -> None:
    log.warning("Loading the copies in memory failed: %s", type(error).__name__)


def before_fork(app: Flask) -> None:
    """In a master process about to fork workers (gunicorn with preload_app): bring the copies
    up to date, then leave the children nothing they could not share. No database connection
    crosses the fork; the master's objects are moved out of the garbage collector's reach, which
    would otherwise write to every one of them in each worker and so copy their pages; memory
    freed while loading goes back to the system rather than being counted in every worker; and
    large blocks (a search's arrays over the registry) are always given back when freed, so a
    worker's memory does not grow with the largest it has ever worked on."""
    try:
        warm(app)
    except Exception as error:  # the workers load their own, and are ready once they have
        _failed(error)
    with app.app_context():
        db.engine.dispose()
    gc.collect()
    gc.freeze()
    with suppress(OSError, AttributeError):  # glibc only
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
