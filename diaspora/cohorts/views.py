"""Cohorts: coordinators' pages for their organisations' cohorts, the invitation link staff
open to join, and a staff member's own list of cohorts."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from diaspora.auth.models import User
from diaspora.core.urls import external_url
from diaspora.core.viewer import viewer_access
from diaspora.directory import presenters as directory_presenters
from diaspora.extensions import db
from diaspora.matching import invitations
from diaspora.organisations.access import refuse_organisation_action
from diaspora.widgets import NhsukForm

from . import presenters, services
from .forms import AddMemberForm, CohortForm, FindPeopleForm, MessageForm, ProposeForm
from .models import Cohort

bp = Blueprint("cohorts", __name__)

SEARCH_ARGS = ("q", "profession", "country", "language", "page")  # kept across "Add"


def _me() -> User:
    return current_user._get_current_object()


def _zone() -> str:
    return current_user.time_zone or "Europe/London"


def _viewer() -> services.Viewer:
    """Worked out once per request."""
    if "cohort_viewer" not in g:
        g.cohort_viewer = services.viewer_of(db.session, _me())
    return g.cohort_viewer


def _visible(cohort_id: int) -> Cohort:
    """A cohort its coordinators and administrators may see; 404 for anyone else."""
    return services.visible_cohort(db.session, _viewer(), cohort_id) or abort(404)


def _managed(cohort_id: int) -> Cohort:
    """A cohort the person may change: 404 if they may not see it, 403 if they only see it."""
    cohort = _visible(cohort_id)
    if not _viewer().manages(cohort):
        abort(403)
    return cohort


def _current(cohort_id: int) -> Cohort:
    """A managed cohort that is not archived: archived ones take no changes."""
    cohort = _managed(cohort_id)
    if cohort.archived_at is not None:
        flash("This cohort is archived: restore it to change it.", "warning")
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


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# Coordinators' pages -------------------------------------------------------------------------


@bp.get("/cohorts")
@login_required
def index():
    viewer = _viewer()
    if not viewer.organisations and not viewer.admin:
        refuse_organisation_action(db.session, _me())
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
    organisations = list(_viewer().organisations)
    if not organisations:
        refuse_organisation_action(db.session, _me())
    form = CohortForm(organisations=organisations)
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(db.session, _me(), form.details())
        except services.CohortError as error:
            form.organisation_id.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"{cohort.name} has been created.", "success")
            return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def cohort(cohort_id: int):
    found = _visible(cohort_id)
    manages = _viewer().manages(found)
    overview = services.overview(db.session, found, _viewer())
    return render_template(
        "cohorts/cohort.html",
        cohort=presenters.present_cohort(found, len(overview.rows) + overview.hidden),
        overview=presenters.present_overview(overview, _zone()),
        manages=manages,
    )


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cohort_id: int):
    found = _current(cohort_id)
    data = {
        "organisation_id": str(found.organisation_id),
        "name": found.name,
        "description": found.description,
        "country": found.country or "",
    }
    form = CohortForm(data=data, organisations=[found.organisation])
    if form.validate_on_submit():
        services.update_cohort(db.session, found, _me(), form.details())
        db.session.commit()
        flash("The cohort has been saved.", "success")
        return redirect(url_for("cohorts.cohort", cohort_id=found.id))
    return render_template("cohorts/form.html", form=form, cohort=presenters.present_cohort(found))


@bp.route("/cohorts/<int:cohort_id>/archive", methods=["GET", "POST"])
@login_required
def archive(cohort_id: int):
    found = _current(cohort_id)
    form = NhsukForm()
    if form.validate_on_submit():
        services.archive_cohort(db.session, found, _me())
        db.session.commit()
        flash(f"{found.name} has been archived.", "success")
        return redirect(url_for("cohorts.index"))
    return render_template("cohorts/archive.html", cohort=presenters.present_cohort(found))


@bp.post("/cohorts/<int:cohort_id>/restore")
@login_required
def restore(cohort_id: int):
    found = _managed(cohort_id)
    if NhsukForm().validate_on_submit():
        services.restore_cohort(db.session, found, _me())
        db.session.commit()
        flash(f"{found.name} has been restored.", "success")
    return redirect(url_for("cohorts.cohort", cohort_id=found.id))


# Members -------------------------------------------------------------------------------------


@bp.get("/cohorts/<int:cohort_id>/add")
@login_required
def find_people(cohort_id: int):
    found = _current(cohort_id)
    form = FindPeopleForm(request.args)
    results = people = None
    search = {name: request.args[name] for name in SEARCH_ARGS if request.args.get(name)}

    def _link(number: int) -> str:
        return url_for("cohorts.find_people", cohort_id=found.id, **(search | {"page": number}))

    if request.args and form.validate():
        results, people = services.find_people(
            db.session, _me(), found, form.filters(), page=_page()
        )
    return render_template(
        "cohorts/add.html",
        cohort=presenters.present_cohort(found),
        form=form,
        search=search,
        total=results.total if results else None,
        pagination=directory_presenters.pagination(results, _link) if results else None,
        people=[presenters.present_found(p) for p in people or []],
    )


@bp.post("/cohorts/<int:cohort_id>/members")
@login_required
def add_member(cohort_id: int):
    found = _current(cohort_id)
    form = AddMemberForm()
    if not form.validate_on_submit() or not (form.profile_id.data or "").isdigit():
        abort(400)
    try:
        member = services.add_member(db.session, found, _me(), int(form.profile_id.data))
    except services.CohortError as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(f"{member.user.display_name} has been added to the cohort.", "success")
    search = {name: request.form[name] for name in SEARCH_ARGS if request.form.get(name)}
    return redirect(url_for("cohorts.find_people", cohort_id=cohort_id, **search))


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(cohort_id: int, member_id: int):
    found = _current(cohort_id)
    member = services.listed_member(db.session, found, _viewer(), member_id) or abort(404)
    form = NhsukForm()
    if form.validate_on_submit():
        name = member.user.display_name
        link_replaced = services.remove_member(db.session, member, _me())
        db.session.commit()
        if link_replaced:
            flash(
                f"{name} has been removed from the cohort. The cohort has a new invitation link, "
                "so the old one cannot bring them back: share the new one with anyone still to "
                "join.",
                "success",
            )
        else:
            flash(f"{name} has been removed from the cohort.", "success")
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
    found = _current(cohort_id)
    form = NhsukForm()
    if form.validate_on_submit():
        if request.form.get("action") == "off":
            services.turn_off_link(db.session, found, _me())
            message = "The invitation link has been turned off. It no longer works."
        else:
            services.new_link(db.session, found, _me())
            message = "A new invitation link has been made. Any earlier link no longer works."
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
    me = _me()
    if not services.may_join(me):
        abort(403)
    member = services.membership(db.session, found, me)
    form = NhsukForm()
    if member is None and form.validate_on_submit():
        services.join(db.session, found, me)
        db.session.commit()
        flash(f"You have joined {found.name}.", "success")
        return redirect(url_for("cohorts.mine"))
    return render_template(
        "cohorts/join.html", cohort=presenters.present_cohort(found), member=member is not None
    )


# A person's own cohorts ----------------------------------------------------------------------


@bp.get("/cohorts/mine")
@login_required
def mine():
    cohorts = services.cohorts_of(db.session, _me())
    return render_template(
        "cohorts/mine.html", cohorts=[presenters.present_cohort(c) for c in cohorts]
    )


@bp.post("/cohorts/<int:cohort_id>/leave")
@login_required
def leave(cohort_id: int):
    found = db.session.get(Cohort, cohort_id) or abort(404)
    if NhsukForm().validate_on_submit() and services.leave(db.session, found, _me()):
        db.session.commit()
        flash(f"You have left {found.name}.", "success")
    return redirect(url_for("cohorts.mine"))


# Messages ------------------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/message", methods=["GET", "POST"])
@login_required
def message(cohort_id: int):
    found = _current(cohort_id)
    form = MessageForm()
    if form.validate_on_submit():
        sent = services.send_message(db.session, found, _me(), form.subject.data, form.body.data)
        db.session.commit()
        people = "member" if sent.recipients == 1 else "members"
        flash(f"Your message has been sent to {sent.recipients} {people}.", "success")
        return redirect(url_for("cohorts.cohort", cohort_id=found.id))
    return render_template(
        "cohorts/message.html", form=form, cohort=presenters.present_cohort(found)
    )


@bp.get("/cohorts/<int:cohort_id>/messages")
@login_required
def messages(cohort_id: int):
    """Every message sent to the cohort, newest first, in pages; archived cohorts' too."""
    found = _visible(cohort_id)
    page = services.message_page(db.session, found, _page()) or abort(404)
    return render_template(
        "cohorts/messages.html",
        cohort=presenters.present_cohort(found),
        page=page,
        messages=[presenters.present_message(m) for m in page.items],
        pagination=directory_presenters.pagination(
            page, lambda n: url_for("cohorts.messages", cohort_id=found.id, page=n)
        ),
    )


# Proposing a member for an opportunity -------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/propose", methods=["GET", "POST"])
@login_required
def propose(cohort_id: int):
    """Invite a listed member to an open opportunity; they answer on the matching pages."""
    found = _current(cohort_id)
    members = services.proposable_members(db.session, found, _viewer())
    opportunities = services.open_opportunities(db.session)
    form = ProposeForm(members=members, opportunities=opportunities)
    if form.validate_on_submit():
        person = next(u for u in members if str(u.id) == form.user_id.data)
        opportunity = next(o for o in opportunities if str(o.id) == form.opportunity_id.data)
        try:
            invitations.invite(
                db.session,
                opportunity,
                person,
                by=_me(),
                cohort=found,
                message=form.message.data or "",
            )
        except invitations.InvitationError as error:
            db.session.rollback()
            form.user_id.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                f"{person.display_name} has been invited to {opportunity.title}. "
                "They can accept or decline.",
                "success",
            )
            return redirect(url_for("cohorts.cohort", cohort_id=found.id))
    return render_template(
        "cohorts/propose.html", form=form, cohort=presenters.present_cohort(found)
    )
