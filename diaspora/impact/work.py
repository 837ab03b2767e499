"""The work the impact figures count, kept in memory by each process and fresh on every call
(docs/adr/0013-impact-figures-from-a-copy-in-memory.md).

Distinct people over any range of dates ("people active", people per profession) do not add
up from monthly totals, and counting them in SQL meant grouping every approved log in the range
by person on each load. This copy holds, as numpy arrays, what those figures read: every
engagement's person, opportunity, state and dates; every approved hours log's engagement,
month, minutes and learners; each opportunity's country, kind and organisation; each person's
profession. It catches up through the log of changes like matching's copies
(`changelog.mirror`): engagements and their approved hours are logged by engagement, profiles
and opportunities by their own ids.

`tally` counts, for one range and scope, everything the dashboard shows except sessions
delivered (`impact.services.figures` adds those in SQL).
"""

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from sqlalchemy import Integer, case, cast, extract, select
from sqlalchemy.orm import InstanceState, Session

from diaspora.changelog.changes import Tracked
from diaspora.changelog.mirror import Mirror
from diaspora.contributions.models import HoursLog, HoursStatus
from diaspora.core.time import as_utc
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.opportunities.models import Opportunity, OpportunityKind
from diaspora.registry.models import StaffProfile

NEVER = np.iinfo(np.int64).min  # a missing start or end: before every instant
ACTIVE, COMPLETED = 1, 2  # the states the figures read; others are 0
STATES = {EngagementState.ACTIVE: ACTIVE, EngagementState.COMPLETED: COMPLETED}
NOT_RECORDED = ""  # a person without a profile, or a profile without a profession


def _columns(session: Session, statement, width: int) -> list[tuple]:
    """The statement's result column by column, through the session's connection (in its
    transaction; nothing to map to objects)."""
    rows = session.connection().execute(statement).all()
    return list(zip(*rows, strict=True)) if rows else [()] * width


def _integers(session: Session, statement, width: int) -> np.ndarray:
    """A statement whose columns are all integers, as an array with a row per row, in the
    session's transaction. The rows are taken from the driver's cursor as they come, not made
    into result rows one by one: a million of them then take a fraction of a second."""
    result = session.connection().execute(statement)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    values = itertools.chain.from_iterable(rows)
    return np.fromiter(values, dtype=np.int64, count=len(rows) * width).reshape(len(rows), width)


def _instants(values: tuple) -> np.ndarray:
    """Microseconds since 1970 (exact) of each datetime, NEVER for None."""
    instants = np.full(len(values), NEVER, dtype=np.int64)
    present = [i for i, value in enumerate(values) if value is not None]
    if present:
        naive = [as_utc(values[i]).replace(tzinfo=None) for i in present]
        instants[present] = np.array(naive, dtype="datetime64[us]").astype(np.int64)
    return instants


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


@dataclass
class Tally:
    """What `Work.tally` counts."""

    # Approved hours: country, month, minutes, learners.
    hours: list[tuple[str, date, int, int]] = field(default_factory=list)
    # Approved hours by the giver's profession: code, minutes, people.
    professions: list[tuple[str, int, int]] = field(default_factory=list)
    # Engagements completed: country, all of them, return placements.
    completed: list[tuple[str, int, int]] = field(default_factory=list)
    people_active: int = 0


