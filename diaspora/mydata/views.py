"""Your data: download a copy of everything, or delete your account."""

import json

from flask import Blueprint, Response, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from diaspora.auth import throttle
from diaspora.auth.services import check_current_password
from diaspora.bookings.transactions import run_change
from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.factors.gate import step_up_required
from diaspora.languages import translated
from diaspora.mydata import services
from diaspora.mydata.forms import delete_account_form
from diaspora.registry.services import profile_for

bp = Blueprint("mydata", __name__, url_prefix="/account/my-data")


@bp.get("")
@login_required
def index():
    return render_template("mydata/index.html")


@bp.post("/download")
@login_required
def download():
    data = services.export_data(db.session, current_user)
    services.record_export(db.session, current_user)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    filename = f"my-data-{utcnow().date().isoformat()}.json"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@step_up_required
@throttle.password_check_limit
def delete():
    handovers = services.handovers(db.session, current_user)
    form = delete_account_form(handovers)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        password = form.password.data
        try:
            if not check_current_password(db.session, user, password, purpose="erase_account"):
                db.session.commit()  # the audit record of the failure, before any change
                throttle.refused()
                raise services.WrongPassword(N_("Your password is not correct"))
            # A booking change's transaction: the places given back may go to others waiting.
            run_change(
                db.session,
                lambda: services.erase_account(db.session, user, password, form.successors()),
            )
        except services.ErasureRefused as error:
            form.password.errors.append(translated(error.args[0]))
        else:
            logout_user()
            session.clear()
            return redirect(url_for("mydata.deleted"))
    return render_template(
        "mydata/delete.html",
        form=form,
        handovers=handovers,
        left_alone=services.left_without_members(db.session, current_user),
        has_profile=profile_for(db.session, current_user) is not None,
        memberships=services.memberships_for(db.session, current_user),
    )


@bp.get("/deleted")
def deleted():
    return render_template("mydata/deleted.html")
