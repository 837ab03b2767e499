"""Engagements: a staff member's interest, applications and places on projects and placements,
and the organisation's side of them (applicants, decisions, starting and ending).

The rules are the engagement pages': an engagement is known to its owner and to the members of
the verified organisation that posted its opportunity; anyone else gets 404. The owner withdraws;
the organisation decides, starts, completes, records a no-show or cancels. A change the state
machine does not allow is a 409 with the reason. People appear to the organisation as the
applicants page shows them: a profile only when its privacy allows, an email address only once
a place was offered.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g
from marshmallow import Schema, fields, validate
from wtforms import SelectField

from diaspora.api.spec import (
    ApiProblem,
    PageQuery,
    Resource,
    checked_form,
    not_found,
    page_of,
)
from diaspora.auth.models import Role
from diaspora.core.time import as_utc
from diaspora.engagements import services
from diaspora.engagements.forms import ApplyForm, CancelForm, DecisionForm
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.engagements.services import ProfileIncomplete
from diaspora.engagements.states import IllegalTransition
from diaspora.extensions import db
from diaspora.opportunities.access import can_see, manages
from diaspora.opportunities.models import Opportunity, OpportunityKind
from diaspora.registry.viewer import viewer_access
from diaspora.widgets import NhsukForm

resource = Resource()
TAG = "Engagements"
STATES = [state.value for state in EngagementState]
KINDS = [kind.value for kind in OpportunityKind]
# What the organisation may move an engagement on to (services.change), besides deciding and
# cancelling.
PROGRESS = [EngagementState.ACTIVE, EngagementState.COMPLETED, EngagementState.NO_SHOW]
UTC_NOTE = "ISO 8601, UTC"


class PersonSchema(Schema):
    """The staff member, as the organisation's applicants page shows them."""

    name = fields.String(required=True)
    profile_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "null when the person's privacy settings hide their profile"},
    )
    profession = fields.String(required=True, allow_none=True)
    verified = fields.Boolean(
        required=True, metadata={"description": "Holds a verified professional registration"}
    )
    email = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Shown once a place has been offered, else null"},
    )


class EngagementSchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    your_part = fields.String(
        required=True,
        validate=validate.OneOf(["owner", "organisation"]),
        metadata={"description": "owner: it is yours; organisation: you manage its opportunity"},
    )
    opportunity_id = fields.Integer(required=True)
    opportunity_title = fields.String(required=True)
    opportunity_kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    organisation_id = fields.Integer(required=True)
    organisation_name = fields.String(required=True)
    session_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The tele-teaching session, when this is a booking"},
    )
    message = fields.String(required=True, metadata={"description": "The applicant's"})
    decision_message = fields.String(required=True, metadata={"description": "The organisation's"})
    end_reason = fields.String(required=True)
    release_status = fields.String(
        required=True, metadata={"description": "The NHS line manager's release"}
    )
    created_at = fields.DateTime(required=True, metadata={"description": UTC_NOTE})
    applied_at = fields.DateTime(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    started_at = fields.DateTime(required=True, allow_none=True)
    ended_at = fields.DateTime(required=True, allow_none=True)
    person = fields.Nested(
        PersonSchema,
        required=True,
        allow_none=True,
        metadata={"description": "For the organisation; null for the owner"},
    )


class MineQuery(PageQuery):
    state = SelectField("State", choices=STATES)
    kind = SelectField("Kind of opportunity", choices=KINDS)


class ApplicantsQuery(PageQuery):
    state = SelectField("State", choices=STATES)


class ProgressForm(NhsukForm):
    state = SelectField(
        "active: it started; completed; no_show: they did not come",
        choices=[state.value for state in PROGRESS],
    )


def _time(value):
    return as_utc(value) if value is not None else None


def _person(applicant: services.Applicant) -> dict:
    profile = applicant.profile
    return {
        "name": applicant.engagement.user.display_name,
        "profile_id": profile.id if profile is not None else None,
        "profession": profile.profession if profile is not None else None,
        "verified": applicant.verified,
        "email": applicant.contact,
    }


def _shown(engagement: Engagement, part: str, applicant: services.Applicant | None = None) -> dict:
    opportunity = engagement.opportunity
    return {
        "id": engagement.id,
        "state": engagement.state,
        "your_part": "owner" if part == "owner" else "organisation",
        "opportunity_id": opportunity.id,
        "opportunity_title": opportunity.title,
        "opportunity_kind": opportunity.kind,
        "organisation_id": opportunity.organisation_id,
        "organisation_name": opportunity.organisation.name,
        "session_id": engagement.session_id,
        "message": engagement.message,
        "decision_message": engagement.decision_message,
        "end_reason": engagement.end_reason,
        "release_status": engagement.release_status,
        "created_at": _time(engagement.created_at),
        "applied_at": _time(engagement.applied_at),
        "decided_at": _time(engagement.decided_at),
        "started_at": _time(engagement.started_at),
        "ended_at": _time(engagement.ended_at),
        "person": _person(applicant) if applicant is not None else None,
    }


def _as_manager(engagement: Engagement) -> dict:
    applicant = services.applicant(db.session, engagement, g.api_user, viewer_access())
    return _shown(engagement, "manager", applicant)


def _answer(engagement: Engagement, part: str) -> dict:
    return _as_manager(engagement) if part == "manager" else _shown(engagement, part)


def _engagement(engagement_id: int) -> tuple[Engagement, str]:
    engagement = services.engagement_by_id(db.session, engagement_id)
    part = services.part_in(db.session, g.api_user, engagement) if engagement else None
    if part is None:
        raise not_found("engagement")
    return engagement, part


def _owned(engagement_id: int) -> Engagement:
    engagement, part = _engagement(engagement_id)
    if part != "owner":
        raise ApiProblem(403, "Only the staff member it belongs to can do this.")
    return engagement


def _managed(engagement_id: int) -> Engagement:
    engagement, part = _engagement(engagement_id)
    if part != "manager":
        raise ApiProblem(403, "Only the organisation that posted the opportunity can do this.")
    return engagement


def _staff_only() -> None:
    if not g.api_user.has_role(Role.STAFF):
        raise ApiProblem(403, "Only NHS staff members take part in opportunities.")


def _visible(opportunity_id: int) -> Opportunity:
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not can_see(db.session, g.api_user, opportunity):
        raise not_found("opportunity")
    return opportunity


def _done(engagement: Engagement, part: str) -> dict:
    db.session.commit()
    return _answer(engagement, part)


@contextmanager
def _refusals() -> Iterator[None]:
    """What the state rules refuse: a 409 with its message. Input refused (an `EngagementError`)
    is a 422, as every `DomainError` is."""
    try:
        yield
    except (IllegalTransition, ProfileIncomplete) as error:
        raise ApiProblem(409, str(error)) from None


# The staff member's side -----------------------------------------------------------------------


@resource.operation(
    "GET",
    "/engagements",
    tag=TAG,
    summary="Your engagements (staff), teaching bookings included",
    query=MineQuery,
    response=EngagementSchema,
    page=True,
    problems=(403,),
)
def list_my_engagements(query: dict):
    """Newest first. Tele-teaching bookings are here too (`kind=teaching`), with their
    `session_id`; `/bookings` lists them with their session's time."""
    _staff_only()
    items = [
        e
        for e in services.engagements_of(db.session, g.api_user)
        if query.get("state") in (None, e.state) and query.get("kind") in (None, e.opportunity.kind)
    ]
    page = page_of(items, query)
    page.items = [_shown(e, "owner") for e in page.items]
    return page


@resource.operation(
    "POST",
    "/opportunities/<int:opportunity_id>/interest",
    tag=TAG,
    summary="Say you are interested in a project or placement (staff)",
    response=EngagementSchema,
    status=201,
    problems=(409,),
)
def express_interest(opportunity_id: int):
    """The organisation sees that you are interested; apply when you are ready. 409 when the
    opportunity is not open, is a tele-teaching one (book its sessions), you already have an
    engagement with it, or your profile is not complete."""
    _staff_only()
    opportunity = _visible(opportunity_id)
    with _refusals():
        engagement = services.express_interest(db.session, g.api_user, opportunity)
    return _done(engagement, "owner")


@resource.operation(
    "POST",
    "/opportunities/<int:opportunity_id>/applications",
    tag=TAG,
    summary="Apply for a project or placement (staff)",
    body=ApplyForm,
    response=EngagementSchema,
    status=201,
    problems=(409,),
)
def apply_for_opportunity(opportunity_id: int, body: dict):
    """With a message to the organisation. Someone who said they were interested goes on to
    apply. 409 as for interest, and when you have already applied."""
    _staff_only()
    opportunity = _visible(opportunity_id)
    form = checked_form(ApplyForm, body)
    with _refusals():
        engagement = services.apply(db.session, g.api_user, opportunity, form.message.data)
    return _done(engagement, "owner")


@resource.operation(
    "POST",
    "/engagements/<int:engagement_id>/withdraw",
    tag=TAG,
    summary="Withdraw from your engagement",
    response=EngagementSchema,
    problems=(409,),
)
def withdraw_engagement(engagement_id: int):
    """While interested, applied or accepted. A tele-teaching booking is cancelled with
    `DELETE /bookings/{id}` instead (409 here)."""
    engagement = _owned(engagement_id)
    with _refusals():
        services.withdraw(db.session, engagement, g.api_user)
    return _done(engagement, "owner")


# Both sides ------------------------------------------------------------------------------------


@resource.operation(
    "GET",
    "/engagements/<int:engagement_id>",
    tag=TAG,
    summary="One engagement: yours, or one on your organisation's opportunity",
    response=EngagementSchema,
)
def get_engagement(engagement_id: int):
    return _answer(*_engagement(engagement_id))


# The organisation's side -----------------------------------------------------------------------


@resource.operation(
    "GET",
    "/opportunities/<int:opportunity_id>/engagements",
    tag=TAG,
    summary="The applicants of a project or placement your organisation posted",
    query=ApplicantsQuery,
    response=EngagementSchema,
    page=True,
    problems=(403,),
)
def list_opportunity_engagements(opportunity_id: int, query: dict):
    """What needs an answer first (applied, then accepted, active, interested), oldest
    application first. A tele-teaching opportunity's bookings are listed by session:
    `/sessions/{id}/bookings`."""
    opportunity = _visible(opportunity_id)
    if not manages(db.session, g.api_user, opportunity):
        raise ApiProblem(403, "Only the organisation that posted it sees its applicants.")
    people = [
        person
        for person in services.applicants(db.session, opportunity, g.api_user, viewer_access())
        if query.get("state") in (None, person.engagement.state)
    ]
    page = page_of(people, query)
    page.items = [_shown(p.engagement, "manager", p) for p in page.items]
    return page


@resource.operation(
    "POST",
    "/engagements/<int:engagement_id>/decision",
    tag=TAG,
    summary="Accept or decline an application",
    body=DecisionForm,
    response=EngagementSchema,
    problems=(409,),
)
def decide_engagement(engagement_id: int, body: dict):
    """The applicant is told, with your message. Accepting a placement or an on-site project
    asks for their line manager's release before they can start. 409 unless it is applied."""
    engagement = _managed(engagement_id)
    form = checked_form(DecisionForm, body)
    with _refusals():
        services.decide(
            db.session,
            engagement,
            g.api_user,
            accept=form.accept,
            message=form.decision_message.data,
        )
    return _done(engagement, "manager")


@resource.operation(
    "POST",
    "/engagements/<int:engagement_id>/progress",
    tag=TAG,
    summary="Start, complete, or record a no-show",
    body=ProgressForm,
    response=EngagementSchema,
    problems=(409,),
)
def progress_engagement(engagement_id: int, body: dict):
    """accepted → active (once any release needed is confirmed), active → completed,
    accepted → no_show. The person is told. 409 for any other change; tele-teaching bookings
    change when the session's attendance is recorded."""
    engagement = _managed(engagement_id)
    form = checked_form(ProgressForm, body)
    with _refusals():
        services.change(db.session, engagement, g.api_user, form.state.data)
    return _done(engagement, "manager")


@resource.operation(
    "POST",
    "/engagements/<int:engagement_id>/cancel",
    tag=TAG,
    summary="Cancel a place your organisation offered",
    body=CancelForm,
    response=EngagementSchema,
    problems=(409,),
)
def cancel_engagement(engagement_id: int, body: dict):
    """An accepted or active engagement ends; the person is told why. 409 for an application
    (decline it) or an engagement already over."""
    engagement = _managed(engagement_id)
    form = checked_form(CancelForm, body)
    with _refusals():
        services.cancel(db.session, engagement, g.api_user, reason=form.reason.data)
    return _done(engagement, "manager")
