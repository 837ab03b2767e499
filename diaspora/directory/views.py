"""The volunteer directory: search, a read-only profile page, and the coordinators' CSV export.

Who may use it is privacy.py's rule: people with a listable audience (coordinators, members of
verified organisations, administrators); everyone else signed in gets 403.
"""

import csv
import io

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from diaspora.core.paging import requested_page, search_args
from diaspora.core.time import utcnow
from diaspora.core.urls import external_url
from diaspora.directory import presenters, services
from diaspora.directory.forms import DirectorySearchForm
from diaspora.extensions import db
from diaspora.factors.gate import step_up_required
from diaspora.organisations.access import refuse_organisation_action
from diaspora.registry.viewer import viewer_access

bp = Blueprint("directory", __name__, url_prefix="/directory")


def _access() -> services.Access:
    return services.directory_access(viewer_access())


@bp.before_request
@login_required
def _searchers_only():
    if not _access().can_search:
        refuse_organisation_action(db.session, current_user)


@bp.app_context_processor
def _navigation() -> dict:
    def can_find_volunteers() -> bool:
        """For the header's "Find volunteers" link."""
        if not current_user.is_authenticated:
            return False
        try:
            return _access().can_search
        except SQLAlchemyError:  # an error page for a failed query must still render
            return False

    return {"can_find_volunteers": can_find_volunteers}


def _search_args() -> dict[str, str]:
    """The filters and the page: a profile opened from the results links back to them."""
    args = search_args(DirectorySearchForm)
    if request.args.get("page", type=int):
        args["page"] = request.args["page"]
    return args


def _search_page(form: DirectorySearchForm, results: services.ResultPage | None):
    today = utcnow().date()
    args = search_args(DirectorySearchForm)
    pagination = None
    if results is not None:
        pagination = presenters.pagination(
            results, lambda number: url_for("directory.search", **args, page=number)
        )
    return render_template(
        "directory/search.html",
        title=gettext("Find volunteers"),
        form=form,
        results=results,
        cards=[presenters.card(result, today) for result in results.items] if results else [],
        pagination=pagination,
        can_export=_access().can_export,
        export_fields=args,
        search_args=_search_args(),
    )


@bp.get("/")
def search():
    form = DirectorySearchForm(request.args)
    results = None
    if form.validate():
        results = services.search(db.session, _access(), form.filters(), page=requested_page())
    return _search_page(form, results)


@bp.post("/export")
@step_up_required
def export():
    """The whole result set of a search as CSV, for coordinators; every export is audited."""
    if not _access().can_export:
        refuse_organisation_action(db.session, current_user)
    form = DirectorySearchForm(request.form)
    if not form.validate():
        return _search_page(form, None)
    filters = form.filters()
    today = utcnow().date()

    def link(profile_id: int) -> str:
        return external_url("directory.profile", profile_id=profile_id)

    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheets read names in any script as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(presenters.csv_header())
    exported = 0
    for result in services.all_results(db.session, _access(), filters):
        writer.writerow(presenters.csv_row(result, today, link))
        exported += 1
    services.record_export(db.session, current_user, filters, exported)
    db.session.commit()
    filename = f"volunteers-{today.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<int:profile_id>")
def profile(profile_id: int):
    """A read-only profile. 404, not 403, when the viewer may not see it: they may not even
    learn that it exists."""
    result = services.viewable_profile(db.session, _access(), current_user, profile_id)
    if result is None:
        abort(404)
    person = presenters.details(result, utcnow().date())
    return render_template(
        "directory/profile.html",
        title=person["name"],
        person=person,
        back_link={
            "href": url_for("directory.search", **_search_args()),
            "text": gettext("Back to search"),
        },
    )
