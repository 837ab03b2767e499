"""Opportunities as the plain values the templates show. Never the join link: only the bookings
area shows it, and only to people with a booked place."""

from collections.abc import Callable
from datetime import date, datetime

from diaspora.core.time import as_utc
from diaspora.directory.presenters import pagination as numbered_pagination
from diaspora.opportunities import times
from diaspora.opportunities.models import (
    KIND_LABELS,
    MODALITY_LABELS,
    STATUS_LABELS,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Recurrence,
    SessionStatus,
    TeachingSession,
)
from diaspora.opportunities.services import ListingPage, repeats_on
from diaspora.reference.catalogue import language_names, on_safeguards_list, professions, skills
from diaspora.reference.places import country_name
from diaspora.registry.models import PROFICIENCY_LABELS, SKILL_LEVEL_LABELS

DAY = "%-d %B %Y"
STATUS_COLOURS = {
    OpportunityStatus.DRAFT: "grey",
    OpportunityStatus.OPEN: "green",
    OpportunityStatus.CLOSED: "blue",
    OpportunityStatus.COMPLETED: "purple",
    OpportunityStatus.CANCELLED: "red",
}
GROUP_ORDER = [
    OpportunityStatus.DRAFT,
    OpportunityStatus.OPEN,
    OpportunityStatus.CLOSED,
    OpportunityStatus.COMPLETED,
    OpportunityStatus.CANCELLED,
]


def _day(value: date | None) -> str:
    return value.strftime(DAY) if value else ""


def dates(opportunity: Opportunity) -> str:
    """The dates in words, as each kind means them."""
    start, end = opportunity.starts_on, opportunity.ends_on
    if start is None:
        return "Not given"
    if opportunity.kind == OpportunityKind.PLACEMENT:
        if end is None or end == start:
            return f"Starts on {_day(start)}"
        return f"Starts between {_day(start)} and {_day(end)}"
    if opportunity.kind == OpportunityKind.TEACHING:
        if opportunity.recurrence == Recurrence.NONE or end is None or end == start:
            return _day(start)
        how = "Weekly" if opportunity.recurrence == Recurrence.WEEKLY else "Monthly"
        if opportunity.recurrence in (Recurrence.MONTHLY_NTH, Recurrence.MONTHLY_LAST):
            how = f"{how} {repeats_on(opportunity.recurrence, start)}"
        return f"{how}, {opportunity.occurrences} sessions from {_day(start)} to {_day(end)}"
    if end is None or end == start:
        return _day(start)
    return f"{_day(start)} to {_day(end)}"


def when(instant: datetime, host_zone: str, viewer_zone: str) -> str:
    """E.g. "Tuesday 2 March 2027, 14:00 in Dhaka, 08:00 in London"."""
    host = times.in_zone(instant, host_zone)
    return f"{host:%A %-d %B %Y}, {times.both_zones(instant, host_zone, viewer_zone)}"


def card(opportunity: Opportunity, next_start: datetime | None, viewer_zone: str) -> dict:
    """What a row of the listing shows."""
    next_session = None
    if opportunity.kind == OpportunityKind.TEACHING and next_start is not None:
        next_session = when(next_start, opportunity.host_time_zone or "UTC", viewer_zone)
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "organisation": opportunity.organisation.name,
        "kind": KIND_LABELS.get(opportunity.kind, opportunity.kind),
        "country": country_name(opportunity.country),
        "region": opportunity.region,
        "safeguards": on_safeguards_list(opportunity.country),
        "modality": MODALITY_LABELS.get(opportunity.modality, opportunity.modality),
        "dates": dates(opportunity),
        "next_session": next_session,
    }


def cards(page: ListingPage, viewer_zone: str) -> list[dict]:
    return [card(o, page.next_sessions.get(o.id), viewer_zone) for o in page.items]


def _level(labels: dict[int, str], level: int) -> str:
    text = labels.get(level, str(level)).lower()
    return text if level == max(labels) else f"{text} or above"


def wanted(opportunity: Opportunity) -> dict[str, list[str]]:
    names = language_names()
    return {
        "professions": sorted(
            professions()[p.profession].name if p.profession in professions() else p.profession
            for p in opportunity.professions
        ),
        "skills": [
            f"{skills().get(s.code, {}).get('name', s.code)} "
            f"({_level(SKILL_LEVEL_LABELS, s.min_level)})"
            for s in sorted(opportunity.skills, key=lambda s: (-s.min_level, s.code))
        ],
        "languages": [
            f"{names.get(lang.language, lang.language)} "
            f"({_level(PROFICIENCY_LABELS, lang.min_proficiency)})"
            for lang in sorted(
                opportunity.languages, key=lambda x: (-x.min_proficiency, x.language)
            )
        ],
    }


def _support(opportunity: Opportunity) -> list[str]:
    offered = [
        ("Travel costs", opportunity.support_travel),
        ("Housing", opportunity.support_housing),
        ("A stipend or salary", opportunity.support_stipend),
    ]
    return [label for label, yes in offered if yes]


