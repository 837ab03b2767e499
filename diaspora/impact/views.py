"""Impact dashboards, the return pipeline, a partner's page and the funders' CSV exports.

Who sees what (anyone else gets 404, so nobody learns which organisations or cohorts exist):
- the platform dashboard and the platform's return pipeline: administrators;
- a coordinating organisation's dashboard and its cohorts' dashboards: coordinators of that
  organisation (privacy.access_of: an active member of it, verified) and
  administrators;
- a partner's page: active members of that organisation and administrators.
"""

from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from diaspora.audit.services import record
from diaspora.cohorts.models import Cohort
from diaspora.extensions import db
from diaspora.factors.gate import step_up_required
from diaspora.impact import access, presenters, services
from diaspora.impact.forms import ExportForm, RangeForm
from diaspora.organisations.access import (
    is_active_member,
    refuse_organisation_action,
    waiting_memberships,
)
from diaspora.organisations.models import Organisation
from diaspora.registry.viewer import viewer_access

bp = Blueprint("impact", __name__, url_prefix="/impact")

EXPORTS = ("engagements", "hours")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every impact page needs a signed-in person; the routes check who."""


@bp.app_context_processor
def _navigation() -> dict:
    def can_see_impact() -> bool:
        """For the header's "Impact" link: coordinators. Administrators, whose header is full
        already, reach the platform's figures from the administration page."""
        if not current_user.is_authenticated:
            return False
        try:
            return viewer_access().coordinator
        except SQLAlchemyError:  # an error page for a failed query must still render
            return False

    return {"can_see_impact": can_see_impact}


def _zone() -> str:
    return access.zone_of(current_user)


def _today() -> date:
    return access.today_of(current_user)


def _coordinated_ids() -> set[int]:
    return access.coordinated_ids(db.session, current_user, viewer_access())


def _coordinating_organisation(organisation_id: int) -> Organisation:
    found = access.coordinating_organisation(
        db.session, current_user, viewer_access(), organisation_id
    )
    if found is None and waiting_memberships(db.session, current_user, organisation_id):
        refuse_organisation_action(db.session, current_user, organisation_id)  # their own
    return found or abort(404)


def _cohort(cohort_id: int) -> Cohort:
    return access.visible_cohort(db.session, current_user, viewer_access(), cohort_id) or abort(404)


def _range_form() -> tuple[RangeForm, services.Period | None]:
    """The range asked for, or the last 12 months when none was."""
    if not any(key.startswith(("start-", "end-")) for key in request.args):
        period = services.default_period(_today(), _zone())
        form = RangeForm(formdata=None, data={"start": period.start, "end": period.end})
        return form, period
    form = RangeForm(request.args)
    if not form.validate():
        return form, None
    return form, form.period(_zone())


def _range_args(period: services.Period) -> dict[str, int]:
    return {
        "start-day": period.start.day,
        "start-month": period.start.month,
        "start-year": period.start.year,
        "end-day": period.end.day,
        "end-month": period.end.month,
        "end-year": period.end.year,
    }


def _dashboard(
    scope: services.Scope,
    *,
    title: str,
    crumbs: list[dict],
    exports: dict | None,
    cohorts: list[Cohort] | None = None,
):
    form, period = _range_form()
    figures = sections = pipeline = None
    if period is not None:
        result = services.figures(db.session, scope, period)
        figures = presenters.headline(result)
        sections = presenters.sections(result)
        if scope.kind != "platform":
            pipeline = presenters.pipeline(services.pipeline(db.session, scope, _today()))
    return render_template(
        "impact/dashboard.html",
        title=title,
        crumbs=crumbs,
        column="full",
        form=form,
        period=period,
        figures=figures,
        sections=sections,
        pipeline=pipeline,
        scope=scope,
        cohorts=cohorts,
        exports=exports if period is not None else None,
        export_fields=_range_args(period) if period is not None else {},
        action=request.path,
    ), (200 if period is not None else 400)


