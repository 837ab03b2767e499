"""Matches both ways, as the matching pages rank and show them: suggested candidates for an
open opportunity of the caller's organisation (only people whose privacy settings let the
organisation list them, and only what it may see of them), and the caller's own
recommendations."""

from flask import g
from marshmallow import Schema, fields
from wtforms import IntegerField
from wtforms.validators import NumberRange

from diaspora.api.spec import ApiProblem, Flag, PageQuery, Resource, page_of
from diaspora.auth.models import Role
from diaspora.extensions import db
from diaspora.matching import engine, presenters, services
from diaspora.matching.forms import FilterForm
from diaspora.matching.scoring import Labels, Match
from diaspora.matching.services import Filters
from diaspora.opportunities import access
from diaspora.opportunities.models import OpportunityStatus

resource = Resource()
TAG = "Matches"


class _MatchSchema(Schema):
    score = fields.Integer(required=True, metadata={"description": "0 to 100"})
    strength = fields.String(
        required=True, metadata={"description": "Strong match, Good match or Partial match"}
    )
    priority = fields.Boolean(
        required=True,
        metadata={"description": "In a WHO Health Workforce Support and Safeguards List country"},
    )
    reasons = fields.List(fields.String(), required=True)
    gaps = fields.List(fields.String(), required=True)


class CandidateSchema(_MatchSchema):
    user_id = fields.Integer(required=True)
    profile_id = fields.Integer(required=True)
    name = fields.String(required=True)
    work = fields.String(required=True, metadata={"description": "Profession and grade"})
    can_open = fields.Boolean(
        required=True, metadata={"description": "You may open their profile in the directory"}
    )
    invitation = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "pending, accepted or declined when invited; else null"},
    )


class OrganisationRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class RecommendationSchema(_MatchSchema):
    opportunity_id = fields.Integer(required=True)
    title = fields.String(required=True)
    organisation = fields.Nested(OrganisationRef, required=True)
    kind = fields.String(required=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    modality = fields.String(required=True)
    starts_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True)


class CandidateQuery(PageQuery):
    min_score = IntegerField("Lowest score", [NumberRange(0, 100)])
    invited = Flag("Only people invited already (true) or not yet (false)")


class RecommendationQuery(PageQuery, FilterForm):
    """The recommendations page's filters."""


def _match(match: Match, labels: Labels) -> dict:
    return {
        "score": round(match.score),
        "strength": presenters.strength(match.score)["text"],
        "priority": match.priority,
        "reasons": match.reason_texts(labels),
        "gaps": match.gap_texts(labels),
    }


def _candidate(item: services.Suggestion, labels: Labels) -> dict:
    shown = presenters.suggestion(item, labels)
    return {
        "user_id": item.user_id,
        "profile_id": item.profile.id,
        "name": item.name,
        "work": shown["work"],
        "can_open": item.can_open,
        "invitation": item.invitation,
        **_match(item.match, labels),
    }


def _recommendation(item: services.Recommendation, labels: Labels) -> dict:
    opportunity = item.opportunity
    return {
        "opportunity_id": opportunity.id,
        "title": opportunity.title,
        "organisation": {"id": opportunity.organisation.id, "name": opportunity.organisation.name},
        "kind": opportunity.kind,
        "country": opportunity.country,
        "modality": opportunity.modality,
        "starts_on": opportunity.starts_on,
        "ends_on": opportunity.ends_on,
        **_match(item.match, labels),
    }


@resource.operation(
    "GET",
    "/opportunities/<int:opportunity_id>/candidates",
    tag=TAG,
    summary="Suggested candidates for an open opportunity of your organisation, best first",
    query=CandidateQuery,
    response=CandidateSchema,
    page=True,
    problems=(403,),
)
def list_candidates(opportunity_id: int, query: dict):
    """For members of the verified organisation that posted it (others who may see it: 403).
    Only people who agree to be contacted and whose profile your organisation may list; none
    while the opportunity is not open."""
    opportunity = access.managed_or_404(g.api_user, opportunity_id)
    items = []
    if opportunity.status == OpportunityStatus.OPEN:
        suggested = services.suggested(db.session, opportunity, g.api_user)
        if "min_score" in query:
            suggested = [s for s in suggested if round(s.match.score) >= query["min_score"]]
        if "invited" in query:
            suggested = [s for s in suggested if (s.invitation is not None) == query["invited"]]
        labels = engine.labels()
        items = [_candidate(s, labels) for s in suggested]
    return page_of(items, query)


@resource.operation(
    "GET",
    "/recommendations",
    tag=TAG,
    summary="Opportunities recommended for you, best first",
    query=RecommendationQuery,
    response=RecommendationSchema,
    page=True,
    problems=(403,),
)
def list_recommendations(query: dict):
    """For staff members, as on the recommendations page: the best few open opportunities,
    minus those you hid or take part in already. Empty until your profile is complete."""
    me = g.api_user
    if not me.has_role(Role.STAFF):
        raise ApiProblem(403, "Recommendations are for staff members.")
    filters = Filters(**{name: query.get(name) or None for name in ("kind", "country", "modality")})
    items = []
    if services.can_be_recommended(db.session, me):
        labels = engine.labels()
        items = [_recommendation(r, labels) for r in services.recommended(db.session, me, filters)]
    return page_of(items, query)
