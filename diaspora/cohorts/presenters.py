"""Cohorts as the plain values the templates show: names, counts and texts, no personal data
beyond what the privacy rule lets the viewer see."""

from datetime import datetime
from typing import Any

from flask_babel import gettext, ngettext

from diaspora.bookings.services import when
from diaspora.contributions.services import hours_text
from diaspora.core.time import as_utc
from diaspora.core.words import N_
from diaspora.directory.presenters import profession_label
from diaspora.languages import current_language, translated
from diaspora.reference.catalogue import language_names
from diaspora.reference.places import country_name
from diaspora.templating import local_datetime

from . import volunteers
from .models import Cohort, CohortInvitation, CohortMessage, VolunteerImport
from .services import CohortRow, Found, MemberRow, Overview, SessionRow


def present_cohort(cohort: Cohort, members: int | None = None) -> dict[str, Any]:
    return {
        "id": cohort.id,
        "name": cohort.name,
        "description": cohort.description,
        "country": country_name(cohort.country, current_language()) if cohort.country else "",
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
        "places": ngettext(
            "%(booked)s of %(num)d place booked",
            "%(booked)s of %(num)d places booked",
            teaching.capacity,
            booked=teaching.booked,
        ),
        "members": row.members_booked,
    }


def present_message(message: CohortMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "subject": message.subject,
        "paragraphs": [line for line in message.body.splitlines() if line.strip()],
        "sender": (
            message.sender.display_name if message.sender else gettext("A former coordinator")
        ),
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


# Importing volunteers ------------------------------------------------------------------------

STATUS_LABELS = {
    volunteers.PROBLEMS: (N_("Not imported"), "red"),
    volunteers.MEMBER: (N_("Already a member"), "grey"),
    volunteers.INVITED: (N_("Already invited"), "grey"),
    volunteers.NEW: (N_("Will be invited"), "green"),
}


def present_preview_row(row: volunteers.PreviewRow) -> dict[str, Any]:
    label, colour = STATUS_LABELS[row.status]
    return {
        "line": row.line,
        "name": row.name,
        "email": row.email,
        "status": translated(label),
        "colour": colour,
        "problems": [translated(problem) for problem in row.problems],
    }


def present_invitation(invitation: CohortInvitation, now: datetime) -> dict[str, Any]:
    expired = as_utc(invitation.expires_at) <= now
    return {
        "name": invitation.name,
        "email": invitation.email,
        "status": gettext("Expired") if expired else gettext("Invited"),
        "colour": "grey" if expired else "blue",
        "sent": local_datetime(invitation.sent_at, "%-d %B %Y"),
        "expires": local_datetime(invitation.expires_at, "%-d %B %Y"),
    }


def present_import(upload: VolunteerImport) -> dict[str, Any]:
    return {
        "id": upload.id,
        "confirmed": local_datetime(upload.confirmed_at, "%-d %B %Y"),
        "rows": upload.row_count,
        "invited": upload.invited,
        "refused": len(upload.rows),
    }


def suggested(invitation: CohortInvitation | None) -> dict[str, Any] | None:
    """What the invitation's import said of the person, to offer on their profile pages."""
    if invitation is None:
        return None
    language = current_language()
    names = language_names(language)
    return {
        "profession": profession_label(invitation.profession) if invitation.profession else "",
        "countries": [(code, country_name(code, language)) for code in invitation.countries],
        "languages": [(code, names.get(code, code)) for code in invitation.languages],
    }
