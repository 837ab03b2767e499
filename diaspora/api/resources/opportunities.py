"""Opportunities: the public listing and detail for every caller; posting, changing, publishing
and closing for members of the verified organisation that posts them.

The rules are the pages': the web form of the opportunity's kind judges what is sent (its
messages become one 422 entry per field), `access` says who sees and who manages,
`services.LIFECYCLE` which state changes are allowed (a refused one is a 409). Every time is
ISO 8601 in UTC; a tele-teaching session's wall-clock time is sent as `starts_on` +
`start_time` in `host_time_zone`, as on the web form.
"""

import re
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import UTC, date
from functools import cache

from flask import g
from marshmallow import Schema, fields, validate
from wtforms import DateField, Field, IntegerField, SelectField
from wtforms.validators import NumberRange, ValidationError

from diaspora.api.spec import (
    MAX_ID,
    ApiProblem,
    Flag,
    Page,
    PageQuery,
    Resource,
    checked_form,
    field_errors,
    form_fields,
    form_schema,
    not_found,
    page_of,
)
from diaspora.auth.models import Role
from diaspora.core.time import as_utc, utcnow
from diaspora.extensions import db
from diaspora.opportunities import access, presenters, services
from diaspora.opportunities.forms import FORMS, SUPPORT, OpportunityForm
from diaspora.opportunities.models import (
    Modality,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    SessionStatus,
)
from diaspora.opportunities.services import OpportunityInput
from diaspora.organisations.access import is_active_member
from diaspora.organisations.models import Organisation
from diaspora.postings import services as postings
from diaspora.reference.catalogue import language_names, professions, skills
from diaspora.reference.places import country_names

resource = Resource()
TAG = "Opportunities"
KINDS = [kind.value for kind in OpportunityKind]
STATUSES = [status.value for status in OpportunityStatus]
MODALITIES = [modality.value for modality in Modality]
NO_ORGANISATION = "There is no such organisation, or you may not see it."


# Shapes -----------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class OpportunitySummarySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    title = fields.String(required=True)
    organisation = fields.Nested(OrganisationRef, required=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    region = fields.String(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    starts_on = fields.Date(
        required=True,
        allow_none=True,
        metadata={
            "description": "Projects: first day. Placements: earliest start. Tele-teaching: "
            "the local date of the first session."
        },
    )
    ends_on = fields.Date(
        required=True,
        allow_none=True,
        metadata={
            "description": "Projects: last day. Placements: latest start. Tele-teaching: "
            "the local date of the last session."
        },
    )
    next_session_starts_at = fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "Tele-teaching: the next scheduled session, in UTC"},
    )


class WantedSkill(Schema):
    code = fields.String(required=True, metadata={"description": "A skill code of the taxonomy"})
    min_level = fields.Integer(required=True, metadata={"description": "1 to 4"})


class WantedLanguage(Schema):
    code = fields.String(required=True, metadata={"description": "ISO 639-3"})
    min_proficiency = fields.Integer(required=True, metadata={"description": "1 to 4"})


class Support(Schema):
    travel = fields.Boolean(required=True)
    housing = fields.Boolean(required=True)
    stipend = fields.Boolean(required=True)


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    starts_at = fields.AwareDateTime(required=True, metadata={"description": "UTC"})
    duration_minutes = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    places_left = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in SessionStatus]))


