"""Matches as the pages show them: a score in words, reasons and gaps in words, and the few
facts of each opportunity or person worth a glance."""

from flask_babel import gettext

from diaspora.core.words import N_
from diaspora.languages import current_language, translated
from diaspora.matching.models import Invitation, InvitationState
from diaspora.matching.scoring import Labels, Match
from diaspora.matching.services import GOOD, STRONG, Recommendation, Suggestion
from diaspora.opportunities.models import KIND_LABELS, MODALITY_LABELS
from diaspora.opportunities.presenters import dates
from diaspora.reference.places import country_name

INVITATION_TAGS = {
    InvitationState.PENDING: {"text": N_("Invited"), "colour": "blue"},
    InvitationState.ACCEPTED: {"text": N_("Invitation accepted"), "colour": "green"},
    InvitationState.DECLINED: {"text": N_("Invitation declined"), "colour": "grey"},
}
ANSWER_TAGS = {
    InvitationState.PENDING: {"text": N_("Waiting for your answer"), "colour": "blue"},
    InvitationState.ACCEPTED: {"text": N_("Accepted"), "colour": "green"},
    InvitationState.DECLINED: {"text": N_("Declined"), "colour": "grey"},
}


def _tag(tag: dict[str, str]) -> dict[str, str]:
    return {**tag, "text": translated(tag["text"])}


def strength(score: float) -> dict[str, str]:
    """The score in words, with the tag colour that goes with it."""
    if score >= STRONG:
        return {"text": gettext("Strong match"), "colour": "green"}
    if score >= GOOD:
        return {"text": gettext("Good match"), "colour": "aqua-green"}
    return {"text": gettext("Partial match"), "colour": "grey"}


def _match(match: Match, labels: Labels) -> dict:
    """The reasons and gaps in the reader's language, names and dates in them too."""
    return {
        "strength": strength(match.score),
        "score": round(match.score),
        "priority": match.priority,
        "reasons": [translated(text) for text in match.reason_texts(labels)],
        "gaps": [translated(text) for text in match.gap_texts(labels)],
    }


def recommendation(item: Recommendation, labels: Labels) -> dict:
    opportunity = item.opportunity
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "organisation": opportunity.organisation.name,
        "kind": translated(KIND_LABELS.get(opportunity.kind, opportunity.kind)),
        "country": country_name(opportunity.country, current_language()),
        "modality": translated(MODALITY_LABELS.get(opportunity.modality, opportunity.modality)),
        "dates": dates(opportunity),
        **_match(item.match, labels),
    }


def suggestion(item: Suggestion, labels: Labels) -> dict:
    profile = item.profile
    work = [
        translated(labels.professions.get(profile.profession, profile.profession))
        if profile.profession
        else "",
        translated(labels.grades.get(profile.grade, profile.grade)) if profile.grade else "",
    ]
    return {
        "user_id": item.user_id,
        "profile_id": profile.id,
        "name": item.name,
        "work": ", ".join(part for part in work if part) or gettext("Profession not given"),
        "can_open": item.can_open,
        "invitation": _tag(tag) if (tag := INVITATION_TAGS.get(item.invitation)) else None,
        **_match(item.match, labels),
    }


def invitation(item: Invitation) -> dict:
    opportunity = item.opportunity
    return {
        "id": item.id,
        "opportunity_id": opportunity.id,
        "title": opportunity.title,
        # Who invited: the posting organisation, or a coordinator's for their cohort.
        "organisation": (item.cohort or item.opportunity).organisation.name,
        "cohort": item.cohort.name if item.cohort is not None else None,
        "message": [line for line in item.message.splitlines() if line.strip()],
        "pending": item.state == InvitationState.PENDING,
        "accepted": item.state == InvitationState.ACCEPTED,
        "open": opportunity.status == "open",
        "tag": _tag(ANSWER_TAGS[item.state]),
    }
