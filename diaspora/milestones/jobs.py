"""Reminder jobs: each run writes the reminders whose time has come as outbox rows, through
`notify_many()`, and commits. The scheduler runs them every minute; tests call them directly.

Only reminders whose time has come are written, never future ones, so a date that moves needs no
clean-up: the reminders of the new date are new keys, and the old keys are never due again.
A run looks back `CATCH_UP` (two days), so a scheduler that was down for a while catches up in
one run; a reminder that fell due longer ago than that is left out, as is one superseded by a
later reminder about the same thing (after downtime, "due tomorrow" rather than both "due in 7
days" and "due tomorrow").

The milestone job notes how far each run went (`reminder_runs`), so the next run reads only the
milestones with a reminder in the time zones whose 09:00 came since, and those changed since
(docs/adr/0019-reminder-ticks-read-only-the-zones-due.md): most minutes, nothing. Reminders
are written a batch at a time through `notify_many`, a fixed number of statements a batch.

Every reminder has a dedupe key unique per recipient, so running a job twice, or in several
processes at once, writes each reminder once. Each batch locks the rows it reminds about
(`FOR UPDATE` on PostgreSQL; SQLite has one writer) and checks them again, so a milestone
marked done, a booking cancelled or a date moved while the job runs is never reminded about.

Milestones (kind `milestone_reminder` before the due date, `milestone_overdue` after), at 09:00
in the owner's time zone:
- before: on each of the plan's lead days (default 30, 7 and 1 days before), unless that day
  had passed when the due date was set (a plan made late, or a date moved into the past);
- overdue: the day after the due date, then weekly for `OVERDUE_WEEKS` weeks;
- the coordinator is told once, 14 days after the due date, at 09:00 in their time zone.
Keys: `milestone:<id>:due:<due_on>:lead:<days>`, `...:overdue:<n>`, `...:coordinator`.

Tele-teaching bookings (`booking_reminder`): 24 hours and 1 hour before the session, at exactly
that time, for accepted bookings of sessions still scheduled and not started. Key
`session:<session id>:<sequence>:24h` / `:1h`: a session that moves gets a new sequence, so
new reminders.

Credentials (`credential_expiry`): 60 and 14 days before the expiry date, at 09:00 local. Key
`credential:<id>:expires:<expires_on>:60` / `:14`.
"""

import itertools
import time as clock
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext, ngettext
from sqlalchemy import or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased, joinedload

from diaspora.auth.models import User
from diaspora.core.time import as_utc, utcnow, zone_of
from diaspora.core.urls import service_path
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.credentials.services import regulator_label
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.extensions import db
from diaspora.languages import force_locale, language_of
from diaspora.notifications.services import Message, notify_many, queued
from diaspora.opportunities.models import SessionStatus, TeachingSession
from diaspora.opportunities.times import both_zones
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.registry.models import StaffProfile
from diaspora.registry.presenters import long_date

from . import services
from .models import Milestone, Plan, ReminderRun
from .presenters import days_text

REMIND_AT = time(9, 0)
CATCH_UP = timedelta(days=2)
OVERDUE_WEEKS = 12  # overdue reminders: the day after, then weekly up to 12 weeks after that
COORDINATOR_AFTER_DAYS = 14
SESSION_LEADS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))
CREDENTIAL_LEADS = (60, 14)
BATCH = 500
RETRIES = 5
MILESTONES = "milestones"  # the milestone job's name in reminder_runs
# How far back a run reads changes from the last run's start: a change committed just after that
# run read (a web request's transaction, a clock a little behind) is read by this one.
SETTLING = timedelta(minutes=5)


# Shared --------------------------------------------------------------------------------------


def at_nine(day: date, zone_name: str | None) -> datetime:
    """09:00 on a local date, in UTC (09:00 exists on every day, clock changes or not)."""
    return datetime.combine(day, REMIND_AT, tzinfo=zone_of(zone_name)).astimezone(UTC)


def _date_window(now: datetime) -> tuple[date, date]:
    """The local dates on which a 09:00 reminder could have fallen due in the catch-up window,
    in any time zone (UTC-12 to UTC+14)."""
    return (now - CATCH_UP).date() - timedelta(days=1), now.date() + timedelta(days=1)


