"""Earn-learn-return plans and their milestones: the caller's own, to read and keep up to
date, and the plans that name the caller as coordinator, read only (as on the pages). A plan
the caller may not see is not found (404); one they only see as coordinator is theirs to read,
not to change (403)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import g
from marshmallow import Schema, fields, validate
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange

from diaspora.api.spec import (
    MAX_ID,
    ApiProblem,
    Flag,
    PageQuery,
    Resource,
    checked_form,
    not_found,
    page_of,
)
from diaspora.auth.models import Role, User
from diaspora.core.time import as_utc
from diaspora.extensions import db
from diaspora.milestones import presenters, services
from diaspora.milestones.forms import DoneForm, MilestoneForm
from diaspora.milestones.models import Milestone, Plan

resource = Resource()
TAG = "Plans"
STATUSES = ("done", "overdue", "soon", "upcoming")


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class MilestoneSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    due_on = fields.Date(required=True, metadata={"description": "A local date, the owner's"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "soon: due within 30 days"},
    )
    done_at = fields.AwareDateTime(
        required=True, allow_none=True, metadata={"description": "ISO 8601 in UTC"}
    )
    done_note = fields.String(required=True)
    own = fields.Boolean(
        required=True,
        metadata={"description": "Added by the owner (true) or from the scheme's template"},
    )


class PlanSchema(Schema):
    id = fields.Integer(required=True)
    scheme = fields.String(required=True)
    starts_on = fields.Date(required=True)
    expected_end_on = fields.Date(required=True)
    return_country = fields.String(
        required=True, allow_none=True, metadata={"description": "ISO 3166-1 alpha-2"}
    )
    owner = fields.Nested(PersonSchema, required=True)
    coordinator = fields.Nested(PersonSchema, required=True, allow_none=True)
    yours = fields.Boolean(required=True, metadata={"description": "You own it (and change it)"})
    total = fields.Integer(required=True, metadata={"description": "Milestones in all"})
    done = fields.Integer(required=True)
    overdue = fields.Integer(required=True)


class PlanDetailSchema(PlanSchema):
    lead_days = fields.List(
        fields.Integer(), required=True, metadata={"description": "Days before a due date"}
    )
    milestones = fields.List(fields.Nested(MilestoneSchema), required=True)


class PlanQuery(PageQuery):
    overdue = Flag("Only plans with (true) or without overdue")


class CoordinatedQuery(PlanQuery):
    owner_id = IntegerField("Only this person's plans", [NumberRange(1, MAX_ID)])


class MilestoneQuery(PageQuery):
    status = SelectField("Status", choices=STATUSES)


def _person(user: User | None) -> dict | None:
    return {"id": user.id, "name": user.display_name} if user is not None else None


def _plan(plan: Plan, total: int, done: int, overdue: int) -> dict:
    return {
        "id": plan.id,
        "scheme": plan.scheme,
        "starts_on": plan.starts_on,
        "expected_end_on": plan.expected_end_on,
        "return_country": plan.return_country,
        "owner": _person(plan.owner),
        "coordinator": _person(plan.coordinator),
        "yours": plan.owner_id == g.api_user.id,
        "total": total,
        "done": done,
        "overdue": overdue,
    }


def _milestone(milestone: Milestone, today: date) -> dict:
    return {
        "id": milestone.id,
        "plan_id": milestone.plan_id,
        "title": milestone.title,
        "description": milestone.description,
        "due_on": milestone.due_on,
        "status": presenters.milestone_status(milestone, today)[0],
        "done_at": as_utc(milestone.done_at) if milestone.done_at else None,
        "done_note": milestone.done_note,
        "own": milestone.created_by_user,
    }


def _summaries(summaries: list[services.PlanSummary], query: dict) -> list[dict]:
    if "overdue" in query:
        summaries = [s for s in summaries if bool(s.overdue) == query["overdue"]]
    return [_plan(s.plan, s.total, s.done, s.overdue) for s in summaries]


def _visible(plan_id: int) -> Plan:
    """The pages' rule: the owner, or the coordinator it names while they coordinate."""
    plan = services.viewable_plan(db.session, g.api_user, plan_id)
    if plan is None:
        raise not_found("plan")
    return plan


def _owned(plan_id: int) -> Plan:
    plan = _visible(plan_id)
    if plan.owner_id != g.api_user.id:
        raise ApiProblem(403, "Only the plan's owner changes it; its coordinator reads it.")
    return plan


def _milestone_of(plan: Plan, milestone_id: int) -> Milestone:
    milestone = services.plan_milestone(db.session, plan, milestone_id)
    if milestone is None:
        raise not_found("milestone")
    return milestone


def _today(plan: Plan) -> date:
    return services.local_today(plan.owner)


# Plans ---------------------------------------------------------------------------------------


@resource.operation(
    "GET",
    "/plans",
    tag=TAG,
    summary="Your plans, latest start first",
    query=PlanQuery,
    response=PlanSchema,
    page=True,
    problems=(403,),
)
def list_plans(query: dict):
    """For staff (and the template editors the plans page also admits)."""
    me = g.api_user
    if not me.has_role(Role.STAFF) and not services.can_edit_templates(db.session, me):
        raise ApiProblem(403, "Plans are for staff members.")
    return page_of(_summaries(services.plans_of(db.session, me), query), query)