@bp.get("/")
def platform():
    """The platform's dashboard for administrators; a coordinator is taken to their
    organisation's."""
    if not viewer_access().admin:
        coordinated = sorted(_coordinated_ids())
        if not coordinated:
            abort(404)
        return redirect(url_for("impact.organisation", organisation_id=coordinated[0]))
    return _dashboard(
        services.Scope("platform"),
        title=gettext("Impact of the platform"),
        crumbs=[
            {"text": gettext("Home"), "href": url_for("core.home")},
            {"text": gettext("Impact"), "href": ""},
        ],
        exports=None,
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    org = _coordinating_organisation(organisation_id)
    cohorts = db.session.scalars(
        select(Cohort).where(Cohort.organisation_id == org.id).order_by(Cohort.name, Cohort.id)
    ).all()
    return _dashboard(
        services.Scope("organisation", organisation_id=org.id),
        title=gettext("Impact of %(name)s", name=org.name),
        crumbs=[
            {"text": gettext("Home"), "href": url_for("core.home")},
            {"text": org.name, "href": ""},
        ],
        exports={
            what: url_for("impact.export_organisation", organisation_id=org.id, what=what)
            for what in EXPORTS
        },
        cohorts=list(cohorts),
    )


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    group = _cohort(cohort_id)
    org = group.organisation
    return _dashboard(
        services.Scope("cohort", organisation_id=org.id, cohort_id=group.id),
        title=gettext("Impact of %(name)s", name=group.name),
        crumbs=[
            {"text": gettext("Home"), "href": url_for("core.home")},
            {
                "text": org.name,
                "href": url_for("impact.organisation", organisation_id=org.id),
            },
            {"text": group.name, "href": ""},
        ],
        exports={
            what: url_for("impact.export_cohort", cohort_id=group.id, what=what) for what in EXPORTS
        },
    )


@bp.get("/returns")
def returns():
    if not viewer_access().admin:
        abort(404)
    pipeline = presenters.pipeline(
        services.pipeline(db.session, services.Scope("platform"), _today())
    )
    return render_template(
        "impact/returns.html",
        title=gettext("Return pipeline"),
        crumbs=[
            {"text": gettext("Home"), "href": url_for("core.home")},
            {"text": gettext("Impact"), "href": url_for("impact.platform")},
            {"text": gettext("Return pipeline"), "href": ""},
        ],
        column="full",
        pipeline=pipeline,
    )


@bp.get("/partners/<int:organisation_id>")
def partner(organisation_id: int):
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    if not (viewer_access().admin or is_active_member(db.session, current_user, org.id)):
        abort(404)
    form, period = _range_form()
    received = None
    if period is not None:
        received = presenters.received(services.received(db.session, org, period))
    return render_template(
        "impact/partner.html",
        title=gettext("What %(name)s received", name=org.name),
        crumbs=[
            {"text": gettext("Home"), "href": url_for("core.home")},
            {"text": org.name, "href": ""},
        ],
        column="full",
        form=form,
        period=period,
        received=received,
        action=request.path,
    ), (200 if period is not None else 400)


def _export(scope: services.Scope, subject: object, what: str, name: str):
    if what not in EXPORTS:
        abort(404)
    form = ExportForm(request.form)
    if not form.validate():
        abort(400)
    period = form.period(_zone())
    people = presenters.People(viewer_access(), current_user)
    if what == "engagements":
        body, count = presenters.engagement_csv(
            services.engagement_rows(db.session, scope, period), people
        )
    else:
        body, count = presenters.hours_csv(services.hours_rows(db.session, scope, period), people)
    record(
        db.session,
        "impact.exported",
        actor=current_user,
        subject=subject,
        export=what,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        rows=count,
        people=len(people.references),
        named=len(people.named),
    )
    db.session.commit()
    filename = f"{name}-{what}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/organisations/<int:organisation_id>/export/<what>")
@step_up_required
def export_organisation(organisation_id: int, what: str):
    org = _coordinating_organisation(organisation_id)
    return _export(
        services.Scope("organisation", organisation_id=org.id), org, what, f"organisation-{org.id}"
    )


@bp.post("/cohorts/<int:cohort_id>/export/<what>")
@step_up_required
def export_cohort(cohort_id: int, what: str):
    group = _cohort(cohort_id)
    return _export(
        services.Scope("cohort", organisation_id=group.organisation_id, cohort_id=group.id),
        group,
        what,
        f"cohort-{group.id}",
    )
