"""Organisations: the caller's own, and any verified one to read; an organisation's monthly text
budget, read by its members and set by administrators."""

from flask import g
from marshmallow import Schema, fields, validate
from sqlalchemy import or_, select
from wtforms import SelectField

from diaspora.api.spec import (
    ApiProblem,
    Flag,
    PageQuery,
    Resource,
    checked_form,
    not_found,
    paginate,
)
from diaspora.auth.models import Role
from diaspora.extensions import db
from diaspora.notifications import budgets
from diaspora.notifications.forms import TextBudgetForm
from diaspora.organisations import services
from diaspora.organisations.access import active_memberships
from diaspora.organisations.forms import OrganisationForm
from diaspora.organisations.models import KIND_LABELS, Membership, Organisation, Verification

resource = Resource()
KINDS = [kind.value for kind in KIND_LABELS]


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    website = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    time_zone = fields.String(
        required=True,
        metadata={
            "description": "IANA zone, e.g. Asia/Dhaka: its new tele-teaching sessions start in it "
            "unless they say otherwise"
        },
    )
    verification = fields.String(
        required=True, validate=validate.OneOf([v.value for v in Verification])
    )
    your_role = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "owner or member when you belong to it, else null"},
    )


class OrganisationUpdated(OrganisationSchema):
    sent_back_to_verification = fields.Boolean(
        required=True,
        metadata={
            "description": "true when the change of name or kind sent a verified organisation "
            "back to verification: until an administrator verifies it again, its members have "
            "no partner or coordinator access through it"
        },
    )


class TextBudgetSchema(Schema):
    month = fields.String(
        required=True, metadata={"description": "This calendar month in UTC, as YYYY-MM"}
    )
    segments = fields.Integer(
        required=True,
        attribute="budget",
        metadata={
            "description": "The text message segments the messages it causes may use a month (a "
            "text is one or two segments, a WhatsApp message one); 0: its texts go by email"
        },
    )
    is_default = fields.Boolean(
        required=True,
        metadata={"description": "true when no budget is set for it: the service's default"},
    )
    used = fields.Integer(required=True, metadata={"description": "Segments used this month"})
    left = fields.Integer(required=True, metadata={"description": "Segments left this month"})
    percent = fields.Integer(
        required=True,
        metadata={"description": "The share used, 0 to 100 (100 when the budget is 0)"},
    )
    warned = fields.Boolean(
        required=True,
        metadata={
            "description": f"true once its owners were warned this month that it used "
            f"{budgets.WARN_AT} % of the budget"
        },
    )


class OrganisationQuery(PageQuery):
    mine = Flag("Only organisations you belong to (false: every verified one)", default=True)
    kind = SelectField("Type of organisation", choices=KINDS)


def _shown(organisation: Organisation, role: str | None) -> dict:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kind": organisation.kind,
        "country": organisation.country,
        "website": organisation.website,
        "description": organisation.description,
        "time_zone": organisation.time_zone,
        "verification": organisation.verification,
        "your_role": role,
    }


def _roles() -> dict[int, str]:
    return {
        m.organisation_id: m.role
        for m in db.session.scalars(active_memberships(Membership, user_id=g.api_user.id))
    }


def _visible(organisation_id: int) -> tuple[Organisation, str | None]:
    """The same rule as the pages: members and admins see any; others only verified ones."""
    organisation = db.session.get(Organisation, organisation_id)
    role = _roles().get(organisation_id)
    if organisation is None or not (
        role or organisation.is_verified or g.api_user.has_role(Role.ADMIN)
    ):
        raise not_found("organisation")
    return organisation, role


@resource.operation(
    "GET",
    "/organisations",
    tag="Organisations",
    summary="Organisations you belong to, or every verified one",
    query=OrganisationQuery,
    response=OrganisationSchema,
    page=True,
)
def list_organisations(query: dict):
    roles = _roles()
    statement = select(Organisation).order_by(Organisation.name, Organisation.id)
    if query["mine"]:
        statement = statement.where(Organisation.id.in_(roles or [0]))
    else:
        statement = statement.where(
            or_(
                Organisation.verification == Verification.VERIFIED,
                Organisation.id.in_(roles or [0]),
            )
        )
    if "kind" in query:
        statement = statement.where(Organisation.kind == query["kind"])
    page = paginate(db.session, statement, query)
    page.items = [_shown(o, roles.get(o.id)) for o in page.items]
    return page


@resource.operation(
    "GET",
    "/organisations/<int:organisation_id>",
    tag="Organisations",
    summary="One organisation",
    response=OrganisationSchema,
)
def get_organisation(organisation_id: int):
    return _shown(*_visible(organisation_id))


@resource.operation(
    "PATCH",
    "/organisations/<int:organisation_id>",
    tag="Organisations",
    summary="Change your organisation's details (owners)",
    body=OrganisationForm,
    response=OrganisationUpdated,
)
def update_organisation(organisation_id: int, body: dict):
    """Only the fields sent change; the rules are the edit page's. Changing the name or kind of
    a verified organisation sends it back to verification (`verification` becomes pending)."""
    organisation, role = _visible(organisation_id)
    if role != "owner":
        raise ApiProblem(403, "Only the organisation's owners can change its details.")
    current = _shown(organisation, role) | {"website": organisation.website or ""}
    form = checked_form(OrganisationForm, body, stored=current)
    changed = {k: v for k, v in form.organisation_fields().items() if k in body}
    sent_back = services.update_organisation(db.session, organisation, g.api_user, **changed)
    db.session.commit()
    return _shown(organisation, role) | {"sent_back_to_verification": sent_back}


@resource.operation(
    "GET",
    "/organisations/<int:organisation_id>/text-budget",
    tag="Organisations",
    summary="Your organisation's text budget and what it used this month",
    response=TextBudgetSchema,
)
def get_text_budget(organisation_id: int):
    """What the organisation's page shows its members: this month's budget, the segments its
    texts used and whether its owners were warned. Its members and administrators only."""
    organisation, role = _visible(organisation_id)
    if role is None and not g.api_user.has_role(Role.ADMIN):
        raise ApiProblem(403, "Only the organisation's members see its text budget.")
    return budgets.usage(db.session, organisation.id)


@resource.operation(
    "PUT",
    "/organisations/<int:organisation_id>/text-budget",
    tag="Organisations",
    summary="Set an organisation's monthly text budget (administrators)",
    body=TextBudgetForm,
    response=TextBudgetSchema,
)
def set_text_budget(organisation_id: int, body: dict):
    """The administration page's form and rules: `segments` a whole number (0 turns the
    organisation's texts off: they go by email); left out, the service's default applies.
    Recorded in the audit log, as on the page."""
    if not g.api_user.has_role(Role.ADMIN):
        raise ApiProblem(403, "Only administrators set text budgets.")
    organisation, _role = _visible(organisation_id)
    form = checked_form(TextBudgetForm, body)
    budgets.set_budget(db.session, g.api_user, organisation, form.segments.data)
    db.session.commit()
    return budgets.usage(db.session, organisation.id)
