"""Cohorts: coordinators' pages for their organisations' cohorts, the invitation link staff
open to join, and a staff member's own list of cohorts."""

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from diaspora.auth.login import signed_in
from diaspora.core.paging import requested_page
from diaspora.core.spreadsheet import cell
from diaspora.core.time import utcnow
from diaspora.core.urls import external_url
from diaspora.directory import presenters as directory_presenters
from diaspora.extensions import db, limiter
from diaspora.factors import gate
from diaspora.languages import translated
from diaspora.organisations.access import refuse_organisation_action
from diaspora.registry.viewer import viewer_access
from diaspora.templating import viewer_zone
from diaspora.widgets import NhsukForm, refusal

from . import imports, presenters, services, volunteers
from .forms import (
    AddMemberForm,
    CohortForm,
    FindPeopleForm,
    ImportForm,
    InvitedAccountForm,
    MessageForm,
)
from .models import Cohort, VolunteerImport

bp = Blueprint("cohorts", __name__)

SEARCH_ARGS = ("q", "profession", "country", "language", "page")  # kept across "Add"


def cohort_viewer() -> services.Viewer:
    """Worked out once per request."""
    if "cohort_viewer" not in g:
        g.cohort_viewer = services.viewer_of(db.session, signed_in())
    return g.cohort_viewer


def _visible(cohort_id: int) -> Cohort:
    """A cohort its coordinators and administrators may see; 404 for anyone else."""
    return services.visible_cohort(db.session, cohort_viewer(), cohort_id) or abort(404)


def _managed(cohort_id: int) -> Cohort:
    """A cohort the person may change: 404 if they may not see it, 403 if they only see it."""
    cohort = _visible(cohort_id)
    if not cohort_viewer().manages(cohort):
        abort(403)
    return cohort


def current_cohort(cohort_id: int) -> Cohort:
    """A managed cohort that is not archived: archived ones take no changes. Also for the
    matching page that proposes one of its members for an opportunity."""
    cohort = _managed(cohort_id)
    if cohort.archived_at is not None:
        flash(gettext("This cohort is archived: restore it to change it."), "warning")
        abort(redirect(url_for("cohorts.cohort", cohort_id=cohort.id)))
    return cohort


@bp.app_context_processor
def _navigation() -> dict:
    def coordinates_cohorts() -> bool:
        """For the header's "Cohorts" link: coordinators. Administrators, whose header is full
        already, reach every cohort from the administration page."""
        if not current_user.is_authenticated:
            return False
        try:  # the header's shared look at the person's memberships: no query of its own
            return viewer_access().coordinator
        except SQLAlchemyError:  # an error page for a failed query must still render
            return False

    return {"coordinates_cohorts": coordinates_cohorts}


# Coordinators' pages -------------------------------------------------------------------------