def _merge(ranges: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[list[date]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return [(low, high) for low, high in merged]


def _in_ranges(column, ranges: Sequence[tuple[date, date]]):
    return or_(*(column.between(low, high) for low, high in ranges))


def _ran_until(session: Session, job: str, now: datetime) -> datetime | None:
    """The time up to which `job` last wrote every reminder, if within the catch-up window
    (None: read the whole window, as after a long stop or when the clock went back)."""
    mark = session.scalar(select(ReminderRun.ran_until).where(ReminderRun.job == job))
    if mark is None or not now - CATCH_UP < as_utc(mark) <= now:
        return None
    return as_utc(mark)


def _ran(session: Session, job: str, now: datetime) -> None:
    """Record that `job` wrote every reminder due up to `now` (a later mark is kept: several
    schedulers may run it at once)."""
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = upsert(ReminderRun).values(job=job, ran_until=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReminderRun.job],
            set_={"ran_until": statement.excluded.ran_until},
            where=ReminderRun.ran_until < statement.excluded.ran_until,
        )
    )
    session.commit()


@cache
def _all_zones() -> tuple[tuple[str, ZoneInfo], ...]:
    """Every zone an account may hold, loaded once (zoneinfo keeps only a few strongly)."""
    return tuple((name, zone_of(name)) for name in sorted(available_timezones()))


def nines_between(since: datetime, now: datetime) -> dict[str, list[date]]:
    """Zone name -> the local dates whose 09:00 came after `since` and by `now`, for every
    zone where there is one."""
    found = {}
    for name, zone in _all_zones():
        day, last = since.astimezone(zone).date(), now.astimezone(zone).date()
        days = []
        while day <= last:
            if since < datetime.combine(day, REMIND_AT, tzinfo=zone) <= now:
                days.append(day)
            day += timedelta(days=1)
        if days:
            found[name] = days
    return found


def _lived_in(session: Session, zones: Iterable[str]) -> set[str]:
    """Of these zones, those someone's account is in (SQLite skips through the index on zones;
    PostgreSQL reads the entries of the zones asked). The default zone always counts: an
    account whose zone is unknown lives by it."""
    zones = set(zones)
    if not zones:
        return set()
    asked = select(User.time_zone).where(User.time_zone.in_(sorted(zones))).distinct()
    return set(session.scalars(asked)) | ({DEFAULT_TIME_ZONE} & zones)


def _is_contention(error: Exception) -> bool:
    """A clash with another writer: a duplicate key, a lock or a stale SQLite snapshot."""
    if isinstance(error, IntegrityError):
        return True
    text = str(getattr(error, "orig", error)).lower()
    return "locked" in text or "busy" in text or "deadlock" in text


def _in_batches(
    session: Session,
    items: Sequence,
    key_of: Callable[[object], tuple[int, str]],
    work: Callable[[Session, list], int],
) -> int:
    """Write the items of each batch that have no message yet. The look costs no lock; the
    batch's write is a transaction of its own (`work` locks what it reminds about and looks
    again), committed. A write that clashes with another writer is rolled back and run again
    (it then finds what the other wrote)."""
    total = 0
    for start in range(0, len(items), BATCH):
        batch = list(items[start : start + BATCH])
        written = queued(session, map(key_of, batch))
        missing = [item for item in batch if key_of(item) not in written]
        session.commit()  # end the read
        if not missing:
            continue
        for attempt in itertools.count(1):
            try:
                # On SQLite take the write lock first, so jobs in other processes queue for it
                # rather than fail on upgrading a read lock (PostgreSQL locks rows instead).
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                total += work(session, missing)
                session.commit()
                break
            except (IntegrityError, OperationalError) as error:
                session.rollback()
                if attempt >= RETRIES or not _is_contention(error):
                    raise
                clock.sleep(0.05 * attempt)
    return total


# Milestones ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    milestone_id: int
    due_on: date
    scheduled_at: datetime
    owner_id: int
    owner_zone: str | None
    coordinator_id: int | None
    coordinator_zone: str | None
    lead_days: tuple[int, ...]


@dataclass(frozen=True)
class Due:
    """One reminder whose time has come."""

    milestone_id: int
    due_on: date
    recipient_id: int
    key: str
    due_at: datetime
    what: str  # "lead", "overdue" or "coordinator"
    number: int = 0  # the lead days, or the overdue week


