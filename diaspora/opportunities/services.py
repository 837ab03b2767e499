"""Opportunity rules: posting, editing, the lifecycle, tele-teaching schedules, and the listing.

Only active members of a verified organisation post for it. Every opportunity starts as a draft;
`publish` opens it, and `close`, `complete` and `cancel` end it (LIFECYCLE says from where).
Drafts and open opportunities may be edited; the rest are history.

Tele-teaching times are typed as a wall-clock time in the host's zone. Each occurrence of a
series is worked out as a local date first, then turned into UTC with `times.local_to_utc`, so a
weekly session at 14:00 in London stays at 14:00 in London when the clocks change.

What these changes mean for the areas built on opportunities (bookings told of moved or
cancelled sessions, engagements ended, staff alerted to a new opportunity) is done by
`postings.services`, which calls these functions and then those areas: pages and the API go
through it.

The listing reads open opportunities only, a page at a time, newest start last, in a fixed
number of queries: one count, one page (with the organisation joined), one for the next session
of the tele-teaching rows.

Functions here never commit; the caller does.
"""

import calendar
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from math import ceil

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, raiseload, selectinload

from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.core.errors import DomainError
from diaspora.core.paging import PageNumbers
from diaspora.core.time import as_utc, utcnow
from diaspora.core.words import N_, Words
from diaspora.opportunities import times
from diaspora.opportunities.models import (
    RECURRENCE_LABELS,
    Opportunity,
    OpportunityKind,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
    OpportunityStatus,
    Recurrence,
    SessionStatus,
    TeachingSession,
)
from diaspora.organisations.access import (
    is_verified_member,
    verified_memberships,
    verified_organisations,
)
from diaspora.organisations.models import Organisation

PER_PAGE = 20
MAX_WANTED = 5  # rows of wanted skills, and of wanted languages, on the form
MAX_HOURS = 200
MIN_DURATION, MAX_DURATION = 15, 480
MIN_OCCURRENCES, MAX_OCCURRENCES = 2, 52
MAX_CAPACITY = 1000
MAX_PLACES = 1000
MAX_PLACEMENT_MONTHS = 36
MAX_TITLE = 150
MAX_REGION = 120
MAX_AUDIENCE = 200
MAX_TEXT = 5000
MAX_LINK = 500

EDITABLE = {OpportunityStatus.DRAFT, OpportunityStatus.OPEN}
# action: (the statuses it may start from, the status it leads to)
LIFECYCLE = {
    "publish": ({OpportunityStatus.DRAFT}, OpportunityStatus.OPEN),
    "close": ({OpportunityStatus.OPEN}, OpportunityStatus.CLOSED),
    "complete": ({OpportunityStatus.OPEN, OpportunityStatus.CLOSED}, OpportunityStatus.COMPLETED),
    "cancel": (
        {OpportunityStatus.DRAFT, OpportunityStatus.OPEN, OpportunityStatus.CLOSED},
        OpportunityStatus.CANCELLED,
    ),
}


class OpportunityError(DomainError):
    """Input the rules refuse: `errors` maps each form field's name to a message fit to show."""


class NotAllowed(Exception):
    """A change the rules refuse (a closed opportunity edited, a draft closed); `str()` is fit
    to show."""