@bp.get("/cohorts")
@login_required
def index():
    viewer = cohort_viewer()
    if not viewer.organisations and not viewer.admin:
        refuse_organisation_action(db.session, signed_in())
    rows = [presenters.present_row(row) for row in services.cohorts_for(db.session, viewer)]
    return render_template(
        "cohorts/index.html",
        current=[row for row in rows if not row["archived"]],
        archived=[row for row in rows if row["archived"]],
        can_create=bool(viewer.organisations),
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@login_required
def new():
    organisations = list(cohort_viewer().organisations)
    if not organisations:
        refuse_organisation_action(db.session, signed_in())
    form = CohortForm(organisations=organisations)
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(db.session, signed_in(), form.details())
        except services.CohortError as error:
            form.add_errors(error.errors, default="organisation_id")
        else:
            db.session.commit()
            flash(gettext("%(cohort)s has been created.", cohort=cohort.name), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def cohort(cohort_id: int):
    found = _visible(cohort_id)
    manages = cohort_viewer().manages(found)
    overview = services.overview(db.session, found, cohort_viewer())
    return render_template(
        "cohorts/cohort.html",
        cohort=presenters.present_cohort(found, len(overview.rows) + overview.hidden),
        overview=presenters.present_overview(overview, viewer_zone().key),
        manages=manages,
    )


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cohort_id: int):
    found = current_cohort(cohort_id)
    data = {
        "organisation_id": str(found.organisation_id),
        "name": found.name,
        "description": found.description,
        "country": found.country or "",
    }
    form = CohortForm(data=data, organisations=[found.organisation])
    if form.validate_on_submit():
        services.update_cohort(db.session, found, signed_in(), form.details())
        db.session.commit()
        flash(gettext("The cohort has been saved."), "success")
        return redirect(url_for("cohorts.cohort", cohort_id=found.id))
    return render_template("cohorts/form.html", form=form, cohort=presenters.present_cohort(found))


@bp.route("/cohorts/<int:cohort_id>/archive", methods=["GET", "POST"])
@login_required
def archive(cohort_id: int):
    found = current_cohort(cohort_id)
    form = NhsukForm()
    if form.validate_on_submit():
        services.archive_cohort(db.session, found, signed_in())
        db.session.commit()
        flash(gettext("%(cohort)s has been archived.", cohort=found.name), "success")
        return redirect(url_for("cohorts.index"))
    return render_template("cohorts/archive.html", cohort=presenters.present_cohort(found))


@bp.post("/cohorts/<int:cohort_id>/restore")
@login_required
def restore(cohort_id: int):
    found = _managed(cohort_id)
    if NhsukForm().validate_on_submit():
        services.restore_cohort(db.session, found, signed_in())
        db.session.commit()
        flash(gettext("%(cohort)s has been restored.", cohort=found.name), "success")
    return redirect(url_for("cohorts.cohort", cohort_id=found.id))


# Members -------------------------------------------------------------------------------------


@bp.get("/cohorts/<int:cohort_id>/add")
@login_required
def find_people(cohort_id: int):
    found = current_cohort(cohort_id)
    form = FindPeopleForm(request.args)
    results = people = None
    search = {name: request.args[name] for name in SEARCH_ARGS if request.args.get(name)}

    def _link(number: int) -> str:
        return url_for("cohorts.find_people", cohort_id=found.id, **(search | {"page": number}))

    if request.args and form.validate():
        results, people = services.find_people(
            db.session, signed_in(), found, form.filters(), page=requested_page()
        )
    return render_template(
        "cohorts/add.html",
        cohort=presenters.present_cohort(found),
        form=form,
        search=search,
        total=results.total if results else None,
        more=results.more if results else False,  # more than total: the directory stopped counting
        pagination=directory_presenters.pagination(results, _link) if results else None,
        people=[presenters.present_found(p) for p in people or []],
    )


@bp.post("/cohorts/<int:cohort_id>/members")
@login_required
def add_member(cohort_id: int):
    found = current_cohort(cohort_id)
    form = AddMemberForm()
    if not form.validate_on_submit() or not (form.profile_id.data or "").isdigit():
        abort(400)
    try:
        member = services.add_member(db.session, found, signed_in(), int(form.profile_id.data))
    except services.CohortError as error:
        db.session.rollback()
        flash(refusal(error), "warning")
    else:
        db.session.commit()
        flash(
            gettext("%(name)s has been added to the cohort.", name=member.user.display_name),
            "success",
        )
    search = {name: request.form[name] for name in SEARCH_ARGS if request.form.get(name)}
    return redirect(url_for("cohorts.find_people", cohort_id=cohort_id, **search))


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(cohort_id: int, member_id: int):
    found = current_cohort(cohort_id)
    member = services.listed_member(db.session, found, cohort_viewer(), member_id) or abort(404)
    form = NhsukForm()
    if form.validate_on_submit():
        name = member.user.display_name
        link_replaced = services.remove_member(db.session, member, signed_in())
        db.session.commit()
        if link_replaced:
            flash(
                gettext(
                    "%(name)s has been removed from the cohort. The cohort has a new invitation "
                    "link, so the old one cannot bring them back: share the new one with anyone "
                    "still to join.",
                    name=name,
                ),
                "success",
            )
        else:
            flash(gettext("%(name)s has been removed from the cohort.", name=name), "success")
        return redirect(url_for("cohorts.cohort", cohort_id=found.id))
    return render_template(
        "cohorts/remove.html",
        cohort=presenters.present_cohort(found),
        member={"id": member.id, "name": member.user.display_name},
    )


# The invitation link -------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/link", methods=["GET", "POST"])
@login_required
def link(cohort_id: int):
    found = current_cohort(cohort_id)
    form = NhsukForm()
    if form.validate_on_submit():
        if request.form.get("action") == "off":
            services.turn_off_link(db.session, found, signed_in())
            message = gettext("The invitation link has been turned off. It no longer works.")
        else:
            services.new_link(db.session, found, signed_in())
            message = gettext(
                "A new invitation link has been made. Any earlier link no longer works."
            )
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("cohorts.link", cohort_id=found.id))
    token = services.invitation_token(found)
    url = external_url("cohorts.join", token=token) if token else None
    return render_template(
        "cohorts/link.html",
        cohort=presenters.present_cohort(found),
        url=url,
        max_age_days=services.LINK_MAX_AGE.days,
    )