class OpportunitySchema(OpportunitySummarySchema):
    """Fields of other kinds are null. The join link is never shown here: booked people see it
    with their booking."""

    description = fields.String(required=True)
    professions = fields.List(fields.String(), required=True)
    skills = fields.List(fields.Nested(WantedSkill), required=True)
    languages = fields.List(fields.Nested(WantedLanguage), required=True)
    hours_per_month = fields.Integer(required=True, allow_none=True)
    places = fields.Integer(required=True, allow_none=True)
    host_time_zone = fields.String(
        required=True, allow_none=True, metadata={"description": "IANA zone, e.g. Asia/Dhaka"}
    )
    duration_minutes = fields.Integer(required=True, allow_none=True)
    capacity = fields.Integer(required=True, allow_none=True)
    audience = fields.String(required=True, allow_none=True)
    learners_expected = fields.Integer(required=True, allow_none=True)
    recurrence = fields.String(required=True, allow_none=True)
    occurrences = fields.Integer(required=True, allow_none=True)
    sessions = fields.List(fields.Nested(SessionSchema), required=True)
    host_institution = fields.String(required=True, allow_none=True)
    duration_months = fields.Integer(required=True, allow_none=True)
    support = fields.Nested(Support, required=True, allow_none=True)
    service_commitment = fields.String(required=True, allow_none=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    you_manage = fields.Boolean(
        required=True, metadata={"description": "You may change, publish and close it"}
    )


def _public_only(form: "OpportunityQuery", field: Field) -> None:
    if form.mine.data:
        raise ValidationError("Filters the public listing only (mine=false).")


class OpportunityQuery(PageQuery):
    mine = Flag(
        "Only your organisations' opportunities, drafts and ended ones included (false: the "
        "open ones everyone can find)",
        default=False,
    )
    status = SelectField(
        "With mine=true; the public listing is of open ones only", choices=STATUSES
    )
    organisation_id = IntegerField("Organisation", [NumberRange(1, MAX_ID)])
    kind = SelectField("Kind", choices=KINDS)
    country = SelectField("Country, ISO 3166-1 alpha-2", choices=sorted(country_names()))
    modality = SelectField("How people take part", choices=MODALITIES)
    profession = SelectField("Public listing only", [_public_only], choices=sorted(professions()))
    skill = SelectField("Public listing only", [_public_only], choices=sorted(skills()))
    language = SelectField("Public listing only", [_public_only], choices=sorted(language_names()))
    starts_from = DateField("Starts on or after", invalid_value_message="Not a valid date.")
    starts_by = DateField("Starts on or before", invalid_value_message="Not a valid date.")

    def validate_status(self, field: SelectField) -> None:
        if not self.mine.data and field.data != OpportunityStatus.OPEN:
            raise ValidationError(
                "The public listing holds open opportunities only: add mine=true."
            )

    def validate_starts_by(self, field: DateField) -> None:
        if field.data and self.starts_from.data and field.data < self.starts_from.data:
            raise ValidationError("Must be the same as or after starts_from.")


ROWS = {"skills": ("skill", "min_level"), "languages": ("language", "min_proficiency")}
NOTES = {  # what the page's labels and lists show, said for JSON
    "country": "ISO 3166-1 alpha-2",
    "professions": "profession codes",
    "start_time": "tele-teaching: the wall-clock time in host_time_zone, like 14:00",
    "host_time_zone": "an IANA zone, like Asia/Dhaka; a new tele-teaching session left without "
    "one is in its organisation's",
    "join_link": "an https link; when changing, leave it out to keep the current one",
    "recurrence": "none, weekly, monthly (the same date), month_nth (the first session's "
    "weekday and week of the month) or month_last (the last of that weekday)",
}


@cache
def _changes() -> dict:
    """The body of a change: the fields of the web form of every kind (those of other kinds
    are ignored), with the rows of wanted skills and languages as lists and the support
    offered as three booleans."""
    properties: dict[str, dict] = {}
    labels: dict[str, list[str]] = {}
    row_fields = [name for name in form_fields(OpportunityForm) if ROW.match(name)]
    for kind, form_class in FORMS.items():
        shape = form_schema(form_class, leave_out=[*row_fields, "support"])
        for name, schema in shape["properties"].items():
            properties[name] = schema
            labels.setdefault(name, []).append(f"{kind}: {schema['description']}")
    for name, described in labels.items():
        if len({text.partition(": ")[2] for text in described}) > 1:
            properties[name] = properties[name] | {"description": "; ".join(described)}
    for name, note in NOTES.items():
        properties[name]["description"] += f": {note}"
    for array, (_, level) in ROWS.items():
        row = {"code": {"type": "string"}, level: {"type": "integer", "description": "1 to 4"}}
        properties[array] = {
            "type": "array",
            "maxItems": services.MAX_WANTED,
            "items": {
                "type": "object",
                "properties": row,
                "required": list(row),
                "additionalProperties": False,
            },
        }
    for key, label in SUPPORT:
        properties[f"support_{key}"] = {"type": "boolean", "description": label}
    return {"type": "object", "properties": properties, "additionalProperties": False}


@cache
def _new() -> dict:
    schema = _changes()
    extra = {
        "kind": {"type": "string", "enum": KINDS},
        "organisation_id": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "A verified organisation you are a member of. Leave it out when "
            "you are a member of exactly one: the opportunity is posted for that one",
        },
    }
    return schema | {"properties": schema["properties"] | extra, "required": ["kind"]}