@resource.operation(
    "GET",
    "/plans/coordinated",
    tag=TAG,
    summary="The plans that name you as coordinator, by owner's name",
    query=CoordinatedQuery,
    response=PlanSchema,
    page=True,
    problems=(403,),
)
def list_coordinated_plans(query: dict):
    """For coordinators of a verified charity or NHS trust."""
    me = g.api_user
    if not services.is_current_coordinator(db.session, me):
        raise ApiProblem(403, "Only coordinators of a verified organisation coordinate plans.")
    summaries = services.coordinated_plans(db.session, me)
    if "owner_id" in query:
        summaries = [s for s in summaries if s.plan.owner_id == query["owner_id"]]
    return page_of(_summaries(summaries, query), query)


@resource.operation(
    "GET",
    "/plans/<int:plan_id>",
    tag=TAG,
    summary="One plan with its milestones in date order (its owner, its coordinator)",
    response=PlanDetailSchema,
)
def get_plan(plan_id: int):
    plan = _visible(plan_id)
    today = _today(plan)
    milestones = [_milestone(m, today) for m in services.timeline(db.session, plan)]
    counts = [m["status"] for m in milestones]
    return _plan(plan, len(counts), counts.count("done"), counts.count("overdue")) | {
        "lead_days": list(services.lead_days_of(plan)),
        "milestones": milestones,
    }


# Milestones ----------------------------------------------------------------------------------


@resource.operation(
    "GET",
    "/plans/<int:plan_id>/milestones",
    tag=TAG,
    summary="A plan's milestones in date order (its owner, its coordinator)",
    query=MilestoneQuery,
    response=MilestoneSchema,
    page=True,
)
def list_milestones(plan_id: int, query: dict):
    plan = _visible(plan_id)
    today = _today(plan)
    items = [_milestone(m, today) for m in services.timeline(db.session, plan)]
    if "status" in query:
        items = [item for item in items if item["status"] == query["status"]]
    return page_of(items, query)


@resource.operation(
    "GET",
    "/plans/<int:plan_id>/milestones/<int:milestone_id>",
    tag=TAG,
    summary="One milestone (the plan's owner, its coordinator)",
    response=MilestoneSchema,
)
def get_milestone(plan_id: int, milestone_id: int):
    plan = _visible(plan_id)
    return _milestone(_milestone_of(plan, milestone_id), _today(plan))


@contextmanager
def _service_rules() -> Iterator[None]:
    """A service change's refusals become a 403 (its field messages are a 422, as every
    `DomainError` is)."""
    try:
        yield
    except services.NotAllowed as error:
        raise ApiProblem(403, f"{error}.") from None


@resource.operation(
    "POST",
    "/plans/<int:plan_id>/milestones",
    tag=TAG,
    summary="Add a milestone of your own to your plan",
    body=MilestoneForm,
    response=MilestoneSchema,
    status=201,
)
def add_milestone(plan_id: int, body: dict):
    plan = _owned(plan_id)
    form = checked_form(MilestoneForm, body, plan=plan)
    with _service_rules():
        milestone = services.add_milestone(db.session, plan, g.api_user, form.details())
    db.session.commit()
    return _milestone(milestone, _today(plan))


@resource.operation(
    "PATCH",
    "/plans/<int:plan_id>/milestones/<int:milestone_id>",
    tag=TAG,
    summary="Change a milestone you added (the scheme's move with the plan's dates)",
    body=MilestoneForm,
    response=MilestoneSchema,
)
def update_milestone(plan_id: int, milestone_id: int, body: dict):
    """Only the fields sent change. A new date cancels the reminders not sent yet."""
    plan = _owned(plan_id)
    milestone = _milestone_of(plan, milestone_id)
    with _service_rules():
        services.check_changeable(milestone, g.api_user)
    stored = {"title": milestone.title, "description": milestone.description}
    form = checked_form(
        MilestoneForm, body, stored=stored | {"due_on": milestone.due_on}, plan=plan
    )
    with _service_rules():
        services.update_milestone(db.session, milestone, g.api_user, form.details())
    db.session.commit()
    return _milestone(milestone, _today(plan))


@resource.operation(
    "POST",
    "/plans/<int:plan_id>/milestones/<int:milestone_id>/done",
    tag=TAG,
    summary="Mark a milestone of your plan done, with an optional note",
    body=DoneForm,
    response=MilestoneSchema,
    problems=(409,),
)
def mark_milestone_done(plan_id: int, milestone_id: int, body: dict):
    """Reminders about it that have not gone yet never will. Already done: 409."""
    plan = _owned(plan_id)
    milestone = _milestone_of(plan, milestone_id)
    if milestone.is_done:
        raise ApiProblem(409, "This milestone is already done.")
    note = checked_form(DoneForm, body).note.data or ""
    with _service_rules():
        services.mark_done(db.session, milestone, g.api_user, note)
    db.session.commit()
    return _milestone(milestone, _today(plan))


@resource.operation(
    "POST",
    "/plans/<int:plan_id>/milestones/<int:milestone_id>/undo",
    tag=TAG,
    summary="Open a done milestone of your plan again",
    response=MilestoneSchema,
    problems=(409,),
)
def reopen_milestone(plan_id: int, milestone_id: int):
    """Not done: 409."""
    plan = _owned(plan_id)
    milestone = _milestone_of(plan, milestone_id)
    if not milestone.is_done:
        raise ApiProblem(409, "This milestone is not done.")
    services.undo_done(db.session, milestone, g.api_user)
    db.session.commit()
    return _milestone(milestone, _today(plan))