class _ById:
    """Columns of numpy arrays indexed by a table's id, grown as ids appear."""

    def __init__(self, **columns: tuple[type, int]) -> None:
        self._kinds = columns
        self.columns = {name: np.full(1024, fill, dtype=t) for name, (t, fill) in columns.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def cover(self, largest: int) -> None:
        """Make room for ids up to `largest`."""
        if largest < len(self):
            return
        old, size = len(self), max(largest + 1, 2 * len(self))
        for name, (dtype, fill) in self._kinds.items():
            grown = np.full(size, fill, dtype=dtype)
            grown[:old] = self.columns[name]
            self.columns[name] = grown

    def store(self, ids, **values) -> None:
        """Set the columns' values (sequences in the order of `ids`)."""
        if not len(ids):
            return
        self.cover(max(ids))
        for name, column in values.items():
            self.columns[name][list(ids)] = column

    def clear(self, ids: list[int]) -> None:
        ids = [i for i in ids if i < len(self)]
        for name, (_dtype, fill) in self._kinds.items():
            self.columns[name][ids] = fill


def _maybe_approved(state: InstanceState) -> bool:
    """An hours log that is approved, or was before this flush, or whose status was not loaded:
    the figures count only approved logs."""
    if "status" not in state.dict:
        return True
    status = state.attrs["status"].history
    return HoursStatus.APPROVED in (*status.unchanged, *status.added, *status.deleted)


class Work(Mirror):
    TRACKS = (
        Tracked(Opportunity, "country kind organisation_id", key="opportunity_id"),
        Tracked(StaffProfile, "user_id profession", key="profile_id"),
        Tracked(
            Engagement, "opportunity_id user_id state started_at ended_at", key="engagement_id"
        ),
        Tracked(HoursLog, None, key="engagement_id", by="engagement_id", when=_maybe_approved),
    )

    def _reset(self) -> None:
        self._countries: dict[str, int] = {NOT_RECORDED: 0}
        self._professions: dict[str, int] = {NOT_RECORDED: 0}
        self._opportunities = _ById(
            country=(np.int16, 0), placement=(bool, False), org=(np.int64, 0)
        )
        self._people = _ById(profession=(np.int16, 0))  # by user id
        self._profiles = _ById(user=(np.int64, 0))  # by profile id, to forget a deleted one
        self._engagements = _ById(
            user=(np.int64, 0),
            opportunity=(np.int64, 0),
            state=(np.int8, 0),
            started=(np.int64, NEVER),
            ended=(np.int64, NEVER),
        )
        # Approved logs, in no order.
        self._log_engagement = np.zeros(0, dtype=np.int64)
        self._log_month = np.zeros(0, dtype=np.int32)
        self._log_minutes = np.zeros(0, dtype=np.int64)
        self._log_learners = np.zeros(0, dtype=np.int64)

    @staticmethod
    def _code(codes: dict[str, int], value: str | None) -> int:
        value = value or NOT_RECORDED
        if value not in codes:
            codes[value] = len(codes)
        return codes[value]

    # --- Loading ------------------------------------------------------------------------------

    def _load(self, session: Session, ids: dict[str, set[int]] | None) -> None:
        """Load everything (`ids` None), or the rows these ids name: opportunities, profiles,
        then engagements with their approved logs. A row that appeared after an earlier
        statement read its table (an engagement of a new opportunity, say) is logged above the
        number read before loading, so the next call brings it. Numbers are computed in SQL
        where they can be, so that a million rows cost little Python."""

        def among(column, key: str) -> list:
            return [] if ids is None else [column.in_(sorted(ids[key]))]

        if ids is None or ids["opportunity_id"]:
            o = Opportunity
            found, country, kind, organisation = _columns(
                session,
                select(o.id, o.country, o.kind, o.organisation_id).where(
                    *among(o.id, "opportunity_id")
                ),
                4,
            )
            if ids is not None:
                self._opportunities.clear(list(ids["opportunity_id"]))
            self._opportunities.store(
                found,
                country=[self._code(self._countries, c) for c in country],
                placement=[k == OpportunityKind.PLACEMENT for k in kind],
                org=organisation,
            )

        if ids is None or ids["profile_id"]:
            p = StaffProfile
            found, user, profession = _columns(
                session,
                select(p.id, p.user_id, p.profession).where(*among(p.id, "profile_id")),
                3,
            )
            if ids is not None:  # gone or changed: the person has no profession until reloaded
                known = [i for i in ids["profile_id"] if i < len(self._profiles)]
                self._people.clear(self._profiles["user"][known].tolist())
                self._profiles.clear(known)
            self._profiles.store(found, user=user)
            self._people.store(
                user, profession=[self._code(self._professions, p) for p in profession]
            )

        if ids is None or ids["engagement_id"]:
            e = Engagement
            found, user, opportunity, state, started, ended = _columns(
                session,
                select(
                    e.id,
                    e.user_id,
                    e.opportunity_id,
                    case(*((e.state == name, code) for name, code in STATES.items()), else_=0),
                    case((e.state == EngagementState.ACTIVE, e.started_at)),
                    case((e.state == EngagementState.COMPLETED, e.ended_at)),
                ).where(*among(e.id, "engagement_id")),
                6,
            )
            if ids is not None:
                self._engagements.clear(list(ids["engagement_id"]))
            self._engagements.store(
                found,
                user=user,
                opportunity=opportunity,
                state=state,
                started=_instants(started),
                ended=_instants(ended),
            )
            self._people.cover(max(user, default=0))
            self._opportunities.cover(max(opportunity, default=0))
            self._load_logs(session, None if ids is None else ids["engagement_id"])

    def _load_logs(self, session: Session, engagement_ids: set[int] | None) -> None:
        where = [HoursLog.status == HoursStatus.APPROVED]
        keep = np.zeros(len(self._log_engagement), dtype=bool)  # all logs reload
        if engagement_ids is not None:
            where.append(HoursLog.engagement_id.in_(sorted(engagement_ids)))
            keep = ~np.isin(self._log_engagement, list(engagement_ids))
        month = HoursLog.month
        rows = _integers(
            session,
            select(
                HoursLog.engagement_id,
                cast(extract("year", month) * 12 + extract("month", month) - 1, Integer),
                HoursLog.minutes,
                HoursLog.learners_reached,
            ).where(*where),
            4,
        )
        engagement, month, minutes, learners = rows.T
        # Logs of engagements added after they were read wait for the log to bring them.
        known = engagement < len(self._engagements)
        known[known] = self._engagements["user"][engagement[known]] != 0
        self._log_engagement = np.concatenate((self._log_engagement[keep], engagement[known]))
        self._log_month = np.concatenate((self._log_month[keep], month[known].astype(np.int32)))
        self._log_minutes = np.concatenate((self._log_minutes[keep], minutes[known]))
        self._log_learners = np.concatenate((self._log_learners[keep], learners[known]))

    # --- Counting -----------------------------------------------------------------------------

    def tally(
        self,
        session: Session,
        first_month: date,
        last_month: date,
        lower: datetime,
        upper: datetime,
        *,
        people: list[int] | None = None,
        partner: int | None = None,
    ) -> Tally:
        """Approved hours of the months `first_month` to `last_month` (by country and month,
        and by profession with the people who gave them), engagements completed between
        `lower` and `upper` (by country), and the people active: with approved hours, an
        engagement completed, or one active then. Only the work of `people` (user ids) when
        given; only that on `partner`'s opportunities when given."""
        with self.lock:
            self.refresh(session)
            lower, upper = _instants((lower, upper)).tolist()
            return self._tally(first_month, last_month, lower, upper, people, partner)

    def _tally(self, first_month, last_month, lower, upper, people, partner) -> Tally:
        users = len(self._people)
        in_scope_user = None
        if people is not None:
            in_scope_user = np.zeros(users, dtype=bool)
            chosen = np.asarray(people, dtype=np.int64)
            in_scope_user[chosen[chosen < users]] = True

        def in_scope(user: np.ndarray, opportunity: np.ndarray) -> np.ndarray:
            keep = np.ones(len(user), dtype=bool)
            if in_scope_user is not None:
                keep &= in_scope_user[user]
            if partner is not None:
                keep &= self._opportunities["org"][opportunity] == partner
            return keep

        e = self._engagements
        first, last = _month_number(first_month), _month_number(last_month)
        rows = np.flatnonzero((self._log_month >= first) & (self._log_month <= last))
        engagement = self._log_engagement[rows]
        user, opportunity = e["user"][engagement], e["opportunity"][engagement]
        keep = in_scope(user, opportunity)
        rows, user, opportunity = rows[keep], user[keep], opportunity[keep]
        minutes, learners = self._log_minutes[rows], self._log_learners[rows]

        tally = Tally()
        span = last - first + 1
        group = self._opportunities["country"][opportunity].astype(np.int64) * span + (
            self._log_month[rows] - first
        )
        size = len(self._countries) * span
        logs = np.bincount(group, minlength=size)
        minutes_of = np.bincount(group, weights=minutes, minlength=size)
        learners_of = np.bincount(group, weights=learners, minlength=size)
        names = list(self._countries)
        for g in np.flatnonzero(logs):
            country, month = divmod(int(g), span)
            tally.hours.append(
                (names[country], _month(first + month), int(minutes_of[g]), int(learners_of[g]))
            )

        gave = np.bincount(user, minlength=users) > 0
        minutes_by_user = np.bincount(user, weights=minutes, minlength=users)
        profession = self._people["profession"][:users]
        givers = np.flatnonzero(gave)
        by_profession = np.bincount(profession[givers], minlength=len(self._professions))
        minutes_by_profession = np.bincount(
            profession[givers], weights=minutes_by_user[givers], minlength=len(self._professions)
        )
        codes = list(self._professions)
        tally.professions = [
            (codes[p], int(minutes_by_profession[p]), int(by_profession[p]))
            for p in np.flatnonzero(by_profession)
        ]

        scoped = in_scope(e["user"], e["opportunity"])
        completed = (
            scoped & (e["state"] == COMPLETED) & (e["ended"] >= lower) & (e["ended"] < upper)
        )
        active = scoped & (e["state"] == ACTIVE) & (e["started"] < upper)
        done = e["opportunity"][completed]
        country = self._opportunities["country"][done]
        placements = self._opportunities["placement"][done]
        all_of = np.bincount(country, minlength=len(names))
        placements_of = np.bincount(country, weights=placements, minlength=len(names))
        tally.completed = [
            (names[c], int(all_of[c]), int(placements_of[c])) for c in np.flatnonzero(all_of)
        ]
        gave[e["user"][completed | active]] = True
        tally.people_active = int(gave.sum())
        return tally
