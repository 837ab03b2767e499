"""When what matching or the impact figures read changes (docs/adr/0010-matching-at-scale.md,
docs/adr/0013-impact-figures-from-a-copy-in-memory.md).

Every transaction that changes a matching input (a profile's matching columns; its country ties,
skills, languages, travel windows or registrations; whether its account is active; an
opportunity's matching columns or what it wants) or what impact counts (an engagement's state
or dates; an approved hours log, or one that was) raises the one `matching_counter` row as it
commits, and logs the profiles, users, opportunities and engagements it changed under the new
number in `matching_changes`. Flushes gather the ids (`pending`), and so does `note` for a
change made by a Core UPDATE; the log is written just before the commit, so the counter's row
lock is the transaction's last lock and is held only while it commits. The numbers therefore
commit in order: a reader that has seen every change up to N has missed nothing below N. The
copies kept in memory (`matching.mirror`) reload what is above, and what their own session
has flushed but not yet committed.
"""

from sqlalchemy import event, insert, inspect, update
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.contributions.models import HoursLog, HoursStatus
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.engagements.models import Engagement
from diaspora.matching.models import MatchingChange, MatchingCounter
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
)
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)

# What matching reads of a profile row (engine.py, staff_pool.py).
PROFILE_COLUMNS = (
    "user_id",
    "profession",
    "grade",
    "modality",
    "hours_per_month",
    "unavailable_until",
    "visibility",
    "consent_to_contact",
    "completed_at",
)
CHILDREN = (CountryTie, LanguageSkill, ProfileSkill, AvailabilityWindow, Credential)
# What matching reads of an opportunity row (engine._need, openings.py).
OPPORTUNITY_COLUMNS = (
    "kind",
    "status",
    "published_at",
    "country",
    "modality",
    "starts_on",
    "ends_on",
    "hours_per_month",
)
WANTED = (OpportunityProfession, OpportunitySkill, OpportunityLanguage)
# What impact reads of an engagement row (impact/work.py).
ENGAGEMENT_COLUMNS = ("opportunity_id", "user_id", "state", "started_at", "ended_at")
KEYS = ("profile_id", "user_id", "opportunity_id", "engagement_id")  # the log's columns
PENDING = "matching_pending"  # in session.info: the ids flushed and not yet logged
COMMITTING = "matching_committing"  # in session.info: the log is being written


def pending(session: Session) -> dict[str, set[int]]:
    """The ids (by KEYS) this session's transaction changed and has not logged yet."""
    return session.info.get(PENDING) or {}


def _changed(state, names) -> bool:
    return any(state.attrs[name].history.has_changes() for name in names)


def _flushed(session: Session) -> dict[str, set[int]]:
    """The ids (by KEYS) whose matching inputs this flush changed. Called after the flush: new
    rows have their ids, deleted ones still hold what was loaded."""
    ids: dict[str, set[int]] = {key: set() for key in KEYS}
    for obj in (*session.new, *session.dirty, *session.deleted):
        state = inspect(obj)
        gone = obj in session.deleted
        for whole, columns, key in (
            (StaffProfile, PROFILE_COLUMNS, "profile_id"),
            (Opportunity, OPPORTUNITY_COLUMNS, "opportunity_id"),
            (User, ("active",), "user_id"),
            (Engagement, ENGAGEMENT_COLUMNS, "engagement_id"),
        ):
            if isinstance(obj, whole) and (gone or obj in session.new or _changed(state, columns)):
                ids[key].add(state.identity[0] if gone else obj.id)
        if isinstance(obj, HoursLog) and _maybe_approved(state):
            ids["engagement_id"].add(
                state.dict.get("engagement_id", None if gone else obj.engagement_id)
            )
            ids["engagement_id"].update(state.attrs["engagement_id"].history.deleted or ())
        for parts, key in ((CHILDREN, "profile_id"), (WANTED, "opportunity_id")):
            if isinstance(obj, parts):
                if gone:
                    ids[key].add(state.dict.get(key))
                elif obj in session.new or session.is_modified(obj):
                    ids[key].add(getattr(obj, key))
                    ids[key].update(state.attrs[key].history.deleted or ())
    for found in ids.values():
        found.discard(None)
    return ids


def _maybe_approved(state) -> bool:
    """An hours log that is approved, or was before this flush, or whose status was not loaded:
    impact counts only approved logs."""
    if "status" not in state.dict:
        return True
    status = state.attrs["status"].history
    return HoursStatus.APPROVED in (*status.unchanged, *status.added, *status.deleted)


@event.listens_for(Session, "after_flush")
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


@event.listens_for(Session, "before_commit")
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
    counter = MatchingCounter.__table__
    version = connection.execute(
        update(counter)
        .where(counter.c.id == 1)
        .values(version=counter.c.version + 1)
        .returning(counter.c.version)
    ).scalar_one()
    blank = dict.fromkeys(KEYS) | {"version": version, "created_at": utcnow()}
    connection.execute(
        insert(MatchingChange.__table__),
        [blank | {key: value} for key, values in ids.items() for value in values],
    )


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    """Committed or rolled back: what was gathered is logged, or never happened."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(COMMITTING, None)