# Presenting -------------------------------------------------------------------------------


def _next_start(opportunity: Opportunity):
    upcoming = presenters.next_session(opportunity, utcnow())
    return as_utc(upcoming.starts_at) if upcoming is not None else None


def _summary(opportunity: Opportunity, next_start) -> dict:
    return {
        "id": opportunity.id,
        "kind": opportunity.kind,
        "status": opportunity.status,
        "title": opportunity.title,
        "organisation": {"id": opportunity.organisation.id, "name": opportunity.organisation.name},
        "country": opportunity.country,
        "region": opportunity.region,
        "modality": opportunity.modality,
        "starts_on": opportunity.starts_on,
        "ends_on": opportunity.ends_on,
        "next_session_starts_at": next_start,
    }


def _sessions(opportunity: Opportunity) -> list[dict]:
    return [
        {
            "id": s.id,
            "number": s.number,
            "starts_at": as_utc(s.starts_at).astimezone(UTC),
            "duration_minutes": s.duration_minutes,
            "capacity": s.capacity,
            "places_left": max(s.capacity - s.booked, 0),
            "status": s.status,
        }
        for s in sorted(opportunity.sessions, key=lambda s: s.number)
    ]


def _shown(opportunity: Opportunity, manager: bool) -> dict:
    teaching = opportunity.kind == OpportunityKind.TEACHING
    placement = opportunity.kind == OpportunityKind.PLACEMENT

    def only(yes: bool, value):
        return value if yes else None

    return _summary(opportunity, _next_start(opportunity) if teaching else None) | {
        "description": opportunity.description,
        "professions": sorted(p.profession for p in opportunity.professions),
        "skills": [{"code": s.code, "min_level": s.min_level} for s in opportunity.skills],
        "languages": [
            {"code": lang.language, "min_proficiency": lang.min_proficiency}
            for lang in opportunity.languages
        ],
        "hours_per_month": opportunity.hours_per_month,
        "places": opportunity.places,
        "host_time_zone": only(teaching, opportunity.host_time_zone),
        "duration_minutes": only(teaching, opportunity.duration_minutes),
        "capacity": only(teaching, opportunity.capacity),
        "audience": only(teaching, opportunity.audience),
        "learners_expected": only(teaching, opportunity.learners_expected),
        "recurrence": only(teaching, opportunity.recurrence),
        "occurrences": only(teaching, opportunity.occurrences),
        "sessions": _sessions(opportunity) if teaching else [],
        "host_institution": only(placement, opportunity.host_institution),
        "duration_months": only(placement, opportunity.duration_months),
        "support": only(
            placement,
            {
                "travel": opportunity.support_travel,
                "housing": opportunity.support_housing,
                "stipend": opportunity.support_stipend,
            },
        ),
        "service_commitment": only(placement, opportunity.service_commitment),
        "published_at": as_utc(opportunity.published_at) if opportunity.published_at else None,
        "closed_at": as_utc(opportunity.closed_at) if opportunity.closed_at else None,
        "you_manage": manager,
    }


# Input and errors -------------------------------------------------------------------------

ROW = re.compile(r"^(skill|language)_(level_)?(\d+)$")
FILTERS = [f.name for f in dataclass_fields(services.Filters)]


def _as_fields(values: dict) -> dict:
    """Body members as the form's fields: a row per wanted skill or language, the support
    boxes ticked."""
    fields_ = {
        name: value
        for name, value in values.items()
        if name not in ROWS and not name.startswith("support_")
    }
    for array, (prefix, level) in ROWS.items():
        for number, row in enumerate(values.get(array, []), start=1):
            fields_[f"{prefix}_{number}"] = row["code"]
            fields_[f"{prefix}_level_{number}"] = row[level]
    fields_["support"] = [key for key, _ in SUPPORT if values.get(f"support_{key}")]
    return fields_