@dataclass
class OpportunityInput:
    """What a person typed for an opportunity of `kind`; fields of other kinds are ignored."""

    kind: str
    title: str = ""
    description: str = ""
    country: str = ""
    region: str = ""
    modality: str = ""
    professions: list[str] = field(default_factory=list)
    skills: list[tuple[str, int]] = field(default_factory=list)  # (code, minimum level)
    languages: list[tuple[str, int]] = field(default_factory=list)  # (ISO 639-3, proficiency)
    # Projects: first and last day. Placements: earliest and latest start. Teaching: the first
    # session's local date (ends_on is worked out from the recurrence).
    starts_on: date | None = None
    ends_on: date | None = None
    hours_per_month: int | None = None
    places: int | None = None
    # Tele-teaching
    start_time: time | None = None
    host_time_zone: str = ""
    duration_minutes: int | None = None
    capacity: int | None = None
    join_link: str = ""  # when editing, empty keeps the current link
    audience: str = ""
    learners_expected: int | None = None
    recurrence: str = Recurrence.NONE
    occurrences: int | None = None
    # Return placements
    host_institution: str = ""
    duration_months: int | None = None
    support_travel: bool = False
    support_housing: bool = False
    support_stipend: bool = False
    service_commitment: str = ""

    @classmethod
    def from_opportunity(cls, opportunity: Opportunity) -> "OpportunityInput":
        """The opportunity as it stands, for a form to start from (never the join link)."""
        data = cls(kind=opportunity.kind)
        for name in (f.name for f in fields(cls)):
            if name in ("kind", "professions", "skills", "languages", "start_time", "join_link"):
                continue
            value = getattr(opportunity, name, None)
            if value is not None:
                setattr(data, name, value)
        data.professions = [p.profession for p in opportunity.professions]
        data.skills = [(s.code, s.min_level) for s in opportunity.skills]
        data.languages = [(lang.language, lang.min_proficiency) for lang in opportunity.languages]
        if opportunity.kind == OpportunityKind.TEACHING and opportunity.sessions:
            first = min(opportunity.sessions, key=lambda s: s.number)
            local = times.in_zone(first.starts_at, opportunity.host_time_zone or "UTC")
            data.starts_on, data.start_time = local.date(), local.time().replace(tzinfo=None)
            data.ends_on = None
        if data.recurrence == Recurrence.NONE:
            data.occurrences = None
        return data


# Who may post ---------------------------------------------------------------------------------


def starting_point(organisation: Organisation, kind: str) -> OpportunityInput:
    """What a new opportunity of `kind` starts from: tele-teaching in the organisation's time
    zone, which the poster may change."""
    zone = organisation.time_zone if kind == OpportunityKind.TEACHING else ""
    return OpportunityInput(kind=kind, host_time_zone=zone)


def posting_organisations(session: Session, user: User) -> list[Organisation]:
    """The verified organisations `user` is an active member of: those they may post for."""
    return verified_organisations(session, user)


def can_post_for(session: Session, user: User, organisation: Organisation) -> bool:
    return is_verified_member(session, user, organisation.id)


