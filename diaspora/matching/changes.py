"""When what matching reads changes (docs/adr/0010-matching-at-scale.md).

Every flush that changes a matching input (a profile's matching columns; its country ties,
skills, languages, travel windows or registrations; whether its account is active; an
opportunity's matching columns or what it wants) raises the one `matching_counter` row and logs
the profiles, users and opportunities under the new number in `matching_changes`, in the same
transaction. The counter's row lock holds until the transaction ends, so the numbers commit in
order: a reader that has seen every change up to N has missed nothing below N. The copies kept
in memory (`matching.mirror`) reload what is above.

The session remembers what it logged until its transaction ends (`touched`), so that a reader
in this process which saw those uncommitted rows can forget them if they are rolled back.
"""

from dataclasses import dataclass, field

from sqlalchemy import event, insert, inspect, update
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
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

# What matching reads of a profile row (engine.py, registry.py).
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
KEYS = ("profile_id", "user_id", "opportunity_id")  # the log's columns naming what changed
TOUCHED = "matching_touched"


@dataclass
class Touched:
    """What one transaction logged: its first counter number, and the ids by KEYS."""

    first_version: int
    ids: dict[str, set[int]] = field(default_factory=lambda: {key: set() for key in KEYS})


def touched(session: Session) -> Touched | None:
    return session.info.get(TOUCHED)


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
        ):
            if isinstance(obj, whole) and (gone or obj in session.new or _changed(state, columns)):
                ids[key].add(state.identity[0] if gone else obj.id)
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


@event.listens_for(Session, "after_flush")
def _log(session: Session, _context) -> None:
    ids = _flushed(session)
    if not any(ids.values()):
        return
    connection = session.connection()
    counter = MatchingCounter.__table__
    version = connection.execute(
        update(counter)
        .where(counter.c.id == 1)
        .values(version=counter.c.version + 1)
        .returning(counter.c.version)
    ).scalar_one()
    now = utcnow()
    blank = dict.fromkeys(KEYS) | {"version": version, "created_at": now}
    connection.execute(
        insert(MatchingChange.__table__),
        [blank | {key: value} for key, values in ids.items() for value in values],
    )
    logged = session.info.setdefault(TOUCHED, Touched(version))
    for key, values in ids.items():
        logged.ids[key] |= values


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """Forget what was logged once the outermost transaction commits: `after_commit` also
    follows a released savepoint, whose changes can still be rolled back with the rest."""
    if not session.in_transaction():
        session.info.pop(TOUCHED, None)
