"""Impact figures of a coordinating organisation and of one of its cohorts, as the dashboards
show them, for the organisation's coordinators and for administrators. Anyone else is answered
404, as on the pages, so nobody learns which organisations or cohorts exist."""

from flask import g
from marshmallow import Schema, fields
from wtforms import DateField

from diaspora.api.spec import Resource, field_errors, formdata, not_found
from diaspora.extensions import db
from diaspora.impact import access, services
from diaspora.impact.forms import RangeForm
from diaspora.reference.catalogue import on_safeguards_list
from diaspora.registry.viewer import viewer_access
from diaspora.widgets import NhsukForm

resource = Resource()
TAG = "Impact"
RANGE_FIELDS = {"start": "from", "end": "to"}  # the page's field: the query parameter


class ImpactQuery(NhsukForm):
    start = DateField(
        "First day of the range, a local date (default: a year ago)",
        name="from",
        invalid_value_message="Not a valid date.",
    )
    end = DateField(
        "Last day of the range, a local date (default: today)",
        name="to",
        invalid_value_message="Not a valid date.",
    )


class PeriodSchema(Schema):
    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")
    zone = fields.String(
        required=True, metadata={"description": "The IANA time zone the dates are read in"}
    )


class ScopeSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "organisation or cohort"})
    organisation_id = fields.Integer(required=True)
    cohort_id = fields.Integer(required=True, allow_none=True)


class CountryFigure(Schema):
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    on_safeguards_list = fields.Boolean(
        required=True,
        metadata={"description": "On the WHO Health Workforce Support and Safeguards List"},
    )
    minutes = fields.Integer(required=True)
    learners = fields.Integer(required=True)


class ProfessionFigure(Schema):
    profession = fields.String(
        required=True, metadata={"description": "Profession code; empty when not recorded"}
    )
    minutes = fields.Integer(required=True)
    people = fields.Integer(required=True)


class MonthFigure(Schema):
    month = fields.Date(required=True, metadata={"description": "The month's first day"})
    minutes = fields.Integer(required=True)
    learners = fields.Integer(required=True)


class FiguresSchema(Schema):
    scope = fields.Nested(ScopeSchema, required=True)
    period = fields.Nested(PeriodSchema, required=True)
    approved_minutes = fields.Integer(required=True)
    safeguards_minutes = fields.Integer(
        required=True, metadata={"description": "Approved minutes in safeguards-list countries"}
    )
    safeguards_share = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "safeguards_minutes / approved_minutes; null without any"},
    )
    learners = fields.Integer(required=True)
    sessions = fields.Integer(required=True)
    engagements_completed = fields.Integer(required=True)
    placements_completed = fields.Integer(required=True)
    people_active = fields.Integer(required=True)
    countries_served = fields.Integer(required=True)
    by_country = fields.List(fields.Nested(CountryFigure), required=True)
    by_profession = fields.List(fields.Nested(ProfessionFigure), required=True)
    by_month = fields.List(fields.Nested(MonthFigure), required=True)


def _period(query: dict) -> services.Period:
    """The range asked for, checked by the page's own form; the last 12 months when none was."""
    zone = access.zone_of(g.api_user)
    if "start" not in query and "end" not in query:
        return services.default_period(access.today_of(g.api_user), zone)
    form = RangeForm(formdata=formdata(RangeForm, query))
    if not form.validate():
        raise field_errors(
            {RANGE_FIELDS[name]: " ".join(errors) for name, errors in form.errors.items()},
            where="query",
        )
    return form.period(zone)


def _figures(scope: services.Scope, query: dict) -> dict:
    period = _period(query)
    result = services.figures(db.session, scope, period)
    return {
        "scope": {
            "kind": scope.kind,
            "organisation_id": scope.organisation_id,
            "cohort_id": scope.cohort_id,
        },
        "period": {"start": period.start, "end": period.end, "zone": period.zone},
        "approved_minutes": result.approved_minutes,
        "safeguards_minutes": result.safeguards_minutes,
        "safeguards_share": result.safeguards_share,
        "learners": result.learners,
        "sessions": result.sessions,
        "engagements_completed": result.engagements_completed,
        "placements_completed": result.placements_completed,
        "people_active": result.people_active,
        "countries_served": result.countries_served,
        "by_country": [
            {
                "country": code,
                "on_safeguards_list": on_safeguards_list(code),
                "minutes": minutes,
                "learners": learners,
            }
            for code, minutes, learners in result.by_country
        ],
        "by_profession": [
            {"profession": code, "minutes": minutes, "people": people}
            for code, minutes, people in result.by_profession
        ],
        "by_month": [
            {"month": month, "minutes": minutes, "learners": learners}
            for month, minutes, learners in result.by_month
        ],
    }


@resource.operation(
    "GET",
    "/impact/organisations/<int:organisation_id>",
    tag=TAG,
    summary="Impact figures of a coordinating organisation (its coordinators, administrators)",
    query=ImpactQuery,
    response=FiguresSchema,
)
def get_organisation_impact(organisation_id: int, query: dict):
    """The work of the people in the organisation's cohorts over the range, as its dashboard
    counts it. Dates are local dates in your account's time zone."""
    organisation = access.coordinating_organisation(
        db.session, g.api_user, viewer_access(), organisation_id
    )
    if organisation is None:
        raise not_found("organisation")
    return _figures(services.Scope("organisation", organisation_id=organisation.id), query)


@resource.operation(
    "GET",
    "/impact/cohorts/<int:cohort_id>",
    tag=TAG,
    summary="Impact figures of a cohort (its organisation's coordinators, administrators)",
    query=ImpactQuery,
    response=FiguresSchema,
)
def get_cohort_impact(cohort_id: int, query: dict):
    """The work of the cohort's members over the range, as its dashboard counts it. Dates are
    local dates in your account's time zone."""
    cohort = access.visible_cohort(db.session, g.api_user, viewer_access(), cohort_id)
    if cohort is None:
        raise not_found("cohort")
    scope = services.Scope("cohort", organisation_id=cohort.organisation_id, cohort_id=cohort.id)
    return _figures(scope, query)
