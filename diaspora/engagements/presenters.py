"""Engagements as the dicts the templates (and the nhsuk macros) take.

An applicant's profile is shown only when `services.applicants` passed it on (its privacy
allows the viewer); their email address only once a place has been offered.
"""

from typing import Any

from flask_babel import gettext, ngettext

from diaspora.core.words import N_
from diaspora.directory import presenters as directory
from diaspora.engagements import services, states
from diaspora.engagements.models import STATE_LABELS, Engagement, ReleaseStatus
from diaspora.engagements.models import EngagementState as S
from diaspora.languages import current_language, translated
from diaspora.opportunities.models import KIND_LABELS, OpportunityKind
from diaspora.reference.places import country_name

STATE_COLOURS = {
    S.INTERESTED: "grey",
    S.APPLIED: "blue",
    S.WAITING: "yellow",
    S.ACCEPTED: "green",
    S.ACTIVE: "aqua-green",
    S.DECLINED: "red",
    S.WITHDRAWN: "grey",
    S.EXPIRED: "grey",
    S.COMPLETED: "purple",
    S.NO_SHOW: "orange",
    S.CANCELLED: "red",
}

RELEASE_TEXT = {
    ReleaseStatus.NEEDED: N_("Needed: the staff member has not named their line manager yet"),
    ReleaseStatus.REQUESTED: N_("Asked for: waiting for the line manager's answer"),
    ReleaseStatus.CONFIRMED: N_("Confirmed by the line manager"),
    ReleaseStatus.DECLINED: N_("Declined by the line manager"),
}


def state_label(state: str) -> str:
    return translated(STATE_LABELS[S(state)])


def state_tag(state: str) -> dict[str, str]:
    return {"text": state_label(state), "colour": STATE_COLOURS[S(state)]}


def release_text(engagement: Engagement) -> str | None:
    if engagement.release_status == ReleaseStatus.NOT_NEEDED:
        return None
    return translated(RELEASE_TEXT[ReleaseStatus(engagement.release_status)])


def _kind(opportunity) -> str:
    return translated(KIND_LABELS[OpportunityKind(opportunity.kind)])


def summary(engagement: Engagement) -> dict[str, Any]:
    """One engagement in a list of the person's own (teaching bookings included)."""
    opportunity = engagement.opportunity
    return {
        "id": engagement.id,
        "title": opportunity.title,
        "opportunity_id": opportunity.id,
        "organisation": opportunity.organisation.name,
        "kind": _kind(opportunity),
        "dates": translated(services.dates_of(opportunity, engagement)),
        "starts_at": engagement.session.starts_at if engagement.session else None,
        "state": engagement.state,
        "state_tag": state_tag(engagement.state),
        "current": engagement.state in states.LIVE,
    }


def mine(engagements: list[Engagement]) -> dict[str, list[dict[str, Any]]]:
    items = [summary(e) for e in engagements]
    return {
        "current": [item for item in items if item["current"]],
        "past": [item for item in items if not item["current"]],
    }


def profile_details(profile) -> dict[str, Any]:
    return {
        "profession": directory.profession_label(profile.profession),
        "grade": directory.grade_label(profile.grade),
        "specialty": profile.specialty,
        "ties": directory.ties(profile),
        "languages": directory.languages(profile),
        "skills": directory.skills(profile),
        "profile_id": profile.id,
    }


def applicant(item: services.Applicant) -> dict[str, Any]:
    engagement = item.engagement
    return {
        "id": engagement.id,
        "name": engagement.user.display_name,
        "state": engagement.state,
        "state_tag": state_tag(engagement.state),
        "message": engagement.message,
        "decision_message": engagement.decision_message,
        "end_reason": engagement.end_reason,
        "applied_at": engagement.applied_at,
        "created_at": engagement.created_at,
        "profile": profile_details(item.profile) if item.profile is not None else None,
        "verified": item.verified,
        "contact": item.contact,
        "release": release_text(engagement),
        "release_note": engagement.release_note,
    }


def detail(engagement: Engagement) -> dict[str, Any]:
    """The engagement page: what both sides see of the engagement itself."""
    opportunity = engagement.opportunity
    return {
        **summary(engagement),
        "message": engagement.message,
        "decision_message": engagement.decision_message,
        "end_reason": engagement.end_reason,
        "applied_at": engagement.applied_at,
        "decided_at": engagement.decided_at,
        "started_at": engagement.started_at,
        "ended_at": engagement.ended_at,
        "is_booking": engagement.session_id is not None,
        "country": opportunity.country,
        "release": release_text(engagement),
        "release_status": engagement.release_status,
        "release_note": engagement.release_note,
        "manager_email": engagement.release_manager_email,
        "release_requested_at": engagement.release_requested_at,
        "release_decided_at": engagement.release_decided_at,
    }


def release_request(engagement: Engagement) -> dict[str, Any]:
    """What the line manager is asked to release: whom, for what, where and for how long."""
    opportunity = engagement.opportunity
    hours = opportunity.hours_per_month
    return {
        **summary(engagement),
        "name": engagement.user.display_name,
        "country": country_name(opportunity.country, current_language()),
        "hours": ngettext("%(num)d hour a month", "%(num)d hours a month", hours)
        if hours
        else gettext("Not given"),
    }


def counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Counts by state, in the order of the state machine, leaving out the states at nought."""
    return [
        {"state": state, "label": STATE_LABELS[state], "count": counts[state]}
        for state in S
        if counts.get(state)
    ]