@bp.route("/cohorts/join/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    found = services.cohort_for_link(db.session, token)
    if found is None:
        return render_template("cohorts/link_invalid.html"), 404
    me = signed_in()
    if not services.may_join(me):
        abort(403)
    member = services.membership(db.session, found, me)
    form = NhsukForm()
    if member is None and form.validate_on_submit():
        services.join(db.session, found, me)
        db.session.commit()
        flash(gettext("You have joined %(cohort)s.", cohort=found.name), "success")
        return redirect(url_for("cohorts.mine"))
    return render_template(
        "cohorts/join.html", cohort=presenters.present_cohort(found), member=member is not None
    )


# A person's own cohorts ----------------------------------------------------------------------


@bp.get("/cohorts/mine")
@login_required
def mine():
    cohorts = services.cohorts_of(db.session, signed_in())
    return render_template(
        "cohorts/mine.html", cohorts=[presenters.present_cohort(c) for c in cohorts]
    )


@bp.post("/cohorts/<int:cohort_id>/leave")
@login_required
def leave(cohort_id: int):
    found = db.session.get(Cohort, cohort_id) or abort(404)
    if NhsukForm().validate_on_submit() and services.leave(db.session, found, signed_in()):
        db.session.commit()
        flash(gettext("You have left %(cohort)s.", cohort=found.name), "success")
    return redirect(url_for("cohorts.mine"))


# Messages ------------------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/message", methods=["GET", "POST"])
@login_required
def message(cohort_id: int):
    found = current_cohort(cohort_id)
    form = MessageForm()
    if form.validate_on_submit():
        sent = services.send_message(
            db.session, found, signed_in(), form.subject.data, form.body.data
        )
        db.session.commit()
        flash(
            ngettext(
                "Your message has been sent to %(num)d member.",
                "Your message has been sent to %(num)d members.",
                sent.recipients,
            ),
            "success",
        )
        return redirect(url_for("cohorts.cohort", cohort_id=found.id))
    return render_template(
        "cohorts/message.html", form=form, cohort=presenters.present_cohort(found)
    )


@bp.get("/cohorts/<int:cohort_id>/messages")
@login_required
def messages(cohort_id: int):
    """Every message sent to the cohort, newest first, in pages; archived cohorts' too."""
    found = _visible(cohort_id)
    page = services.message_page(db.session, found, requested_page()) or abort(404)
    return render_template(
        "cohorts/messages.html",
        cohort=presenters.present_cohort(found),
        page=page,
        messages=[presenters.present_message(m) for m in page.items],
        pagination=directory_presenters.pagination(
            page, lambda n: url_for("cohorts.messages", cohort_id=found.id, page=n)
        ),
    )


# Importing volunteers from a spreadsheet -----------------------------------------------------


def _csv(rows: list[list[object]], filename: str) -> Response:
    """A CSV download: UTF-8 with a byte order mark (so spreadsheets read every script), each
    cell written as text a spreadsheet will not run."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([cell(value) for value in row] for row in rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _import(cohort: Cohort, import_id: int) -> VolunteerImport:
    return volunteers.import_of(db.session, cohort, import_id) or abort(404)


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@login_required
def import_volunteers(cohort_id: int):
    found = current_cohort(cohort_id)
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(imports.MAX_BYTES + 1)
        try:
            upload = volunteers.start_import(db.session, found, signed_in(), data)
        except imports.ImportFileError as error:
            db.session.rollback()
            form.add_errors(error.errors, default="file")
        else:
            db.session.commit()
            return redirect(
                url_for("cohorts.import_preview", cohort_id=found.id, import_id=upload.id)
            )
    return render_template(
        "cohorts/import.html",
        form=form,
        cohort=presenters.present_cohort(found),
        max_rows=imports.MAX_ROWS,
        columns=imports.COLUMNS,
    )


@bp.get("/cohorts/<int:cohort_id>/import/template.csv")
@login_required
def import_template(cohort_id: int):
    _managed(cohort_id)
    return _csv([list(row) for row in imports.TEMPLATE], "volunteers-template.csv")


@bp.get("/cohorts/<int:cohort_id>/imports/<int:import_id>")
@login_required
def import_preview(cohort_id: int, import_id: int):
    found = _managed(cohort_id)
    upload = _import(found, import_id)
    if upload.confirmed_at is not None:
        return redirect(url_for("cohorts.invitation_status", cohort_id=found.id))
    page = volunteers.preview(db.session, upload, requested_page()) or abort(404)
    return render_template(
        "cohorts/import_preview.html",
        cohort=presenters.present_cohort(found),
        upload=presenters.present_import(upload),
        page=page,
        counts=page.counts,
        rows=[presenters.present_preview_row(row) for row in page.items],
        pagination=directory_presenters.pagination(
            page,
            lambda n: url_for(
                "cohorts.import_preview", cohort_id=found.id, import_id=upload.id, page=n
            ),
        ),
    )


@bp.post("/cohorts/<int:cohort_id>/imports/<int:import_id>/confirm")
@login_required
def import_confirm(cohort_id: int, import_id: int):
    found = current_cohort(cohort_id)
    upload = _import(found, import_id)
    if not NhsukForm().validate_on_submit():
        abort(400)
    try:
        invited = volunteers.confirm(db.session, upload, signed_in())
    except services.CohortError as error:
        db.session.rollback()
        flash(refusal(error), "warning")
    else:
        db.session.commit()
        flash(
            ngettext(
                "%(num)d person has been sent an invitation to join the cohort.",
                "%(num)d people have been sent an invitation to join the cohort.",
                invited,
            ),
            "success",
        )
    return redirect(url_for("cohorts.invitation_status", cohort_id=found.id))


@bp.get("/cohorts/<int:cohort_id>/imports/<int:import_id>/problems.csv")
@login_required
def import_problems(cohort_id: int, import_id: int):
    """The refused rows as the coordinator sent them, with what is wrong in the reader's
    language, to fix and upload. The file's own columns keep the names the upload reads."""
    found = _managed(cohort_id)
    upload = _import(found, import_id)
    rows: list[list[object]] = [[gettext("row"), *imports.COLUMNS, gettext("problems")]]
    for row in volunteers.problem_rows(upload):
        rows.append(
            [
                row["line"],
                row["name"],
                row["email"],
                row["profession_text"],
                row["countries_text"],
                row["languages_text"],
                "; ".join(translated(problem) for problem in volunteers.problems_of(row)),
            ]
        )
    return _csv(rows, f"volunteers-problems-{upload.id}.csv")


@bp.get("/cohorts/<int:cohort_id>/invitations")
@login_required
def invitation_status(cohort_id: int):
    """Where the cohort's emailed invitations stand; those accepted are only counted."""
    found = _managed(cohort_id)
    page = volunteers.open_invitations(db.session, found, requested_page()) or abort(404)
    now = utcnow()
    return render_template(
        "cohorts/invitations.html",
        cohort=presenters.present_cohort(found),
        counts=volunteers.counts(db.session, found, now),
        page=page,
        invitations=[presenters.present_invitation(i, now) for i in page.items],
        imports=[presenters.present_import(u) for u in volunteers.imports_of(db.session, found)],
        pagination=directory_presenters.pagination(
            page, lambda n: url_for("cohorts.invitation_status", cohort_id=found.id, page=n)
        ),
    )


@bp.route("/cohorts/invitations/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def invitation(token: str):
    """An emailed invitation. Signed out, its person creates their account here (or, when the
    address has one, signs in first); signed in with the invited address, they join."""
    found = volunteers.invitation_for(db.session, token)
    if found is None:
        return render_template("cohorts/invitation_invalid.html"), 404
    cohort = presenters.present_cohort(found.cohort)
    account = volunteers.account_for(db.session, found)
    if current_user.is_authenticated:
        me = signed_in()
        if account is None or account.id != me.id:
            return render_template("cohorts/invitation_other.html", cohort=cohort), 403
        form = NhsukForm()
        if form.validate_on_submit():
            try:
                volunteers.accept(db.session, found, me)
            except services.CohortError as error:
                db.session.rollback()
                flash(refusal(error), "warning")
                return redirect(url_for("cohorts.mine"))
            db.session.commit()
            flash(gettext("You have joined %(cohort)s.", cohort=found.cohort.name), "success")
            return redirect(url_for("cohorts.welcome", cohort_id=found.cohort_id))
        return render_template(
            "cohorts/invitation.html", cohort=cohort, may_join=services.may_join(me)
        )
    if account is not None:
        return render_template(
            "cohorts/invitation.html",
            cohort=cohort,
            sign_in=url_for("auth.sign_in", next=request.path),
        )
    form = InvitedAccountForm(data={"display_name": found.name}, email=found.email)
    if form.validate_on_submit():
        try:
            user = volunteers.accept_with_new_account(
                db.session, found, form.display_name.data, form.password.data, form.time_zone.data
            )
        except services.CohortError as error:
            db.session.rollback()
            flash(refusal(error), "warning")
            return redirect(request.path)
        db.session.commit()
        flash(
            gettext(
                "Your account has been created and you have joined %(cohort)s.",
                cohort=found.cohort.name,
            ),
            "success",
        )
        return gate.after_password(user, url_for("cohorts.welcome", cohort_id=found.cohort_id))
    return render_template("cohorts/invitation.html", cohort=cohort, form=form, email=found.email)


@bp.get("/cohorts/<int:cohort_id>/welcome")
@login_required
def welcome(cohort_id: int):
    """After accepting: what is next, and what the coordinator's spreadsheet said, to add."""
    found = db.session.get(Cohort, cohort_id) or abort(404)
    me = signed_in()
    if services.membership(db.session, found, me) is None:
        abort(404)
    return render_template(
        "cohorts/welcome.html",
        cohort=presenters.present_cohort(found),
        suggested=presenters.suggested(volunteers.suggestions(db.session, me, found)),
        profile_completed=volunteers.profile_completed(db.session, me),
    )
