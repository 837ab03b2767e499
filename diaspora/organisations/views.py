from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from diaspora.auth.models import Role
from diaspora.extensions import db
from diaspora.languages import current_language
from diaspora.notifications import budgets
from diaspora.organisations import services
from diaspora.organisations.forms import InviteForm, JoinForm, OrganisationForm
from diaspora.organisations.models import Membership, Organisation, OrganisationInvitation
from diaspora.reference.places import country_name
from diaspora.widgets import refusal

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _visible_organisation(organisation_id: int) -> tuple[Organisation, Membership | None]:
    """Members and admins see an organisation; others only once it is verified."""
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    membership = services.membership_of(db.session, current_user, organisation.id)
    is_member = membership is not None and membership.status == "active"
    if not (is_member or organisation.is_verified or current_user.has_role(Role.ADMIN)):
        abort(404)
    return organisation, membership if is_member else None


def _owned_organisation(organisation_id: int) -> Organisation:
    organisation, membership = _visible_organisation(organisation_id)
    if membership is None or not membership.is_owner:
        abort(403)
    return organisation


@bp.get("/")
@login_required
def index():
    return render_template(
        "organisations/index.html", memberships=services.memberships_for(db.session, current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = services.create_organisation(
            db.session, current_user, **form.organisation_fields()
        )
        db.session.commit()
        flash(
            gettext("Your organisation has been registered. An administrator will verify it."),
            "success",
        )
        return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/new.html", form=form)


@bp.route("/join", methods=["GET", "POST"])
@login_required
def join():
    form = JoinForm(choices=services.joinable_organisations(db.session))
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, int(form.organisation.data)) or abort(404)
        try:
            services.request_to_join(db.session, current_user, organisation)
        except services.OrganisationError as error:
            form.organisation.errors.append(refusal(error))
        else:
            db.session.commit()
            flash(gettext("Your request has been sent to the organisation's owners."), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/join.html", form=form)


@bp.get("/<int:organisation_id>")
@login_required
def detail(organisation_id: int):
    organisation, membership = _visible_organisation(organisation_id)
    # What its texts used this month: for its members and administrators only.
    sees_usage = membership is not None or current_user.has_role(Role.ADMIN)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        membership=membership,
        text_usage=budgets.usage(db.session, organisation.id) if sees_usage else None,
        country=country_name(organisation.country, current_language()),
    )


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    organisation = _owned_organisation(organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        sent_back = services.update_organisation(
            db.session, organisation, current_user, **form.organisation_fields()
        )
        db.session.commit()
        if sent_back:
            flash(
                gettext(
                    "The organisation's details have been saved. As its name or kind changed, an "
                    "administrator will verify it again; until then its members have no partner or "
                    "coordinator access through it."
                ),
                "success",
            )
        else:
            flash(gettext("The organisation's details have been saved."), "success")
        return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/edit.html", form=form, organisation=organisation)


@bp.route("/<int:organisation_id>/members", methods=["GET", "POST"])
@login_required
def members(organisation_id: int):
    organisation = _owned_organisation(organisation_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite(db.session, organisation, current_user, form.email.data)
        except services.OrganisationError as error:
            form.email.errors.append(refusal(error))
        else:
            db.session.commit()
            flash(gettext("Invitation sent."), "success")
            return redirect(url_for("organisations.members", organisation_id=organisation.id))
    return render_template(
        "organisations/members.html",
        organisation=organisation,
        memberships=services.members(db.session, organisation),
        invitations=services.open_invitations(db.session, organisation),
        form=form,
    )


@bp.post("/<int:organisation_id>/invitations/<int:invitation_id>/withdraw")
@login_required
def withdraw_invitation(organisation_id: int, invitation_id: int):
    organisation = _owned_organisation(organisation_id)
    invitation = db.session.get(OrganisationInvitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        abort(404)
    try:
        services.withdraw_invitation(db.session, invitation, current_user)
        db.session.commit()
        flash(gettext("The invitation has been withdrawn. Its link no longer works."), "success")
    except services.OrganisationError as error:
        flash(refusal(error), "error")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


def _membership_in(organisation: Organisation, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        abort(404)
    return membership


@bp.post("/<int:organisation_id>/members/<int:membership_id>/approve")
@login_required
def approve_member(organisation_id: int, membership_id: int):
    organisation = _owned_organisation(organisation_id)
    membership = _membership_in(organisation, membership_id)
    try:
        services.approve_request(db.session, membership, current_user)
        db.session.commit()
        flash(gettext("The request has been approved."), "success")
    except services.OrganisationError as error:
        flash(refusal(error), "error")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


@bp.post("/<int:organisation_id>/members/<int:membership_id>/remove")
@login_required
def remove_member(organisation_id: int, membership_id: int):
    organisation = _owned_organisation(organisation_id)
    membership = _membership_in(organisation, membership_id)
    try:
        services.remove_member(db.session, membership, current_user)
        db.session.commit()
        flash(gettext("The member has been removed."), "success")
    except services.OrganisationError as error:
        flash(refusal(error), "error")
    return redirect(url_for("organisations.members", organisation_id=organisation.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    invitation = services.invitation_for(db.session, token, current_user)
    if invitation is None:
        return render_template("auth/link_invalid.html", purpose="invite"), 400
    organisation = invitation.organisation
    if request.method == "POST":
        services.accept_invitation(db.session, invitation, current_user)
        db.session.commit()
        flash(
            gettext("You are now a member of %(organisation)s.", organisation=organisation.name),
            "success",
        )
        return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/invitation.html", organisation=organisation)
