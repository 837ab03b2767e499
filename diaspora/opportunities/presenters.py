"""Opportunities as the plain values the templates show. Never the join link: only the bookings
area shows it, and only to people with a booked place."""

from collections.abc import Callable
from datetime import date, datetime

from babel.lists import format_list
from flask_babel import gettext, ngettext

from diaspora.core.time import as_utc
from diaspora.directory.presenters import pagination as numbered_pagination
from diaspora.languages import current_language, format_local, format_number, translated
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
from diaspora.opportunities.services import ListingPage, series_name
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
    return format_local(value, DAY) if value else ""


def _country(code: str | None) -> str:
    return country_name(code, current_language())


def dates(opportunity: Opportunity) -> str:
    """The dates in words, as each kind means them."""
    start, end = opportunity.starts_on, opportunity.ends_on
    if start is None:
        return gettext("Not given")
    if opportunity.kind == OpportunityKind.PLACEMENT:
        if end is None or end == start:
            return gettext("Starts on %(day)s", day=_day(start))
        return gettext("Starts between %(first)s and %(last)s", first=_day(start), last=_day(end))
    if opportunity.kind == OpportunityKind.TEACHING:
        if opportunity.recurrence == Recurrence.NONE or end is None or end == start:
            return _day(start)
        count = opportunity.occurrences or 0
        return ngettext(
            "%(how)s, %(num)s session from %(first)s to %(last)s",
            "%(how)s, %(num)s sessions from %(first)s to %(last)s",
            count,
            how=translated(series_name(opportunity.recurrence, start)),
            first=_day(start),
            last=_day(end),
        )
    if end is None or end == start:
        return _day(start)
    return gettext("%(starts)s to %(ends)s", starts=_day(start), ends=_day(end))


def card(opportunity: Opportunity, next_start: datetime | None, viewer_zone: str) -> dict:
    """What a row of the listing shows."""
    next_session = None
    if opportunity.kind == OpportunityKind.TEACHING and next_start is not None:
        next_session = times.when(next_start, opportunity.host_time_zone or "UTC", viewer_zone)
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "organisation": opportunity.organisation.name,
        "kind": translated(KIND_LABELS.get(opportunity.kind, opportunity.kind)),
        "country": _country(opportunity.country),
        "region": opportunity.region,
        "safeguards": on_safeguards_list(opportunity.country),
        "modality": translated(MODALITY_LABELS.get(opportunity.modality, opportunity.modality)),
        "dates": dates(opportunity),
        "next_session": next_session,
    }


def cards(page: ListingPage, viewer_zone: str) -> list[dict]:
    return [card(o, page.next_sessions.get(o.id), viewer_zone) for o in page.items]


def _level(labels: dict[int, str], level: int) -> str:
    text = translated(labels.get(level, str(level))).lower()
    return text if level == max(labels) else gettext("%(level)s or above", level=text)


def wanted(opportunity: Opportunity) -> dict[str, list[str]]:
    names = language_names(current_language())
    return {
        "professions": sorted(
            professions()[p.profession].name if p.profession in professions() else p.profession
            for p in opportunity.professions
        ),
        "skills": [
            gettext(
                "%(name)s (%(level)s)",
                name=skills().get(s.code, {}).get("name", s.code),
                level=_level(SKILL_LEVEL_LABELS, s.min_level),
            )
            for s in sorted(opportunity.skills, key=lambda s: (-s.min_level, s.code))
        ],
        "languages": [
            gettext(
                "%(name)s (%(level)s)",
                name=names.get(lang.language, lang.language),
                level=_level(PROFICIENCY_LABELS, lang.min_proficiency),
            )
            for lang in sorted(
                opportunity.languages, key=lambda x: (-x.min_proficiency, x.language)
            )
        ],
    }


def _support(opportunity: Opportunity) -> list[str]:
    offered = [
        (gettext("Travel costs"), opportunity.support_travel),
        (gettext("Housing"), opportunity.support_housing),
        (gettext("A stipend or salary"), opportunity.support_stipend),
    ]
    return [label for label, yes in offered if yes]


