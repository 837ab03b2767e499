"""Opportunities: the public listing and detail for every caller; posting, changing, publishing
and closing for members of the verified organisation that posts them.

The rules are the pages': the web form of the opportunity's kind judges what is sent (its
messages become one 422 entry per field), `access` says who sees and who manages,
`services.LIFECYCLE` which state changes are allowed (a refused one is a 409). Every time is
ISO 8601 in UTC; a tele-teaching session's wall-clock time is sent as `starts_on` +
`start_time` in `host_time_zone`, as on the web form.
"""

import re
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, time

from flask import g
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from diaspora.api.spec import (
    MAX_ID,
    ApiProblem,
    Page,
    PageQuery,
    Resource,
    field_errors,
    name_text,
    not_found,
    one_line,
    page_of,
    storable,
)
from diaspora.auth.models import Role
from diaspora.core.time import as_utc, utcnow
from diaspora.extensions import db
from diaspora.opportunities import access, presenters, services
from diaspora.opportunities.forms import OpportunityForm
from diaspora.opportunities.models import (
    Modality,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Recurrence,
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
# Dates a schedule can be worked out for: the calendar arithmetic of a series stays in range.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _text(*, multiline: bool = False, **kwargs) -> fields.String:
    """Text as the web form's field takes it: a text area's, or else a single line's."""
    return fields.String(validate=storable if multiline else one_line, **kwargs)


def _day(**kwargs) -> fields.Date:
    return fields.Date(
        validate=validate.Range(
            min=EARLIEST, max=LATEST, error="Must be a date between 1900 and 2999."
        ),
        **kwargs,
    )


def _wall_clock(value: time) -> None:
    if value.tzinfo is not None:
        raise ValidationError(
            "Give the time without an offset, like 14:00: it is in host_time_zone."
        )


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
    code = _text(required=True, metadata={"description": "A skill code of the taxonomy"})
    min_level = fields.Integer(required=True, metadata={"description": "1 to 4"})


class WantedLanguage(Schema):
    code = _text(required=True, metadata={"description": "ISO 639-3"})
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


class OpportunityQuery(PageQuery):
    mine = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Only your organisations' opportunities, drafts and ended ones "
            "included (false: the open ones everyone can find)"
        },
    )
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "With mine=true; the public listing is of open ones only"},
    )
    organisation_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    kind = fields.String(validate=validate.OneOf(KINDS))
    country = fields.String(validate=validate.OneOf(sorted(country_names())))
    modality = fields.String(validate=validate.OneOf(MODALITIES))
    profession = fields.String(
        validate=validate.OneOf(sorted(professions())),
        metadata={"description": "Public listing only"},
    )
    skill = fields.String(
        validate=validate.OneOf(sorted(skills())), metadata={"description": "Public listing only"}
    )
    language = fields.String(
        validate=validate.OneOf(sorted(language_names())),
        metadata={"description": "Public listing only"},
    )
    starts_from = _day(metadata={"description": "Starts on or after"})
    starts_by = _day(metadata={"description": "Starts on or before"})

    @validates_schema
    def _consistent(self, data: dict, **kwargs) -> None:
        if (
            data.get("starts_from")
            and data.get("starts_by")
            and (data["starts_by"] < data["starts_from"])
        ):
            raise ValidationError("Must be the same as or after starts_from.", "starts_by")
        if data.get("mine"):
            for name in ("profession", "skill", "language"):
                if name in data:
                    raise ValidationError("Filters the public listing only (mine=false).", name)
        elif data.get("status", OpportunityStatus.OPEN) != OpportunityStatus.OPEN:
            raise ValidationError(
                "The public listing holds open opportunities only: add mine=true.", "status"
            )