def facts(opportunity: Opportunity, viewer_zone: str, *, now: datetime) -> list[dict]:
    """The summary list of the detail page: {"key", and "text" or "items"} rows."""
    rows: list[dict] = [
        {"key": "Organisation", "text": opportunity.organisation.name},
        {"key": "Kind", "text": KIND_LABELS.get(opportunity.kind, opportunity.kind)},
        {
            "key": "Country",
            "text": country_name(opportunity.country),
            "safeguards": on_safeguards_list(opportunity.country),
        },
    ]
    if opportunity.region:
        rows.append({"key": "Region", "text": opportunity.region})
    rows.append(
        {"key": "How people take part", "text": MODALITY_LABELS.get(opportunity.modality, "")}
    )
    kind = opportunity.kind
    if kind == OpportunityKind.TEACHING:
        zone = opportunity.host_time_zone or "UTC"
        rows.append({"key": "Dates", "text": dates(opportunity)})
        upcoming = next_session(opportunity, now)
        if upcoming is not None:
            rows.append(
                {"key": "Next session", "text": when(upcoming.starts_at, zone, viewer_zone)}
            )
        rows += [
            {"key": "Host's time zone", "text": zone.replace("_", " ")},
            {"key": "Duration", "text": f"{opportunity.duration_minutes} minutes"},
            {"key": "Places in each session", "text": str(opportunity.capacity)},
        ]
        if opportunity.audience:
            rows.append({"key": "Audience", "text": opportunity.audience})
        if opportunity.learners_expected:
            rows.append({"key": "Learners expected", "text": str(opportunity.learners_expected)})
    elif kind == OpportunityKind.PLACEMENT:
        rows += [
            {"key": "Host institution", "text": opportunity.host_institution or ""},
            {"key": "Start window", "text": dates(opportunity)},
            {"key": "Duration", "text": f"{opportunity.duration_months} months"},
            {"key": "Support offered", "items": _support(opportunity) or ["None"]},
        ]
        if opportunity.service_commitment:
            rows.append({"key": "Service commitment", "text": opportunity.service_commitment})
        rows.append({"key": "Places", "text": str(opportunity.places or "")})
    else:
        rows += [
            {"key": "Dates", "text": dates(opportunity)},
            {"key": "Hours a month", "text": str(opportunity.hours_per_month or "")},
            {"key": "Places", "text": str(opportunity.places or "")},
        ]
    asked = wanted(opportunity)
    rows += [
        {"key": "Professions wanted", "items": asked["professions"] or ["Any"]},
        {"key": "Skills wanted", "items": asked["skills"] or ["None in particular"]},
        {"key": "Languages wanted", "items": asked["languages"] or ["None in particular"]},
    ]
    return rows


def next_session(opportunity: Opportunity, now: datetime) -> TeachingSession | None:
    upcoming = [
        s
        for s in opportunity.sessions
        if s.status == SessionStatus.SCHEDULED and as_utc(s.starts_at) > now
    ]
    return min(upcoming, key=lambda s: as_utc(s.starts_at), default=None)


def status(opportunity: Opportunity) -> dict:
    value = OpportunityStatus(opportunity.status)
    return {"text": STATUS_LABELS[value], "colour": STATUS_COLOURS[value]}


def session_summary(opportunity: Opportunity, viewer_zone: str, now: datetime) -> dict:
    """A series' sessions in one line for its organisation's list; the opportunity's page shows
    them a page at a time, with what can be done to each."""
    cancelled = sum(s.status == SessionStatus.CANCELLED for s in opportunity.sessions)
    upcoming = next_session(opportunity, now)
    zone = opportunity.host_time_zone or "UTC"
    return {
        "count": len(opportunity.sessions),
        "cancelled": cancelled,
        "next": when(upcoming.starts_at, zone, viewer_zone) if upcoming is not None else None,
    }


def managed(opportunity: Opportunity, viewer_zone: str, now: datetime) -> dict:
    """An opportunity on its organisation's list."""
    teaching = opportunity.kind == OpportunityKind.TEACHING
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "organisation": opportunity.organisation.name,
        "kind": KIND_LABELS.get(opportunity.kind, opportunity.kind),
        "teaching": teaching,
        "country": country_name(opportunity.country),
        "dates": dates(opportunity),
        "status": status(opportunity),
        "editable": opportunity.status in (OpportunityStatus.DRAFT, OpportunityStatus.OPEN),
        "draft": opportunity.status == OpportunityStatus.DRAFT,
        "sessions": session_summary(opportunity, viewer_zone, now) if teaching else None,
    }


def groups(opportunities: list[Opportunity], viewer_zone: str, now: datetime) -> list[dict]:
    """The organisation's opportunities by status, in lifecycle order, empty groups left out."""
    by_status: dict[str, list[dict]] = {}
    for opportunity in opportunities:
        by_status.setdefault(opportunity.status, []).append(managed(opportunity, viewer_zone, now))
    return [
        {"status": value, "label": STATUS_LABELS[value], "items": by_status[value]}
        for value in GROUP_ORDER
        if by_status.get(value)
    ]


def pagination(page: ListingPage, link: Callable[[int], str]) -> dict | None:
    return numbered_pagination(page, link)