# Tele-teaching schedules ----------------------------------------------------------------------


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _month(day: date, months: int) -> tuple[int, int]:
    """(year, month) `months` after the month of `day`."""
    index = day.month - 1 + months
    return day.year + index // 12, index % 12 + 1


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or the month's last day when it is shorter."""
    year, month = _month(day, months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def week_of_month(day: date) -> int:
    """Which of its weekday in the month `day` is: 1 for the first Tuesday, 5 for a fifth."""
    return (day.day - 1) // 7 + 1


def is_last_of_weekday(day: date) -> bool:
    """Whether `day` is the last of its weekday in its month: in the month's last seven days."""
    return day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The `n`th (1 to 4) `weekday` (Monday 0) of a month: every month has four of each."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def last_weekday(year: int, month: int, weekday: int) -> date:
    """The last `weekday` (Monday 0) of a month."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def occurrence_dates(first: date, recurrence: str, count: int | None) -> list[date]:
    """The local dates of a series: one date, or `count` weekly or monthly ones, `first` always
    the first of them.

    Monthly series repeat on the same date (the 31st falls on the last day of a shorter month),
    on the same weekday of the same week (the second Tuesday), or on the last of that weekday
    (the last Friday). A fifth weekday has no `MONTHLY_NTH` series, since most months have no
    fifth Tuesday: `check` offers the last Tuesday instead rather than skip months silently.
    """
    months = range(count or 1)
    if recurrence == Recurrence.WEEKLY:
        return [first + timedelta(weeks=n) for n in months]
    if recurrence == Recurrence.MONTHLY:
        return [add_months(first, n) for n in months]
    if recurrence == Recurrence.MONTHLY_NTH:
        n = week_of_month(first)
        if n > 4:
            raise ValueError(f"{first} is a fifth {WEEKDAYS[first.weekday()]}: no monthly series")
        return [nth_weekday(*_month(first, m), first.weekday(), n) for m in months]
    if recurrence == Recurrence.MONTHLY_LAST:
        if not is_last_of_weekday(first):
            raise ValueError(f"{first} is not the last {WEEKDAYS[first.weekday()]} of its month")
        return [last_weekday(*_month(first, m), first.weekday()) for m in months]
    return [first]


# Each way a series repeats as whole sentences, so that a language can order the words its own
# way: "Every month on the %(day)s" in English is "Chaque mois, le %(day)s" in French.
_EVERY_MONTH_ON_DAY = {
    "st": N_("Every month on the %(day)sst"),
    "nd": N_("Every month on the %(day)snd"),
    "rd": N_("Every month on the %(day)srd"),
    "th": N_("Every month on the %(day)sth"),
}
_EVERY_MONTH_ON_LATE_DAY = {  # the 29th, 30th and 31st
    "st": N_("Every month on the %(day)sst (or the last day of a shorter month)"),
    "th": N_("Every month on the %(day)sth (or the last day of a shorter month)"),
}
_EVERY_MONTH_ON_NTH = (
    N_("Every month on the first %(weekday)s"),
    N_("Every month on the second %(weekday)s"),
    N_("Every month on the third %(weekday)s"),
    N_("Every month on the fourth %(weekday)s"),
)
_MONTHLY_ON_DAY = {
    "st": N_("Monthly on the %(day)sst"),
    "nd": N_("Monthly on the %(day)snd"),
    "rd": N_("Monthly on the %(day)srd"),
    "th": N_("Monthly on the %(day)sth"),
}
_MONTHLY_ON_NTH = (
    N_("Monthly on the first %(weekday)s"),
    N_("Monthly on the second %(weekday)s"),
    N_("Monthly on the third %(weekday)s"),
    N_("Monthly on the fourth %(weekday)s"),
)
WEEKDAY_NAMES = times.WEEKDAYS
MONTH_NAMES = times.MONTHS
WEEKDAYS_PLURAL = (
    N_("Mondays"),
    N_("Tuesdays"),
    N_("Wednesdays"),
    N_("Thursdays"),
    N_("Fridays"),
    N_("Saturdays"),
    N_("Sundays"),
)


def _suffix(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def repeat_label(recurrence: str, first: date) -> Words:
    """What a series from `first` will do, as a choice says it: "Every month on the 9th"."""
    weekday = WEEKDAY_NAMES[first.weekday()]
    if recurrence == Recurrence.WEEKLY:
        return N_("Every week on %(weekdays)s", weekdays=WEEKDAYS_PLURAL[first.weekday()])
    if recurrence == Recurrence.MONTHLY:
        late = _EVERY_MONTH_ON_LATE_DAY if first.day > 28 else _EVERY_MONTH_ON_DAY
        return N_(late[_suffix(first.day)].msgid, day=first.day)
    if recurrence == Recurrence.MONTHLY_NTH:
        return N_(_EVERY_MONTH_ON_NTH[week_of_month(first) - 1].msgid, weekday=weekday)
    if recurrence == Recurrence.MONTHLY_LAST:
        return N_("Every month on the last %(weekday)s", weekday=weekday)
    return RECURRENCE_LABELS[Recurrence.NONE]


def series_name(recurrence: str, first: date) -> Words:
    """How a series repeats, in short, before its number of sessions: "Monthly on the 9th"."""
    weekday = WEEKDAY_NAMES[first.weekday()]
    if recurrence == Recurrence.MONTHLY:
        return N_(_MONTHLY_ON_DAY[_suffix(first.day)].msgid, day=first.day)
    if recurrence == Recurrence.MONTHLY_NTH:
        return N_(_MONTHLY_ON_NTH[week_of_month(first) - 1].msgid, weekday=weekday)
    if recurrence == Recurrence.MONTHLY_LAST:
        return N_("Monthly on the last %(weekday)s", weekday=weekday)
    return N_("Weekly")


def recurrence_choices(first: date | None) -> list[tuple[str, str]]:
    """(value, label) of the ways a series may repeat from `first`, each label saying what will
    happen ("Every month on the second Tuesday"). Unknown `first`: every way, in general terms.
    A first date that is a fifth weekday is offered the last of that weekday instead of the
    nth; one outside its month's last week is not offered the last."""
    if first is None:
        return [(r.value, label) for r, label in RECURRENCE_LABELS.items()]
    choices = []
    for recurrence, label in RECURRENCE_LABELS.items():
        if recurrence == Recurrence.MONTHLY_NTH and week_of_month(first) > 4:
            continue
        if recurrence == Recurrence.MONTHLY_LAST and not is_last_of_weekday(first):
            continue
        if recurrence != Recurrence.NONE:
            label = repeat_label(recurrence, first)
        choices.append((recurrence.value, label))
    return choices


def recurrence_problem(first: date, recurrence: str) -> str | None:
    """Why a monthly series cannot repeat this way from `first`, or None."""
    weekday = WEEKDAY_NAMES[first.weekday()]
    if recurrence == Recurrence.MONTHLY_NTH and week_of_month(first) > 4:
        return N_(
            "%(day)s is the fifth %(weekday)s of its month and most months have no fifth "
            "%(weekday)s: choose every month on the last %(weekday)s",
            day=first,
            weekday=weekday,
        )
    if recurrence == Recurrence.MONTHLY_LAST and not is_last_of_weekday(first):
        return N_(
            "%(day)s is not the last %(weekday)s of %(month)s: choose another way to repeat, "
            "or a first date in the last week of its month",
            day=first,
            weekday=weekday,
            month=MONTH_NAMES[first.month - 1],
        )
    return None


def schedule(
    first: date, at: time, zone_name: str, recurrence: str, count: int | None
) -> list[tuple[date, datetime]]:
    """(local date, UTC start) of every occurrence; raises times.LocalTimeError for a time that
    does not exist on one of the dates."""
    return [
        (day, times.local_to_utc(day, at, zone_name))
        for day in occurrence_dates(first, recurrence, count)
    ]


# Edits ---------------------------------------------------------------------------------------


def _check_capacity(
    opportunity: Opportunity, capacity: int, errors: dict[str, str], now: datetime
) -> None:
    """The sessions still to come take the new capacity: none may hold more bookings."""
    booked = [
        s
        for s in opportunity.sessions
        if s.status == SessionStatus.SCHEDULED and s.booked and as_utc(s.starts_at) > now
    ]
    fullest = max(booked, key=lambda s: s.booked, default=None)
    if fullest is not None and capacity < fullest.booked:
        local = times.in_zone(fullest.starts_at, opportunity.host_time_zone or "UTC")
        errors["capacity"] = N_(
            "Capacity cannot be lower than %(booked)s: that many places are already booked on "
            "the session of %(day)s",
            booked=fullest.booked,
            day=local.date(),
        )


def check_change(data: OpportunityInput, opportunity: Opportunity, now: datetime) -> None:
    """OpportunityError for what an edit may not do to what is stored: change the kind, or
    give the sessions still to come fewer places than they have booked. What was typed is held
    to the field rules by the form (`forms.OpportunityForm`)."""
    errors: dict[str, str] = {}
    if data.kind != opportunity.kind:
        errors["kind"] = N_("The kind of an opportunity cannot be changed")
    elif data.kind == OpportunityKind.TEACHING and data.capacity is not None:
        _check_capacity(opportunity, data.capacity, errors, now)
    if errors:
        raise OpportunityError(errors)


# Posting and editing --------------------------------------------------------------------------


def _apply(opportunity: Opportunity, data: OpportunityInput) -> None:
    opportunity.title = data.title.strip()
    opportunity.description = data.description.strip()
    opportunity.country = data.country
    opportunity.region = data.region.strip()
    opportunity.modality = data.modality
    _replace_wanted(opportunity, data)
    if data.kind == OpportunityKind.PROJECT:
        opportunity.starts_on, opportunity.ends_on = data.starts_on, data.ends_on
        opportunity.hours_per_month, opportunity.places = data.hours_per_month, data.places
    elif data.kind == OpportunityKind.PLACEMENT:
        opportunity.starts_on, opportunity.ends_on = data.starts_on, data.ends_on
        opportunity.hours_per_month, opportunity.places = data.hours_per_month, data.places
        opportunity.host_institution = data.host_institution.strip()
        opportunity.duration_months = data.duration_months
        opportunity.support_travel = data.support_travel
        opportunity.support_housing = data.support_housing
        opportunity.support_stipend = data.support_stipend
        opportunity.service_commitment = data.service_commitment.strip()
    else:
        opportunity.host_time_zone = data.host_time_zone
        opportunity.duration_minutes = data.duration_minutes
        opportunity.capacity = data.capacity
        if data.join_link.strip():
            opportunity.join_link = data.join_link.strip()
        opportunity.audience = data.audience.strip()
        opportunity.learners_expected = data.learners_expected
        opportunity.recurrence = data.recurrence
        recurring = data.recurrence != Recurrence.NONE
        opportunity.occurrences = data.occurrences if recurring else 1
        opportunity.hours_per_month = None
        opportunity.places = None


def _replace_wanted(opportunity: Opportunity, data: OpportunityInput) -> None:
    """Keep the rows that stay (the unique constraints would refuse a delete-then-insert of the
    same code in one flush), change their levels, add and remove the rest."""
    wanted = list(dict.fromkeys(data.professions))
    opportunity.professions = [p for p in opportunity.professions if p.profession in wanted]
    have = {p.profession for p in opportunity.professions}
    opportunity.professions += [
        OpportunityProfession(profession=p) for p in wanted if p not in have
    ]

    levels = dict(data.skills)
    opportunity.skills = [s for s in opportunity.skills if s.code in levels]
    for skill in opportunity.skills:
        skill.min_level = levels.pop(skill.code)
    opportunity.skills += [OpportunitySkill(code=c, min_level=lv) for c, lv in levels.items()]

    spoken = dict(data.languages)
    opportunity.languages = [lang for lang in opportunity.languages if lang.language in spoken]
    for language in opportunity.languages:
        language.min_proficiency = spoken.pop(language.language)
    opportunity.languages += [
        OpportunityLanguage(language=c, min_proficiency=p) for c, p in spoken.items()
    ]


def _set_dates_from_sessions(opportunity: Opportunity) -> None:
    zone_name = opportunity.host_time_zone or "UTC"
    days = [times.in_zone(s.starts_at, zone_name).date() for s in opportunity.sessions]
    opportunity.starts_on = min(days) if days else None
    opportunity.ends_on = max(days) if days else None


def create(
    session: Session,
    organisation: Organisation,
    actor: User,
    data: OpportunityInput,
    *,
    now: datetime | None = None,
) -> Opportunity:
    """A draft opportunity (and, for tele-teaching, one session per occurrence)."""
    if not can_post_for(session, actor, organisation):
        raise NotAllowed(
            N_("Only members of a verified organisation can post opportunities for it")
        )
    now = now or utcnow()
    opportunity = Opportunity(
        organisation=organisation,
        kind=data.kind,
        status=OpportunityStatus.DRAFT,
        created_by=actor,
        professions=[],
        skills=[],
        languages=[],
        sessions=[],
    )
    _apply(opportunity, data)
    if data.kind == OpportunityKind.TEACHING:
        planned = schedule(
            data.starts_on, data.start_time, data.host_time_zone, data.recurrence, data.occurrences
        )
        opportunity.sessions = [
            TeachingSession(
                number=number,
                starts_at=instant,
                duration_minutes=data.duration_minutes,
                capacity=data.capacity,
            )
            for number, (_day, instant) in enumerate(planned, start=1)
        ]
        _set_dates_from_sessions(opportunity)
    session.add(opportunity)
    session.flush()
    record(session, "opportunity.created", actor=actor, subject=opportunity, kind=data.kind)
    return opportunity


@dataclass
class Rescheduled:
    """What an edit did to a series: sessions moved, added, and cancelled (beyond the new end)."""

    moved: list[TeachingSession] = field(default_factory=list)
    added: list[TeachingSession] = field(default_factory=list)
    cancelled: list[TeachingSession] = field(default_factory=list)


def check_editable(opportunity: Opportunity) -> None:
    if opportunity.status not in EDITABLE:
        raise NotAllowed(N_("Only draft and open opportunities can be changed"))


def update(
    session: Session,
    opportunity: Opportunity,
    actor: User,
    data: OpportunityInput,
    *,
    now: datetime | None = None,
) -> Rescheduled:
    """Change a draft or open opportunity.

    For tele-teaching, each session still to come takes its new time, duration and capacity;
    sessions already held keep theirs. The sessions whose time or duration changed, and those
    past a shortened series, are returned for their bookings (`postings.services.update` tells
    the people booked and cancels the sessions); a longer series gets new sessions.
    """
    check_editable(opportunity)
    now = now or utcnow()
    data.kind = data.kind or opportunity.kind
    check_change(data, opportunity, now)
    _apply(opportunity, data)
    result = Rescheduled()
    if opportunity.kind == OpportunityKind.TEACHING:
        result = _reschedule(opportunity, data, now)
        _set_dates_from_sessions(opportunity)
    session.flush()
    record(session, "opportunity.updated", actor=actor, subject=opportunity)
    return result


def _reschedule(opportunity: Opportunity, data: OpportunityInput, now: datetime) -> Rescheduled:
    planned = schedule(
        data.starts_on, data.start_time, data.host_time_zone, data.recurrence, data.occurrences
    )
    by_number = {s.number: s for s in opportunity.sessions}
    result = Rescheduled()
    for number, (_day, instant) in enumerate(planned, start=1):
        existing = by_number.get(number)
        if existing is None:
            added = TeachingSession(
                number=number,
                starts_at=instant,
                duration_minutes=data.duration_minutes,
                capacity=data.capacity,
            )
            opportunity.sessions.append(added)
            result.added.append(added)
            continue
        if existing.status != SessionStatus.SCHEDULED or as_utc(existing.starts_at) <= now:
            continue  # cancelled, or already held: left as it was
        existing.capacity = data.capacity
        if as_utc(existing.starts_at) != instant or existing.duration_minutes != (
            data.duration_minutes
        ):
            existing.starts_at = instant
            existing.duration_minutes = data.duration_minutes
            result.moved.append(existing)
    for number, existing in by_number.items():
        if (
            number > len(planned)
            and existing.status == SessionStatus.SCHEDULED
            and as_utc(existing.starts_at) > now
        ):
            result.cancelled.append(existing)
    if opportunity.status == OpportunityStatus.DRAFT:
        result.moved = []  # nobody can have booked a draft's sessions: nobody to tell
    return result


# The lifecycle --------------------------------------------------------------------------------


def _move(opportunity: Opportunity, action: str) -> None:
    sources, target = LIFECYCLE[action]
    if opportunity.status not in sources:
        raise NotAllowed(
            N_(
                "A %(status)s opportunity cannot be %(done)s",
                status=STATUS_WORDS[opportunity.status],
                done=_past_tense(action),
            )
        )
    opportunity.status = target


# The status and the change inside "A draft opportunity cannot be closed".
STATUS_WORDS = {
    OpportunityStatus.DRAFT: N_("draft"),
    OpportunityStatus.OPEN: N_("open"),
    OpportunityStatus.CLOSED: N_("closed"),
    OpportunityStatus.COMPLETED: N_("completed"),
    OpportunityStatus.CANCELLED: N_("cancelled"),
}


def _past_tense(action: str) -> str:
    return {
        "publish": N_("published"),
        "close": N_("closed"),
        "complete": N_("completed"),
    }.get(action, N_("cancelled"))


def publish(
    session: Session, opportunity: Opportunity, actor: User, *, now: datetime | None = None
) -> None:
    """Open a draft to everyone signed in. A tele-teaching series needs a session to come."""
    now = now or utcnow()
    if opportunity.kind == OpportunityKind.TEACHING and not any(
        s.status == SessionStatus.SCHEDULED and as_utc(s.starts_at) > now
        for s in opportunity.sessions
    ):
        raise NotAllowed(N_("Every session has already started: change the date before publishing"))
    _move(opportunity, "publish")
    opportunity.published_at = now
    record(session, "opportunity.published", actor=actor, subject=opportunity)


def close(
    session: Session, opportunity: Opportunity, actor: User, *, now: datetime | None = None
) -> None:
    """Stop taking new people; those taking part carry on."""
    _move(opportunity, "close")
    opportunity.closed_at = now or utcnow()
    record(session, "opportunity.closed", actor=actor, subject=opportunity)


def complete(
    session: Session, opportunity: Opportunity, actor: User, *, now: datetime | None = None
) -> None:
    """Mark the work done."""
    _move(opportunity, "complete")
    opportunity.closed_at = opportunity.closed_at or now or utcnow()
    record(session, "opportunity.completed", actor=actor, subject=opportunity)


def cancel(
    session: Session,
    opportunity: Opportunity,
    actor: User,
    *,
    reason: str,
    now: datetime | None = None,
) -> list[TeachingSession]:
    """Call the whole thing off, with `reason`. Returns the sessions still to come, to be
    cancelled with their bookings (`postings.services.cancel` does that and ends every
    engagement, telling each person)."""
    now = now or utcnow()
    _move(opportunity, "cancel")
    opportunity.closed_at = now
    opportunity.cancel_reason = reason.strip()
    record(session, "opportunity.cancelled", actor=actor, subject=opportunity)
    return [
        teaching_session
        for teaching_session in opportunity.sessions
        if teaching_session.status == SessionStatus.SCHEDULED
        and as_utc(teaching_session.starts_at) > now
    ]


def cancel_session(
    session: Session,
    teaching_session: TeachingSession,
    actor: User,
    *,
    now: datetime | None = None,
) -> None:
    """Check that one occurrence of a series may be cancelled (it has not started yet) and record
    it; `postings.services.cancel_session` then cancels it with its bookings."""
    now = now or utcnow()
    if teaching_session.opportunity.status not in EDITABLE:
        raise NotAllowed(N_("Sessions of a closed opportunity cannot be cancelled"))
    if teaching_session.status != SessionStatus.SCHEDULED:
        raise NotAllowed(N_("This session has already been cancelled"))
    if as_utc(teaching_session.starts_at) <= now:
        raise NotAllowed(N_("This session has already started"))
    record(
        session,
        "opportunity.session_cancelled",
        actor=actor,
        subject=teaching_session.opportunity,
        session_id=teaching_session.id,
    )


def session_of(opportunity: Opportunity, session_id: int) -> TeachingSession | None:
    return next((s for s in opportunity.sessions if s.id == session_id), None)


# The organisation's own list ------------------------------------------------------------------


def managed_opportunities(session: Session, user: User) -> list[Opportunity]:
    """Every opportunity of the verified organisations `user` is an active member of, soonest
    first, with their sessions (three queries whatever their number)."""
    organisation_ids = verified_memberships(Organisation.id, user_id=user.id)
    return list(
        session.scalars(
            select(Opportunity)
            .join(Organisation, Opportunity.organisation_id == Organisation.id)
            .where(Opportunity.organisation_id.in_(organisation_ids))
            .order_by(Opportunity.starts_on, Opportunity.id)
            .options(
                contains_eager(Opportunity.organisation),
                selectinload(Opportunity.sessions),
                raiseload(Opportunity.professions),
                raiseload(Opportunity.skills),
                raiseload(Opportunity.languages),
            )
        )
    )


# The listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    country: str | None = None
    modality: str | None = None
    profession: str | None = None
    skill: str | None = None
    language: str | None = None
    starts_from: date | None = None  # starts on or after
    starts_by: date | None = None  # starts on or before
    organisation_id: int | None = None


@dataclass
class ListingPage(PageNumbers):
    """One page of open opportunities (the same names as Flask-SQLAlchemy's pagination)."""

    items: list[Opportunity]
    total: int
    page: int
    per_page: int
    next_sessions: dict[int, datetime] = field(default_factory=dict)


def _filtered(statement: Select, filters: Filters) -> Select:
    statement = statement.where(Opportunity.status == OpportunityStatus.OPEN)
    if filters.kind:
        statement = statement.where(Opportunity.kind == filters.kind)
    if filters.country:
        statement = statement.where(Opportunity.country == filters.country)
    if filters.modality:
        statement = statement.where(Opportunity.modality == filters.modality)
    if filters.organisation_id:
        statement = statement.where(Opportunity.organisation_id == filters.organisation_id)
    if filters.profession:
        statement = statement.where(
            Opportunity.id.in_(
                select(OpportunityProfession.opportunity_id).where(
                    OpportunityProfession.profession == filters.profession
                )
            )
        )
    if filters.skill:
        statement = statement.where(
            Opportunity.id.in_(
                select(OpportunitySkill.opportunity_id).where(
                    OpportunitySkill.code == filters.skill
                )
            )
        )
    if filters.language:
        statement = statement.where(
            Opportunity.id.in_(
                select(OpportunityLanguage.opportunity_id).where(
                    OpportunityLanguage.language == filters.language
                )
            )
        )
    if filters.starts_from:
        statement = statement.where(Opportunity.starts_on >= filters.starts_from)
    if filters.starts_by:
        statement = statement.where(Opportunity.starts_on <= filters.starts_by)
    return statement


def count_statement(filters: Filters) -> Select:
    return _filtered(select(func.count(Opportunity.id)), filters)


def page_statement(filters: Filters, page: int, per_page: int = PER_PAGE) -> Select:
    """A page of open opportunities, soonest start first, with their organisation joined."""
    return (
        _filtered(select(Opportunity), filters)
        .order_by(Opportunity.starts_on, Opportunity.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(
            raiseload(Opportunity.professions),
            raiseload(Opportunity.skills),
            raiseload(Opportunity.languages),
            raiseload(Opportunity.sessions),
        )
    )


def listing(
    session: Session,
    filters: Filters,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> ListingPage:
    """One page of open opportunities; a page past the end shows the last page. Three
    queries at most: the count, the page, and the next session of its tele-teaching rows."""
    total = session.scalar(count_statement(filters)) or 0
    page = min(max(page, 1), max(ceil(total / per_page), 1))
    items = list(session.scalars(page_statement(filters, page, per_page))) if total else []
    teaching = [o.id for o in items if o.kind == OpportunityKind.TEACHING]
    return ListingPage(items, total, page, per_page, next_sessions(session, teaching, now=now))


def next_sessions(
    session: Session, opportunity_ids: list[int], *, now: datetime | None = None
) -> dict[int, datetime]:
    """The start of each opportunity's next scheduled session (one query)."""
    if not opportunity_ids:
        return {}
    rows = session.execute(
        select(TeachingSession.opportunity_id, func.min(TeachingSession.starts_at))
        .where(
            TeachingSession.opportunity_id.in_(opportunity_ids),
            TeachingSession.status == SessionStatus.SCHEDULED,
            TeachingSession.starts_at > (now or utcnow()),
        )
        .group_by(TeachingSession.opportunity_id)
    )
    return {opportunity_id: as_utc(start) for opportunity_id, start in rows if start is not None}