def facts(opportunity: Opportunity, viewer_zone: str, *, now: datetime) -> list[dict]:
    """The summary list of the detail page: {"key", and "text" or "items"} rows."""
    rows: list[dict] = [
        {"key": gettext("Organisation"), "text": opportunity.organisation.name},
        {
            "key": gettext("Kind"),
            "text": translated(KIND_LABELS.get(opportunity.kind, opportunity.kind)),
        },
        {
            "key": gettext("Country"),
            "text": _country(opportunity.country),
            "safeguards": on_safeguards_list(opportunity.country),
        },
    ]
    if opportunity.region:
        rows.append({"key": gettext("Region"), "text": opportunity.region})
    rows.append(
        {
            "key": gettext("How people take part"),
            "text": translated(MODALITY_LABELS.get(opportunity.modality, "")),
        }
    )
    kind = opportunity.kind
    if kind == OpportunityKind.TEACHING:
        zone = opportunity.host_time_zone or "UTC"
        rows.append({"key": gettext("Dates"), "text": dates(opportunity)})
        upcoming = next_session(opportunity, now)
        if upcoming is not None:
            rows.append(
                {
                    "key": gettext("Next session"),
                    "text": times.when(upcoming.starts_at, zone, viewer_zone),
                }
            )
        rows += [
            {"key": gettext("Host's time zone"), "text": zone.replace("_", " ")},
            {
                "key": gettext("Duration"),
                "text": ngettext(
                    "%(num)s minute", "%(num)s minutes", opportunity.duration_minutes or 0
                ),
            },
            {
                "key": gettext("Places in each session"),
                "text": format_number(opportunity.capacity or 0),
            },
        ]
        if opportunity.audience:
            rows.append({"key": gettext("Audience"), "text": opportunity.audience})
        if opportunity.learners_expected:
            rows.append(
                {"key": gettext("Learners expected"), "text": str(opportunity.learners_expected)}
            )
    elif kind == OpportunityKind.PLACEMENT:
        rows += [
            {"key": gettext("Host institution"), "text": opportunity.host_institution or ""},
            {"key": gettext("Start window"), "text": dates(opportunity)},
            {
                "key": gettext("Duration"),
                "text": ngettext(
                    "%(num)s month", "%(num)s months", opportunity.duration_months or 0
                ),
            },
            {
                "key": gettext("Support offered"),
                "items": _support(opportunity) or [gettext("None")],
            },
        ]
        if opportunity.service_commitment:
            rows.append(
                {"key": gettext("Service commitment"), "text": opportunity.service_commitment}
            )
        rows.append({"key": gettext("Places"), "text": str(opportunity.places or "")})
    else:
        rows += [
            {"key": gettext("Dates"), "text": dates(opportunity)},
            {"key": gettext("Hours a month"), "text": str(opportunity.hours_per_month or "")},
            {"key": gettext("Places"), "text": str(opportunity.places or "")},
        ]
    asked = wanted(opportunity)
    rows += [
        {"key": gettext("Professions wanted"), "items": asked["professions"] or [gettext("Any")]},
        {
            "key": gettext("Skills wanted"),
            "items": asked["skills"] or [gettext("None in particular")],
        },
        {
            "key": gettext("Languages wanted"),
            "items": asked["languages"] or [gettext("None in particular")],
        },
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
    return {"text": translated(STATUS_LABELS[value]), "colour": STATUS_COLOURS[value]}


def session_summary(opportunity: Opportunity, viewer_zone: str, now: datetime) -> dict:
    """A series' sessions in one line for its organisation's list; the opportunity's page shows
    them a page at a time, with what can be done to each."""
    cancelled = sum(s.status == SessionStatus.CANCELLED for s in opportunity.sessions)
    upcoming = next_session(opportunity, now)
    zone = opportunity.host_time_zone or "UTC"
    return {
        "count": len(opportunity.sessions),
        "cancelled": cancelled,
        "next": times.when(upcoming.starts_at, zone, viewer_zone) if upcoming is not None else None,
    }


def managed(opportunity: Opportunity, viewer_zone: str, now: datetime) -> dict:
    """An opportunity on its organisation's list."""
    teaching = opportunity.kind == OpportunityKind.TEACHING
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "organisation": opportunity.organisation.name,
        "kind": translated(KIND_LABELS.get(opportunity.kind, opportunity.kind)),
        "teaching": teaching,
        "country": _country(opportunity.country),
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
        {"status": value, "label": translated(STATUS_LABELS[value]), "items": by_status[value]}
        for value in GROUP_ORDER
        if by_status.get(value)
    ]


def names(organisations: list) -> str:
    """The organisations' names as a list reads in the reader's language: "A, B and C"."""
    return format_list([o.name for o in organisations], locale=current_language())


def pagination(page: ListingPage, link: Callable[[int], str]) -> dict | None:
    return numbered_pagination(page, link)