def _stored(data: OpportunityInput) -> dict:
    """An opportunity's values as the body would send them."""
    stored = asdict(data)
    for array, (_, level) in ROWS.items():
        stored[array] = [{"code": code, level: value} for code, value in stored[array]]
    return stored


def _pointer(name: str) -> str:
    """A form field as a JSON pointer into the body: `skill_level_2` is `skills/1/min_level`
    (the form's rows are the body's, in order)."""
    match = ROW.match(name)
    if not match:
        return name
    prefix, level, number = match.groups()
    array = f"{prefix}s"
    return f"{array}/{int(number) - 1}/{ROWS[array][1] if level else 'code'}"


def _checked(
    data: OpportunityInput, body: dict, schema: dict, editing: Opportunity | None = None
) -> OpportunityInput:
    """`data` with the body laid over it, held to the rules of the web form of its kind,
    filled as the page fills it; a 422 with the form's messages when it breaks one."""
    form = checked_form(
        FORMS[data.kind],
        body,
        stored=_stored(data),
        schema=schema,
        as_fields=_as_fields,
        pointer=_pointer,
        editing=editing,
    )
    return form.details()


def _visible(opportunity_id: int) -> Opportunity:
    """The detail page's rule: 404 for what the caller may not know of (another's draft)."""
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not access.can_see(db.session, g.api_user, opportunity):
        raise not_found("opportunity")
    return opportunity


def _managed(opportunity_id: int) -> Opportunity:
    """The editing pages' rule: 404 as `_visible`, then 403 unless the caller manages it."""
    opportunity = _visible(opportunity_id)
    if not access.manages(db.session, g.api_user, opportunity):
        raise ApiProblem(
            403, "Only members of the verified organisation that posted it can change it."
        )
    return opportunity


def _posting_for(organisation_id: int | None) -> Organisation:
    """The organisation to post for: a 422 when the caller may not know of it (as the
    organisation pages decide), a 403 when they may not post for it. Without an id, the one
    organisation the caller may post for; a 403 when there is none, a 422 when there are
    several (the caller must choose)."""
    if organisation_id is None:
        return _only_posting_organisation()
    organisation = db.session.get(Organisation, organisation_id)
    known = organisation is not None and (
        organisation.is_verified
        or g.api_user.has_role(Role.ADMIN)
        or is_active_member(db.session, g.api_user, organisation_id)
    )
    if not known:
        raise field_errors({"organisation_id": NO_ORGANISATION})
    if not services.can_post_for(db.session, g.api_user, organisation):
        raise ApiProblem(
            403, "Only active members of a verified organisation can post opportunities for it."
        )
    return organisation


def _only_posting_organisation() -> Organisation:
    choices = services.posting_organisations(db.session, g.api_user)
    if not choices:
        raise ApiProblem(
            403, "Only active members of a verified organisation can post opportunities."
        )
    if len(choices) > 1:
        raise field_errors(
            {
                "organisation_id": (
                    f"You may post for {len(choices)} organisations: give the id of the one "
                    "to post for (GET /api/v1/organisations lists them)."
                )
            }
        )
    return choices[0]


# Operations -------------------------------------------------------------------------------


@resource.operation(
    "GET",
    "/opportunities",
    tag=TAG,
    summary="Open opportunities anyone can find, or your organisations' own",
    query=OpportunityQuery,
    response=OpportunitySummarySchema,
    page=True,
)
def list_opportunities(query: dict):
    """Without `mine`: the open opportunities of the listing page, soonest start first (a page
    past the end answers the last page). With `mine=true`: every opportunity of the verified
    organisations you are a member of, drafts included, as on "Your organisation's
    opportunities"."""
    filters = services.Filters(**{name: query.get(name) for name in FILTERS})
    if query["mine"]:
        return _mine(filters, query)
    found = services.listing(db.session, filters, page=query["page"], per_page=query["per_page"])
    items = [_summary(o, found.next_sessions.get(o.id)) for o in found.items]
    return Page(items, found.total, found.page, found.per_page)