def reminders_due(candidate: Candidate, now: datetime) -> list[Due]:
    """The reminders about one open milestone whose time has come within the catch-up window."""
    due_on, found = candidate.due_on, []
    earliest = now - CATCH_UP
    zone = candidate.owner_zone
    today = now.astimezone(zone_of(zone)).date()
    prefix = f"milestone:{candidate.milestone_id}:due:{due_on.isoformat()}"

    def add(recipient: int, key: str, at: datetime, what: str, number: int = 0) -> None:
        if earliest <= at <= now:
            found.append(Due(candidate.milestone_id, due_on, recipient, key, at, what, number))

    local_now = now.astimezone(zone_of(zone))
    # The latest local date whose 09:00 has come: today after 09:00, else yesterday.
    last_day = today if local_now.time() >= REMIND_AT else today - timedelta(days=1)
    if today <= due_on:
        come = [lead for lead in candidate.lead_days if due_on - timedelta(days=lead) <= last_day]
        if come:
            lead = min(come)  # the latest reminder supersedes earlier ones not yet written
            day = due_on - timedelta(days=lead)
            set_on = as_utc(candidate.scheduled_at).astimezone(zone_of(zone)).date()
            if day >= set_on:
                add(candidate.owner_id, f"{prefix}:lead:{lead}", at_nine(day, zone), "lead", lead)
    else:
        late = (last_day - due_on).days - 1  # days since the first overdue reminder's day
        if late >= 0:
            n = min(late // 7, OVERDUE_WEEKS)
            at = at_nine(due_on + timedelta(days=1 + 7 * n), zone)
            add(candidate.owner_id, f"{prefix}:overdue:{n}", at, "overdue", n)
    if candidate.coordinator_id is not None:
        day = due_on + timedelta(days=COORDINATOR_AFTER_DAYS)
        at = at_nine(day, candidate.coordinator_zone or zone)
        add(candidate.coordinator_id, f"{prefix}:coordinator", at, "coordinator")
    return found


def _lead_sets_in_use(session: Session) -> set[int]:
    custom = session.scalars(
        select(Plan.lead_days).where(Plan.lead_days.is_not(None)).distinct()
    ).all()
    leads = set(services.DEFAULT_LEAD_DAYS)
    for value in custom:
        leads.update(services.lead_days_of(value))
    return leads


def _due_ranges(session: Session, low: date, high: date) -> list[tuple[date, date]]:
    """The due dates of milestones that could have a reminder due on a local date from `low`
    to `high`."""
    ranges = []
    for lead in _lead_sets_in_use(session):
        ranges.append((low + timedelta(days=lead), high + timedelta(days=lead)))
    for n in range(OVERDUE_WEEKS + 1):
        back = timedelta(days=1 + 7 * n)
        ranges.append((low - back, high - back))
    back = timedelta(days=COORDINATOR_AFTER_DAYS)
    ranges.append((low - back, high - back))
    return _merge(ranges)


def _open_due_in(session: Session, ranges: Sequence[tuple[date, date]]) -> list[tuple]:
    """(id, plan id, due on, scheduled at) of the open milestones due in these ranges: one
    range seek per range in the partial index on open ones by due date (joined, or with the
    ranges OR-ed, SQLite's planner walks every plan or the whole index)."""
    columns = (Milestone.id, Milestone.plan_id, Milestone.due_on, Milestone.scheduled_at)
    return session.execute(
        union_all(
            *(
                select(*columns).where(
                    Milestone.done_at.is_(None), Milestone.due_on.between(low, high)
                )
                for low, high in ranges
            )
        )
    ).all()


def _changed_since(session: Session, after: datetime) -> list[tuple]:
    """(id, plan id, due on, scheduled at) of the open milestones set, moved or opened after
    `after`, and of those whose plan changed after it (lead times, coordinator)."""
    columns = (Milestone.id, Milestone.plan_id, Milestone.due_on, Milestone.scheduled_at)
    return session.execute(
        union_all(
            select(*columns).where(Milestone.done_at.is_(None), Milestone.scheduled_at > after),
            select(*columns)
            .join(Plan, Plan.id == Milestone.plan_id)
            .where(Plan.updated_at > after, Milestone.done_at.is_(None)),
        )
    ).all()


def _candidates(session: Session, found: Iterable[tuple]) -> list[Candidate]:
    """These milestones with their plans and people, read by plan id (owners still active)."""
    owner = aliased(User)
    coordinator = aliased(User)
    found = list(found)
    plans: dict[int, tuple] = {}
    plan_ids = sorted({plan_id for _, plan_id, _, _ in found})
    for start in range(0, len(plan_ids), 1000):
        rows = session.execute(
            select(
                Plan.id,
                Plan.owner_id,
                owner.time_zone,
                Plan.coordinator_id,
                coordinator.time_zone,
                Plan.lead_days,
            )
            .join(owner, owner.id == Plan.owner_id)
            .outerjoin(coordinator, coordinator.id == Plan.coordinator_id)
            .where(Plan.id.in_(plan_ids[start : start + 1000]), owner.active.is_(True))
        )
        for plan_id, *details in rows:
            plans[plan_id] = tuple(details)
    candidates = []
    for milestone_id, plan_id, due_on, scheduled_at in found:
        if plan_id not in plans:
            continue
        owner_id, owner_zone, coordinator_id, coordinator_zone, lead_days = plans[plan_id]
        candidates.append(
            Candidate(
                milestone_id,
                due_on,
                scheduled_at,
                owner_id,
                owner_zone,
                coordinator_id,
                coordinator_zone,
                services.lead_days_of(lead_days),
            )
        )
    return candidates


def milestones_due(session: Session, now: datetime, since: datetime | None) -> list[Due]:
    """The milestone reminders that came after `since` and by `now` (None: within the
    catch-up window), and those of milestones and plans changed since then, already written or
    not.

    A run after another reads the milestones whose due dates give a reminder on a local date
    whose 09:00 came since in a zone someone lives in (most minutes there is none), and those
    changed since the other run began, less `SETTLING`: a change committed after the other
    run read is read by this one."""
    if since is None:
        found = _open_due_in(session, _due_ranges(session, *_date_window(now)))
        return [due for c in _candidates(session, found) for due in reminders_due(c, now)]
    changed = {row[0]: row for row in _changed_since(session, since - SETTLING)}
    nines = nines_between(since, now)
    days = [day for zone in _lived_in(session, nines) for day in nines[zone]]
    found = {}
    if days:
        found = {
            row[0]: row for row in _open_due_in(session, _due_ranges(session, min(days), max(days)))
        }
    found.update(changed)
    return [
        due
        for candidate in _candidates(session, found.values())
        for due in reminders_due(candidate, now)
        if due.due_at > since or candidate.milestone_id in changed
    ]


def milestone_reminders(now: datetime | None = None) -> int:
    """Write the milestone reminders whose time has come; return how many were written."""
    now = as_utc(now or utcnow())
    session = db.session
    dues = milestones_due(session, now, _ran_until(session, MILESTONES, now))
    session.commit()  # end the read; each batch is a transaction of its own
    dues.sort(key=lambda due: due.milestone_id)
    coordinating: dict[int, bool] = {}
    written = _in_batches(
        session,
        dues,
        lambda due: (due.recipient_id, due.key),
        lambda s, batch: _write_milestone_batch(s, batch, now, coordinating),
    )
    _ran(session, MILESTONES, now)
    return written


def _write_milestone_batch(
    session: Session, batch: list[Due], now: datetime, coordinating: dict[int, bool]
) -> int:
    """Lock the batch's milestones, and write the reminders still due about them: one
    statement each for the milestones, the preferences, the numbers and the rows already
    written, one insert, and one per coordinator not asked about yet in this run."""
    ids = sorted({due.milestone_id for due in batch})
    milestones = {
        m.id: m
        for m in session.scalars(
            select(Milestone)
            .where(Milestone.id.in_(ids), Milestone.done_at.is_(None))
            .options(
                joinedload(Milestone.plan).joinedload(Plan.owner),
                joinedload(Milestone.plan).joinedload(Plan.coordinator),
            )
            .order_by(Milestone.id)
            .with_for_update(of=Milestone)
        ).unique()
    }
    messages = []
    for due in batch:
        milestone = milestones.get(due.milestone_id)
        if milestone is None or milestone.due_on != due.due_on:
            continue  # done, deleted or moved since the candidates were read
        plan = milestone.plan
        person = plan.owner
        if due.what == "coordinator":
            person = plan.coordinator
            if person is None or person.id != due.recipient_id:
                continue
            if person.id not in coordinating:
                coordinating[person.id] = services.is_current_coordinator(session, person)
            if not coordinating[person.id]:
                continue
        days = (milestone.due_on - services.local_today(plan.owner, now)).days
        with force_locale(language_of(person)):  # the message is in its recipient's language
            messages.append(_milestone_message(milestone, plan, person, due, days))
    return notify_many(session, messages)


def _milestone_message(
    milestone: Milestone, plan: Plan, person: User, due: Due, days: int
) -> Message:
    title = milestone.title
    if due.what == "lead":
        kind = "milestone_reminder"
        if days == 0:
            subject = gettext("Due today: %(title)s", title=title)
        elif days == 1:
            subject = gettext("Due tomorrow: %(title)s", title=title)
        else:
            subject = ngettext(
                "Due in %(num)d day: %(title)s", "Due in %(num)d days: %(title)s", days, title=title
            )
        template = "milestones_reminder"
    elif due.what == "overdue":
        kind = "milestone_overdue"
        subject = gettext("Overdue: %(title)s", title=title)
        template = "milestones_overdue"
    else:
        kind = "milestone_overdue"
        subject = ngettext(
            "Overdue for %(num)d day: %(title)s (%(name)s)",
            "Overdue for %(num)d days: %(title)s (%(name)s)",
            -days,
            title=title,
            name=plan.owner.display_name,
        )
        template = "milestones_overdue_coordinator"
    return Message(
        person,
        kind,
        subject[:200],
        template,
        link=service_path("milestones.plan", plan_id=plan.id),
        dedupe_key=due.key,
        due_at=due.due_at,
        about=plan.owner,
        context={
            "milestone": milestone,
            "plan": plan,
            "owner": plan.owner,
            "due": long_date(milestone.due_on),
            "days": days,
            "days_text": days_text(abs(days)),
        },
    )


# Tele-teaching sessions ----------------------------------------------------------------------


def session_reminders(now: datetime | None = None) -> int:
    """Remind each person with an accepted booking 24 hours and 1 hour before the session."""
    now = as_utc(now or utcnow())
    session = db.session
    rows = session.execute(
        select(
            Engagement.id,
            Engagement.user_id,
            TeachingSession.id,
            TeachingSession.sequence,
            TeachingSession.starts_at,
        )
        .join(TeachingSession, TeachingSession.id == Engagement.session_id)
        .where(
            Engagement.state == EngagementState.ACCEPTED,
            TeachingSession.status == SessionStatus.SCHEDULED,
            TeachingSession.starts_at > now,
            TeachingSession.starts_at <= now + SESSION_LEADS[0][1],
        )
    ).all()
    session.commit()
    dues = []
    for engagement_id, user_id, session_id, sequence, starts_at in rows:
        starts_at = as_utc(starts_at)
        come = [(name, lead) for name, lead in SESSION_LEADS if starts_at - lead <= now]
        if not come:
            continue
        name, lead = min(come, key=lambda item: item[1])  # the nearest supersedes
        key = f"session:{session_id}:{sequence}:{name}"
        dues.append((engagement_id, user_id, key, starts_at - lead, starts_at, sequence))
    dues.sort()
    return _in_batches(
        session,
        dues,
        lambda item: (item[1], item[2]),
        lambda s, batch: _write_session_batch(s, batch, now),
    )


def _write_session_batch(session: Session, batch: list[tuple], now: datetime) -> int:
    engagements = {
        e.id: e
        for e in session.scalars(
            select(Engagement)
            .where(Engagement.id.in_([item[0] for item in batch]))
            .options(
                joinedload(Engagement.user),
                joinedload(Engagement.session).joinedload(TeachingSession.opportunity),
            )
            .order_by(Engagement.id)
            .with_for_update(of=Engagement)
        ).unique()
    }
    messages = []
    for engagement_id, _user_id, key, due_at, starts_at, sequence in batch:
        engagement = engagements.get(engagement_id)
        if engagement is None:
            continue
        occurrence = engagement.session
        if (
            engagement.state != EngagementState.ACCEPTED
            or occurrence is None
            or occurrence.status != SessionStatus.SCHEDULED
            or occurrence.sequence != sequence
            or as_utc(occurrence.starts_at) != starts_at
            or starts_at <= now
        ):
            continue
        opportunity = occurrence.opportunity
        person = engagement.user
        host_zone = opportunity.host_time_zone or person.time_zone or DEFAULT_TIME_ZONE
        at = both_zones(starts_at, host_zone, person.time_zone or DEFAULT_TIME_ZONE)
        soon = "hour" if key.endswith(":1h") else "tomorrow"
        if key.endswith(":24h") and starts_at - now < timedelta(hours=20):
            soon = "today" if (starts_at - now) < timedelta(hours=12) else "soon"
        with force_locale(language_of(person)):  # the message is in its recipient's language
            messages.append(_session_message(person, key, due_at, occurrence, at, starts_at, soon))
    return notify_many(session, messages)


def _session_subject(soon: str, title: str) -> str:
    if soon == "hour":
        return gettext("Starting in 1 hour: %(title)s", title=title)
    if soon == "tomorrow":
        return gettext("Starting tomorrow: %(title)s", title=title)
    if soon == "today":
        return gettext("Starting today: %(title)s", title=title)
    return gettext("Starting soon: %(title)s", title=title)


def _session_message(
    person: User,
    key: str,
    due_at: datetime,
    occurrence: TeachingSession,
    at: str,
    starts_at: datetime,
    soon: str,
) -> Message:
    opportunity = occurrence.opportunity
    return Message(
        person,
        "booking_reminder",
        _session_subject(soon, opportunity.title)[:200],
        "milestones_session_reminder",
        link=service_path("opportunities.detail", opportunity_id=opportunity.id),
        dedupe_key=key,
        organisation_id=opportunity.organisation_id,
        due_at=due_at,
        context={
            "opportunity": opportunity,
            "occurrence": occurrence,
            "starts": at,
            "day": long_date(as_utc(starts_at).astimezone(zone_of(person.time_zone)).date()),
            "join_link": opportunity.join_link,
        },
    )


# Credentials ---------------------------------------------------------------------------------


def credential_reminders(now: datetime | None = None) -> int:
    """Remind people 60 and 14 days before a registration they added expires."""
    now = as_utc(now or utcnow())
    session = db.session
    low, high = _date_window(now)
    ranges = _merge(
        (low + timedelta(days=lead), high + timedelta(days=lead)) for lead in CREDENTIAL_LEADS
    )
    rows = session.execute(
        select(Credential.id, Credential.expires_on, User.id, User.time_zone)
        .join(StaffProfile, StaffProfile.id == Credential.profile_id)
        .join(User, User.id == StaffProfile.user_id)
        .where(
            Credential.expires_on.is_not(None),
            _in_ranges(Credential.expires_on, ranges),
            Credential.status != CredentialStatus.REJECTED,
            User.active.is_(True),
        )
    ).all()
    session.commit()
    earliest = now - CATCH_UP
    dues = []
    for credential_id, expires_on, user_id, zone in rows:
        if now.astimezone(zone_of(zone)).date() > expires_on:
            continue
        come = [
            lead
            for lead in CREDENTIAL_LEADS
            if at_nine(expires_on - timedelta(days=lead), zone) <= now
        ]
        if not come:
            continue
        lead = min(come)
        at = at_nine(expires_on - timedelta(days=lead), zone)
        if at < earliest:
            continue
        key = f"credential:{credential_id}:expires:{expires_on.isoformat()}:{lead}"
        dues.append((credential_id, user_id, key, at, expires_on))
    dues.sort()
    return _in_batches(
        session,
        dues,
        lambda item: (item[1], item[2]),
        lambda s, batch: _write_credential_batch(s, batch, now),
    )


def _write_credential_batch(session: Session, batch: list[tuple], now: datetime) -> int:
    credentials = {
        c.id: c
        for c in session.scalars(
            select(Credential)
            .where(Credential.id.in_([item[0] for item in batch]))
            .options(joinedload(Credential.profile).joinedload(StaffProfile.user))
            .order_by(Credential.id)
            .with_for_update(of=Credential)
        ).unique()
    }
    messages = []
    for credential_id, _user_id, key, due_at, expires_on in batch:
        credential = credentials.get(credential_id)
        if (
            credential is None
            or credential.expires_on != expires_on
            or credential.status == CredentialStatus.REJECTED
        ):
            continue
        person = credential.profile.user
        days = (expires_on - services.local_today(person, now)).days
        with force_locale(language_of(person)):  # the message is in its recipient's language
            messages.append(_expiry_message(person, key, due_at, credential, expires_on, days))
    return notify_many(session, messages)


def _expiry_message(
    person: User,
    key: str,
    due_at: datetime,
    credential: Credential,
    expires_on: date,
    days: int,
) -> Message:
    return Message(
        person,
        "credential_expiry",
        ngettext(
            "Your registration expires in %(num)d day",
            "Your registration expires in %(num)d days",
            days,
        ),
        "milestones_credential_expiry",
        link=service_path("credentials.index"),
        dedupe_key=key,
        due_at=due_at,
        context={
            "credential": credential,
            "regulator": regulator_label(credential.regulator, credential.regulator_name),
            "expires": long_date(expires_on),
            "days_text": days_text(days),
        },
    )