class OpportunityChanges(Schema):
    """What the web form asks, as JSON; fields of other kinds are ignored. Text limits,
    required fields and every other rule are the form's, answered as 422 entries."""

    title = fields.String(validate=name_text)
    description = _text(multiline=True)
    country = _text(metadata={"description": "ISO 3166-1 alpha-2"})
    region = _text()
    modality = _text(metadata={"description": "remote, on_site or hybrid"})
    professions = fields.List(_text(), metadata={"description": "Profession codes"})
    skills = fields.List(fields.Nested(WantedSkill), metadata={"description": "Up to 5"})
    languages = fields.List(fields.Nested(WantedLanguage), metadata={"description": "Up to 5"})
    starts_on = _day(
        metadata={
            "description": "Projects: first day. Placements: earliest start. Tele-teaching: "
            "the date of the first session in the host's time zone."
        }
    )
    ends_on = _day(
        metadata={
            "description": "Projects: last day. Placements: latest start. Not for tele-teaching."
        }
    )
    hours_per_month = fields.Integer()
    places = fields.Integer()
    start_time = fields.Time(
        validate=_wall_clock,
        metadata={"description": "Tele-teaching: wall-clock time in host_time_zone, e.g. 14:00"},
    )
    host_time_zone = _text(
        metadata={
            "description": "IANA zone, e.g. Asia/Dhaka; a new tele-teaching session left "
            "without one is in its organisation's time zone"
        }
    )
    duration_minutes = fields.Integer()
    capacity = fields.Integer(metadata={"description": "Places in each session"})
    join_link = _text(
        metadata={"description": "https link; when changing, leave out to keep the current one"}
    )
    audience = _text()
    learners_expected = fields.Integer()
    recurrence = _text(
        metadata={
            "description": "none, weekly, monthly (the same date: the 14th), month_nth (the "
            "first session's weekday and week of the month: the second Tuesday; not for a fifth "
            "weekday) or month_last (the last of that weekday: the last Friday; the first "
            "session must be one)"
        }
    )
    occurrences = fields.Integer(metadata={"description": "Sessions in a series: 2 to 52"})
    host_institution = _text()
    duration_months = fields.Integer()
    support_travel = fields.Boolean()
    support_housing = fields.Boolean()
    support_stipend = fields.Boolean()
    service_commitment = _text(multiline=True)


class NewOpportunity(OpportunityChanges):
    organisation_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={
            "description": "A verified organisation you are a member of. Leave it out when "
            "you are a member of exactly one: the opportunity is posted for that one"
        },
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


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

WANTED = {"skill": ("skills", "min_level"), "language": ("languages", "min_proficiency")}
ROW = re.compile(r"^(skill|language)_(level_)?(\d+)$")
INPUT_FIELDS = {f.name for f in dataclass_fields(OpportunityInput)}
FILTERS = [f.name for f in dataclass_fields(services.Filters)]


def _input(data: OpportunityInput, body: dict) -> OpportunityInput:
    """`data` with what the body sends laid over it, as the form's `details()` builds it."""
    for name, value in body.items():
        if name == "skills":
            data.skills = [(row["code"], row["min_level"]) for row in value]
        elif name == "languages":
            data.languages = [(row["code"], row["min_proficiency"]) for row in value]
        elif name in INPUT_FIELDS and name != "kind":
            setattr(data, name, value)
    if data.recurrence == Recurrence.NONE:
        data.occurrences = None
    return data


def _checked(data: OpportunityInput, editing: Opportunity | None = None) -> OpportunityInput:
    """`data` held to the rules of the web form of its kind, filled as the page fills it;
    a 422 with the form's messages when it breaks one."""
    for array in ("skills", "languages"):
        if len(getattr(data, array)) > services.MAX_WANTED:
            raise field_errors({array: f"Choose up to {services.MAX_WANTED} of them"})
    form = OpportunityForm.of(data, editing=editing)
    if not form.validate():
        raise _invalid({name: " ".join(messages) for name, messages in form.errors.items()})
    return form.details()


def _invalid(errors: dict[str, str]) -> ApiProblem:
    """Messages keyed by form field, as JSON pointers into the body: `skill_level_2` is
    `skills/1/min_level` (the form's rows are the body's, in order)."""
    pointers = {}
    for name, message in errors.items():
        match = ROW.match(name)
        if match:
            prefix, level, number = match.groups()
            array, level_name = WANTED[prefix]
            name = f"{array}/{int(number) - 1}/{level_name if level else 'code'}"
        pointers[name] = message
    return field_errors(pointers)


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
        raise field_errors(
            {"organisation_id": "There is no such organisation, or you may not see it."}
        )
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
    body=NewOpportunity,
    response=OpportunitySchema,
    status=201,
)
def create_opportunity(body: dict):
    """A project, a tele-teaching session (one session per occurrence of its recurrence, each
    with `capacity` places) or a return placement, saved as a draft: publish it when ready.
    Without `organisation_id` it is posted for the one organisation you may post for."""
    organisation = _posting_for(body.get("organisation_id"))
    data = _checked(_input(services.starting_point(organisation, body["kind"]), body))
    opportunity = services.create(db.session, organisation, g.api_user, data)
    db.session.commit()
    return _shown(opportunity, manager=True)


@resource.operation(
    "PATCH",
    "/opportunities/<int:opportunity_id>",
    tag=TAG,
    summary="Change a draft or open opportunity (its organisation's members)",
    body=OpportunityChanges,
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
        data = _checked(_input(OpportunityInput.from_opportunity(opportunity), body), opportunity)
        postings.update(db.session, opportunity, g.api_user, data)
    except services.NotAllowed as error:
        raise ApiProblem(409, f"{error}.") from None
    except services.OpportunityError as error:
        raise _invalid(error.errors) from None
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
