"""Impact figures: what the platform, a coordinating organisation, a cohort or a partner
institution achieved over a range of dates.

The dashboard's figures are counted in the process's copy of the work (`impact.work`, fresh
on every call) and by aggregate queries (sessions delivered, the return pipeline, what a
partner received, the exports), so a page costs the same number of queries whatever the number
of people, engagements or hours. Definitions (also in docs/guide/impact.md and on every page):

- Scope. Platform: everything. Coordinating organisation (charity, NHS trust): the work of the
  people who are members of its cohorts now, on any opportunity. Cohort: the work of its
  members. Partner institution: what its own opportunities received.
- Range: local dates `start` to `end`, both included. Hours are logged per calendar month, so a
  log counts when its month overlaps the range; dated events (sessions, completions) count when
  they happened between the start of `start` and the end of `end` in the viewer's time zone.
- Approved hours and learners reached: approved hours logs only (pending and declined never
  count).
- Tele-teaching sessions delivered: sessions not cancelled, starting in the range, at which at
  least one person in scope attended (their booking completed).
- Engagements completed / return placements completed: engagements completed in the range (of
  return placement opportunities for the latter).
- People active: distinct people with approved hours in the range, an engagement completed in
  the range, or an engagement active during it.
- Countries served: distinct countries of the opportunities with approved hours or a completed
  engagement in the range.
- Safeguards share: the share of approved minutes given to opportunities in countries on the
  WHO Health Workforce Support and Safeguards List 2023.

Accounts that were deleted keep their anonymised user row, so their engagements and hours still
count. Nobody is listed by these figures; the CSV exports (`engagement_rows`, `hours_rows`)
name a person only when the exporting viewer may list their profile.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Select,
    and_,
    case,
    distinct,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, joinedload

from diaspora.cohorts.models import Cohort, CohortMember
from diaspora.contributions.models import HoursLog, HoursStatus
from diaspora.core.words import N_, Words
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.impact.work import NOT_RECORDED, Work
from diaspora.milestones.models import Plan
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityKind,
    SessionStatus,
    TeachingSession,
)
from diaspora.organisations.models import Organisation
from diaspora.reference.catalogue import who_safeguards_list
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.registry.models import StaffProfile


@dataclass(frozen=True)
class Scope:
    """Whose work counts: everyone (platform), a set of people (an organisation's cohorts or
    one cohort), or what one organisation's opportunities received (partner)."""

    kind: str  # platform | organisation | cohort | partner
    organisation_id: int | None = None
    cohort_id: int | None = None

    def people(self) -> Select | None:
        """The user ids whose work counts, as SQL; None when the scope is not a set of people."""
        if self.kind == "cohort":
            return select(CohortMember.user_id).where(CohortMember.cohort_id == self.cohort_id)
        if self.kind == "organisation":
            return (
                select(CohortMember.user_id)
                .join(Cohort, Cohort.id == CohortMember.cohort_id)
                .where(Cohort.organisation_id == self.organisation_id)
            )
        return None

    def where(self) -> list:
        """Conditions on a statement that joins Engagement and Opportunity."""
        people = self.people()
        if people is not None:
            return [Engagement.user_id.in_(people)]
        if self.kind == "partner":
            return [Opportunity.organisation_id == self.organisation_id]
        return []


