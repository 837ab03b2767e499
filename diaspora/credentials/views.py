"""Staff add their registrations; administrators and coordinators verify them."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from diaspora.auth.login import signed_in, staff_only
from diaspora.core.paging import requested_page
from diaspora.credentials import presenters, services
from diaspora.credentials.forms import CredentialForm, DecisionForm
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.extensions import db
from diaspora.organisations.access import refuse_organisation_action
from diaspora.registry.services import profile_for
from diaspora.registry.viewer import viewer_access
from diaspora.widgets import NhsukForm

bp = Blueprint("credentials", __name__, url_prefix="/credentials")
PER_PAGE = 25


def _verifiers_only() -> None:
    if not _can_verify():
        refuse_organisation_action(db.session, current_user)


def _can_verify() -> bool:
    return viewer_access().oversees


@bp.app_context_processor
def _navigation() -> dict:
    def can_verify_credentials() -> bool:
        """For the header's "Verify registrations" link."""
        try:
            return _can_verify()
        except SQLAlchemyError:  # an error page for a failed query must still render
            return False

    return {"can_verify_credentials": can_verify_credentials}


def _own_credential(credential_id: int) -> Credential:
    staff_only()
    return services.owned_credential(db.session, signed_in(), credential_id) or abort(404)


# The owner's pages -------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    staff_only()
    profile = profile_for(db.session, signed_in())
    today = services.today()
    items = [presenters.present(c, today) for c in services.credentials_for(db.session, profile)]
    return render_template("credentials/index.html", items=items)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def add():
    staff_only()
    form = CredentialForm(profile=profile_for(db.session, signed_in()))
    if form.validate_on_submit():
        try:
            credential = services.add_credential(db.session, signed_in(), form.details())
        except services.CredentialError as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            flash(
                gettext(
                    "Your %(regulator)s registration has been added. It will be checked against "
                    "the register.",
                    regulator=services.regulator_label(
                        credential.regulator, credential.regulator_name
                    ),
                ),
                "success",
            )
            return redirect(url_for("credentials.index"))
    return render_template("credentials/form.html", form=form, credential=None)


@bp.route("/<int:credential_id>/edit", methods=["GET", "POST"])
@login_required
def edit(credential_id: int):
    credential = _own_credential(credential_id)
    form = CredentialForm(profile=credential.profile, editing=credential)
    if form.validate_on_submit():
        try:
            reset = services.update_credential(db.session, credential, signed_in(), form.details())
        except services.CredentialError as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            flash(
                gettext(
                    "Your registration has been saved. The new number will be checked against "
                    "the register."
                )
                if reset
                else gettext("Your registration has been saved."),
                "success",
            )
            return redirect(url_for("credentials.index"))
    return render_template(
        "credentials/form.html", form=form, credential=presenters.present(credential)
    )


@bp.route("/<int:credential_id>/remove", methods=["GET", "POST"])
@login_required
def remove(credential_id: int):
    credential = _own_credential(credential_id)
    form = NhsukForm()
    if form.validate_on_submit():
        services.remove_credential(db.session, credential, signed_in())
        db.session.commit()
        flash(gettext("The registration has been removed."), "success")
        return redirect(url_for("credentials.index"))
    return render_template(
        "credentials/remove.html", form=form, credential=presenters.present(credential)
    )


# Verification --------------------------------------------------------------------------------


@bp.get("/queue")
@login_required
def queue():
    _verifiers_only()
    page = db.paginate(
        services.verification_queue(db.session, signed_in()),
        page=requested_page(),
        per_page=PER_PAGE,
    )
    today = services.today()
    items = [presenters.present_for_review(c, today) for c in page.items]
    return render_template("credentials/queue.html", page=page, items=items)


@bp.route("/queue/<int:credential_id>", methods=["GET", "POST"])
@login_required
def review(credential_id: int):
    _verifiers_only()
    try:
        credential = services.credential_to_verify(db.session, signed_in(), credential_id)
    except LookupError:
        abort(404)
    except services.NotAllowed:
        abort(403)
    form = DecisionForm()
    if credential.status == CredentialStatus.UNVERIFIED and form.validate_on_submit():
        verified = form.decision.data == CredentialStatus.VERIFIED
        try:
            services.decide(
                db.session, credential, signed_in(), verified=verified, note=form.note.data or ""
            )
        except services.CredentialError as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            name = credential.profile.user.display_name
            if verified:
                flash(gettext("The registration of %(name)s is verified.", name=name), "success")
            else:
                flash(gettext("The registration of %(name)s is rejected.", name=name), "success")
            return redirect(url_for("credentials.queue"))
    elif request.method == "POST" and credential.status != CredentialStatus.UNVERIFIED:
        flash(gettext("This registration has already been checked."), "error")
        return redirect(url_for("credentials.queue"))
    return render_template(
        "credentials/review.html",
        form=form,
        item=presenters.present_for_review(credential),
    )