def _mine(filters: services.Filters, query: dict) -> Page:
    def kept(o: Opportunity) -> bool:
        return (
            (filters.kind is None or o.kind == filters.kind)
            and (filters.country is None or o.country == filters.country)
            and (filters.modality is None or o.modality == filters.modality)
            and (filters.organisation_id is None or o.organisation_id == filters.organisation_id)
            and ("status" not in query or o.status == query["status"])
            and (filters.starts_from is None or (o.starts_on or date.min) >= filters.starts_from)
            and (filters.starts_by is None or (o.starts_on or date.max) <= filters.starts_by)
        )

    found = [o for o in services.managed_opportunities(db.session, g.api_user) if kept(o)]
    page = page_of(found, query)
    page.items = [_summary(o, _next_start(o)) for o in page.items]
    return page


@resource.operation(
    "GET",
    "/opportunities/<int:opportunity_id>",
    tag=TAG,
    summary="One opportunity, with its tele-teaching sessions",
    response=OpportunitySchema,
)
def get_opportunity(opportunity_id: int):
    """Anyone sees a published opportunity; a draft only its organisation's members and
    administrators."""
    opportunity = _visible(opportunity_id)
    return _shown(opportunity, access.manages(db.session, g.api_user, opportunity))


@resource.operation(
    "POST",
    "/opportunities",
    tag=TAG,
    summary="Post an opportunity, as a draft (members of a verified organisation)",
    body=_new,
    response=OpportunitySchema,
    status=201,
)
def create_opportunity(body: dict):
    """A project, a tele-teaching session (one session per occurrence of its recurrence, each
    with `capacity` places) or a return placement, saved as a draft: publish it when ready.
    Without `organisation_id` it is posted for the one organisation you may post for."""
    kind, organisation_id = body.get("kind"), body.get("organisation_id")
    if not isinstance(kind, str) or kind not in FORMS:
        raise field_errors({"kind": "Select the kind of opportunity"})
    if organisation_id is not None and not (
        type(organisation_id) is int and 0 < organisation_id <= MAX_ID
    ):
        raise field_errors({"organisation_id": NO_ORGANISATION})
    organisation = _posting_for(organisation_id)
    data = _checked(services.starting_point(organisation, kind), body, _new())
    opportunity = services.create(db.session, organisation, g.api_user, data)
    db.session.commit()
    return _shown(opportunity, manager=True)


@resource.operation(
    "PATCH",
    "/opportunities/<int:opportunity_id>",
    tag=TAG,
    summary="Change a draft or open opportunity (its organisation's members)",
    body=_changes,
    response=OpportunitySchema,
    problems=(409,),
)
def update_opportunity(opportunity_id: int, body: dict):
    """Only the fields sent change. Sessions still to come take a new time, duration or
    capacity, and the people booked on a moved session are told; a shorter series cancels the
    sessions past its end. 409 for a closed, completed or cancelled opportunity."""
    opportunity = _managed(opportunity_id)
    try:
        services.check_editable(opportunity)
        stored = OpportunityInput.from_opportunity(opportunity)
        data = _checked(stored, body, _changes(), opportunity)
        postings.update(db.session, opportunity, g.api_user, data)
    except services.NotAllowed as error:
        raise ApiProblem(409, f"{error}.") from None
    except services.OpportunityError as error:
        raise field_errors({_pointer(name): text for name, text in error.errors.items()}) from None
    db.session.commit()
    return _shown(opportunity, manager=True)


def _lifecycle(opportunity_id: int, change) -> dict:
    opportunity = _managed(opportunity_id)
    try:
        change(db.session, opportunity, g.api_user)
    except services.NotAllowed as error:
        raise ApiProblem(409, f"{error}.") from None
    db.session.commit()
    return _shown(opportunity, manager=True)


@resource.operation(
    "POST",
    "/opportunities/<int:opportunity_id>/publish",
    tag=TAG,
    summary="Publish a draft (its organisation's members)",
    response=OpportunitySchema,
    problems=(409,),
)
def publish_opportunity(opportunity_id: int):
    """Everyone can then find it. 409 unless it is a draft, or when every session of a
    tele-teaching series has already started."""
    return _lifecycle(opportunity_id, services.publish)


@resource.operation(
    "POST",
    "/opportunities/<int:opportunity_id>/close",
    tag=TAG,
    summary="Close an open opportunity to new people (its organisation's members)",
    response=OpportunitySchema,
    problems=(409,),
)
def close_opportunity(opportunity_id: int):
    """Nobody new can apply or book; people already taking part carry on. 409 unless open."""
    return _lifecycle(opportunity_id, services.close)