@dataclass(frozen=True)
class Period:
    """A range of local dates and the UTC instants that bound it."""

    start: date
    end: date
    zone: str = DEFAULT_TIME_ZONE

    @property
    def first_month(self) -> date:
        return self.start.replace(day=1)

    @property
    def words(self) -> Words:
        """The range in words ("1 January 2026 to 31 December 2026"), translated where shown."""
        return N_("%(start)s to %(end)s", start=self.start, end=self.end)

    @property
    def lower(self) -> datetime:
        """The range's first instant, in UTC (SQLite compares stored UTC text)."""
        return datetime.combine(self.start, time(), ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def upper(self) -> datetime:
        """The first instant after the range, in UTC."""
        local = datetime.combine(self.end + timedelta(days=1), time(), ZoneInfo(self.zone))
        return local.astimezone(UTC)


def default_period(today: date, zone: str) -> Period:
    """The last 12 months: from the same day a year ago (the day after) up to today."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return Period(year_ago + timedelta(days=1), today, zone)


@dataclass
class Figures:
    approved_minutes: int = 0
    safeguards_minutes: int = 0
    learners: int = 0
    sessions: int = 0
    engagements_completed: int = 0
    placements_completed: int = 0
    people_active: int = 0
    countries_served: int = 0
    by_country: list[tuple[str, int, int]] = field(default_factory=list)  # code, minutes, learners
    by_profession: list[tuple[str, int, int]] = field(default_factory=list)  # code, minutes, people
    by_month: list[tuple[date, int, int]] = field(default_factory=list)  # month, minutes, learners

    @property
    def safeguards_share(self) -> float | None:
        """Of approved minutes, the share given in safeguards-list countries; None without any."""
        if not self.approved_minutes:
            return None
        return self.safeguards_minutes / self.approved_minutes


def _approved_logs(scope: Scope, period: Period, *, opportunity: bool = True) -> Select:
    """Approved logs in the range, joined to their engagement and (when asked, or when the
    scope is a partner's) their opportunity."""
    statement = (
        select().select_from(HoursLog).join(Engagement, Engagement.id == HoursLog.engagement_id)
    )
    if opportunity or scope.kind == "partner":
        statement = statement.join(Opportunity, Opportunity.id == Engagement.opportunity_id)
    return statement.where(
        HoursLog.status == HoursStatus.APPROVED,
        HoursLog.month >= period.first_month,
        HoursLog.month <= period.end,
        *scope.where(),
    )


def _completed(scope: Scope, period: Period) -> Select:
    return (
        select()
        .select_from(Engagement)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(
            Engagement.state == EngagementState.COMPLETED,
            Engagement.ended_at >= period.lower,
            Engagement.ended_at < period.upper,
            *scope.where(),
        )
    )


def _month_key(column):
    """Year and month of a date column, the same on PostgreSQL and SQLite."""
    return extract("year", column), extract("month", column)


def figures(session: Session, scope: Scope, period: Period) -> Figures:
    """Every figure of the dashboard, whatever the data: the people in scope and sessions
    delivered in SQL, the rest from the process's copy of the work (`impact.work`), fresh from
    the log of changes (one statement, and the rows changed since the last call).

    The copy sums approved logs per (country, month); the totals, the safeguards share and the
    month and country breakdowns add up those few groups (at most one per country and month of
    the range)."""
    people = scope.people()
    tally = Work.of_app().tally(
        session,
        period.first_month,
        period.end,
        period.lower,
        period.upper,
        people=None if people is None else list(session.scalars(people)),
        partner=scope.organisation_id if scope.kind == "partner" else None,
    )
    result = Figures()
    safeguards = who_safeguards_list()
    months: dict[date, list[int]] = {}
    countries: dict[str, list[int]] = {}
    for country, month, minutes, learners in tally.hours:
        result.approved_minutes += minutes
        result.learners += learners
        if country in safeguards:
            result.safeguards_minutes += minutes
        for key, table in ((month, months), (country, countries)):
            sums = table.setdefault(key, [0, 0])
            sums[0] += minutes
            sums[1] += learners
    # Every month of the range, those without approved hours as zeros, so the month axis
    # has no gaps that read as time passing faster.
    result.by_month = [(month, *months.get(month, (0, 0))) for month in period_months(period)]
    result.by_country = sorted(
        ((country, *sums) for country, sums in countries.items()),
        key=lambda row: (-row[1], row[0]),
    )

    served = set(countries)
    for country, completed, placements in tally.completed:
        served.add(country)
        result.engagements_completed += completed
        result.placements_completed += placements
    result.countries_served = len(served)
    result.people_active = tally.people_active
    result.by_profession = sorted(tally.professions, key=lambda row: (-row[1], row[0]))

    result.sessions = session.scalar(
        select(func.count(distinct(TeachingSession.id)))
        .select_from(TeachingSession)
        .join(Engagement, Engagement.session_id == TeachingSession.id)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(
            TeachingSession.status == SessionStatus.SCHEDULED,
            TeachingSession.starts_at >= period.lower,
            TeachingSession.starts_at < period.upper,
            Engagement.state == EngagementState.COMPLETED,
            *scope.where(),
        )
    )
    return result


# The return pipeline ----------------------------------------------------------------------------


def months_from(first: date, count: int) -> list[date]:
    months = []
    year, month = first.year, first.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def period_months(period: Period) -> list[date]:
    """The first day of each calendar month the range touches, in order."""
    months = []
    month = period.first_month
    while month <= period.end:
        months.append(month)
        month = months_from(month, 2)[1]
    return months


@dataclass
class Pipeline:
    months: list[date]
    rows: list[tuple[str, date, str, int]]  # country, month, profession, people

    def by_country(self) -> list[tuple[str, list[int], int]]:
        """Country, people per month (in `months` order), total; most returns first."""
        index = {month: i for i, month in enumerate(self.months)}
        table: dict[str, list[int]] = {}
        for country, month, _profession, people in self.rows:
            table.setdefault(country, [0] * len(self.months))[index[month]] += people
        return sorted(
            ((country, counts, sum(counts)) for country, counts in table.items()),
            key=lambda row: (-row[2], row[0]),
        )

    def by_profession(self) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        for _country, _month, profession, people in self.rows:
            totals[profession] = totals.get(profession, 0) + people
        return sorted(totals.items(), key=lambda row: (-row[1], row[0]))

    def per_month(self) -> list[int]:
        index = {month: i for i, month in enumerate(self.months)}
        counts = [0] * len(self.months)
        for _country, month, _profession, people in self.rows:
            counts[index[month]] += people
        return counts

    @property
    def total(self) -> int:
        return sum(row[3] for row in self.rows)


def pipeline(session: Session, scope: Scope, today: date) -> Pipeline:
    """People expected back in each country in each of the 12 months from this one (plans with
    a return country ending from today on), by profession: one GROUP BY query."""
    months = months_from(today.replace(day=1), 12)
    after = months_from(months[-1], 2)[1]
    year, month = _month_key(Plan.expected_end_on)
    profession = func.coalesce(StaffProfile.profession, literal(NOT_RECORDED))
    statement = (
        select(Plan.return_country, year, month, profession, func.count(distinct(Plan.owner_id)))
        .outerjoin(StaffProfile, StaffProfile.user_id == Plan.owner_id)
        .where(
            Plan.return_country.is_not(None),
            Plan.expected_end_on >= today,
            Plan.expected_end_on < after,
        )
        .group_by(Plan.return_country, year, month, profession)
    )
    people = scope.people()
    if people is not None:
        statement = statement.where(Plan.owner_id.in_(people))
    rows = [
        (country, date(int(y), int(m), 1), code, int(count))
        for country, y, m, code, count in session.execute(statement)
    ]
    return Pipeline(months, rows)


# A partner institution --------------------------------------------------------------------------


@dataclass
class Received:
    """What one organisation's opportunities received, month by month."""

    months: list[date]
    sessions: list[int]
    learners: list[int]
    minutes: list[int]
    placements: list[int]


def _local_month(column, months: list[date], zone: str):
    """SQL: the index in `months` of the local calendar month (in `zone`) a UTC instant falls
    in, for instants within the months. Each month's start is turned into a UTC instant here,
    so the grouping is exact across clock changes on both databases (SQLite has no time zones).
    """
    starts = [
        datetime.combine(month, time(), ZoneInfo(zone)).astimezone(UTC) for month in months[1:]
    ]
    if not starts:
        return literal(0)
    return case(*((column < start, index) for index, start in enumerate(starts)), else_=len(starts))


def received(session: Session, organisation: Organisation, period: Period) -> Received:
    """Four GROUP BY queries. Sessions and placements go in the month they happened in, in
    the viewer's time zone (the period's); hours in the month they were logged for."""
    months = period_months(period)
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    scope = Scope("partner", organisation_id=organisation.id)

    def spread(rows) -> list[int]:
        counts = [0] * len(months)
        for slot, value in rows:
            counts[slot] += int(value or 0)
        return counts

    log_year, log_month = _month_key(HoursLog.month)
    hours = [
        (index[(int(y), int(m))], minutes, learners)
        for y, m, minutes, learners in session.execute(
            _approved_logs(scope, period)
            .add_columns(
                log_year, log_month, func.sum(HoursLog.minutes), func.sum(HoursLog.learners_reached)
            )
            .group_by(log_year, log_month)
        )
    ]
    started = _local_month(TeachingSession.starts_at, months, period.zone)
    sessions = session.execute(
        select(started, func.count(distinct(TeachingSession.id)))
        .join(Engagement, Engagement.session_id == TeachingSession.id)
        .join(Opportunity, Opportunity.id == TeachingSession.opportunity_id)
        .where(
            Opportunity.organisation_id == organisation.id,
            TeachingSession.status == SessionStatus.SCHEDULED,
            TeachingSession.starts_at >= period.lower,
            TeachingSession.starts_at < period.upper,
            Engagement.state == EngagementState.COMPLETED,
        )
        .group_by(started)
    )
    ended = _local_month(Engagement.ended_at, months, period.zone)
    placements = session.execute(
        _completed(scope, period)
        .add_columns(ended, func.count(Engagement.id))
        .where(Opportunity.kind == OpportunityKind.PLACEMENT)
        .group_by(ended)
    )
    return Received(
        months=months,
        sessions=spread(sessions),
        learners=spread((slot, n) for slot, _minutes, n in hours),
        minutes=spread((slot, minutes) for slot, minutes, _n in hours),
        placements=spread(placements),
    )


# CSV exports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngagementRow:
    engagement_id: int
    user_id: int
    profile: StaffProfile | None
    opportunity: str
    kind: str
    organisation: str
    country: str
    state: str
    started_at: datetime | None
    ended_at: datetime | None
    minutes: int
    learners: int


def engagement_rows(session: Session, scope: Scope, period: Period) -> Iterator[EngagementRow]:
    """Engagements in scope completed in the range, active during it, or with approved hours
    in it, with their approved minutes and learners in the range: one query."""
    logs = (
        _approved_logs(scope, period)
        .add_columns(
            HoursLog.engagement_id.label("engagement_id"),
            func.sum(HoursLog.minutes).label("minutes"),
            func.sum(HoursLog.learners_reached).label("learners"),
        )
        .group_by(HoursLog.engagement_id)
        .subquery()
    )
    statement = (
        select(
            Engagement.id,
            Engagement.user_id,
            StaffProfile,
            Opportunity.title,
            Opportunity.kind,
            Organisation.name,
            Opportunity.country,
            Engagement.state,
            Engagement.started_at,
            Engagement.ended_at,
            func.coalesce(logs.c.minutes, 0),
            func.coalesce(logs.c.learners, 0),
        )
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .join(Organisation, Organisation.id == Opportunity.organisation_id)
        .outerjoin(StaffProfile, StaffProfile.user_id == Engagement.user_id)
        .outerjoin(logs, logs.c.engagement_id == Engagement.id)
        .where(
            *scope.where(),
            or_(
                logs.c.engagement_id.is_not(None),
                and_(
                    Engagement.state == EngagementState.COMPLETED,
                    Engagement.ended_at >= period.lower,
                    Engagement.ended_at < period.upper,
                ),
                and_(
                    Engagement.state == EngagementState.ACTIVE,
                    or_(Engagement.started_at.is_(None), Engagement.started_at < period.upper),
                ),
            ),
        )
        .order_by(Engagement.id)
        .options(joinedload(StaffProfile.user))
    )
    for row in session.execute(statement):
        yield EngagementRow(*row)


@dataclass(frozen=True)
class HoursRow:
    log_id: int
    user_id: int
    profile: StaffProfile | None
    opportunity: str
    organisation: str
    country: str
    month: date
    minutes: int
    learners: int


def hours_rows(session: Session, scope: Scope, period: Period) -> Iterator[HoursRow]:
    """Every approved log in scope and range: one query."""
    statement = (
        _approved_logs(scope, period)
        .add_columns(
            HoursLog.id,
            Engagement.user_id,
            StaffProfile,
            Opportunity.title,
            Organisation.name,
            Opportunity.country,
            HoursLog.month,
            HoursLog.minutes,
            HoursLog.learners_reached,
        )
        .join(Organisation, Organisation.id == Opportunity.organisation_id)
        .outerjoin(StaffProfile, StaffProfile.user_id == Engagement.user_id)
        .order_by(HoursLog.month, HoursLog.id)
        .options(joinedload(StaffProfile.user))
    )
    for row in session.execute(statement):
        yield HoursRow(*row)
