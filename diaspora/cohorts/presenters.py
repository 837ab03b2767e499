"""Cohorts as the plain values the templates show: names, counts and texts, no personal data
beyond what the privacy rule lets the viewer see."""

from typing import Any

from diaspora.bookings.services import when
from diaspora.contributions.services import hours_text
from diaspora.directory.presenters import profession_label
from diaspora.reference.places import country_name
from diaspora.templating import local_datetime

from .models import Cohort, CohortMessage
from .services import CohortRow, Found, MemberRow, Overview, SessionRow


def present_cohort(cohort: Cohort, members: int | None = None) -> dict[str, Any]:
    return {
        "id": cohort.id,
        "name": cohort.name,
        "description": cohort.description,
        "country": country_name(cohort.country) if cohort.country else "",
        "organisation": cohort.organisation.name,
        "archived": cohort.archived_at is not None,
        "archived_on": local_datetime(cohort.archived_at, "%-d %B %Y"),
        "members": members,
    }


def present_row(row: CohortRow) -> dict[str, Any]:
    return present_cohort(row.cohort, row.members)


def present_member(row: MemberRow) -> dict[str, Any]:
    return {
        "id": row.member.id,
        "profile_id": row.profile.id,
        "name": row.user.display_name,
        "profession": profession_label(row.profile.profession),
        "engagements": row.open_engagements,
        "plans": row.plans,
        "overdue": row.overdue,
        "hours": hours_text(row.minutes_this_year),
    }


def present_session(row: SessionRow, zone: str) -> dict[str, Any]:
    teaching = row.teaching_session
    return {
        "opportunity_id": teaching.opportunity_id,
        "session_id": teaching.id,
        "title": teaching.opportunity.title,
        "when": when(teaching, zone),
        "places": f"{teaching.booked} of {teaching.capacity} places booked",
        "members": row.members_booked,
    }


def present_message(message: CohortMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "subject": message.subject,
        "paragraphs": [line for line in message.body.splitlines() if line.strip()],
        "sender": message.sender.display_name if message.sender else "A former coordinator",
        "sent": local_datetime(message.sent_at),
        "recipients": message.recipients,
    }


def present_overview(overview: Overview, zone: str) -> dict[str, Any]:
    return {
        "members": [present_member(row) for row in overview.rows],
        "hidden": overview.hidden,
        "sessions": [present_session(row, zone) for row in overview.sessions],
        "messages": [present_message(m) for m in overview.messages],
        "message_total": overview.message_total,
    }


def present_found(found: Found) -> dict[str, Any]:
    profile = found.profile
    return {
        "profile_id": profile.id,
        "name": profile.user.display_name,
        "profession": profession_label(profile.profession),
        "specialty": profile.specialty,
        "member": found.member,
        "addable": found.addable,
    }
