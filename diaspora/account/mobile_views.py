"""A person's mobile number on their account: add, confirm with the code texted to it, change,
remove. The number never appears in a URL: every step is a form posted to a fixed address.

The blueprint keeps the name `phones` (the URLs under /account/mobile, templates/phones/): the
number's rules are in `phones/services.py`, the flows that text the code or cancel waiting texts
in `account/services.py`."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from diaspora.account import services as account
from diaspora.account.mobile_forms import CodeForm, NumberForm
from diaspora.auth.login import signed_in
from diaspora.extensions import db, limiter
from diaspora.languages import translated
from diaspora.notifications.services import texts_configured
from diaspora.phones import services as phones
from diaspora.phones.numbers import display
from diaspora.widgets import NhsukForm

bp = Blueprint("phones", __name__, url_prefix="/account/mobile")


@bp.route("", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def manage():
    mobile = phones.state_of(db.session, signed_in())
    configured = texts_configured()
    form = NumberForm()
    if form.validate_on_submit():
        if not configured:
            abort(404)
        try:
            account.add_mobile(db.session, signed_in(), form.e164)
        except phones.MobileError as error:
            form.add_errors(error.errors, default="number")
        else:
            db.session.commit()
            return redirect(url_for("phones.confirm"))
    return render_template(
        "phones/manage.html",
        form=form,
        mobile=mobile,
        number=display(mobile.number),
        pending=display(mobile.pending),
        configured=configured,
    )


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def confirm():
    mobile = phones.state_of(db.session, signed_in())
    if mobile.pending is None:
        return redirect(url_for("phones.manage"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            phones.confirm(db.session, signed_in(), form.code.data)
        except phones.MobileError as error:
            db.session.commit()  # the wrong try counts, and is audited
            form.add_errors(error.errors, default="code")
        else:
            db.session.commit()
            flash(gettext("Your mobile number is confirmed."), "success")
            return redirect(url_for("phones.manage"))
    return render_template("phones/confirm.html", form=form, pending=display(mobile.pending))


@bp.post("/resend")
@login_required
@limiter.limit("10 per hour")
def resend():
    if not NhsukForm().validate_on_submit():
        abort(400)
    try:
        account.resend_mobile_code(db.session, signed_in())
    except phones.MobileError as error:
        db.session.rollback()
        flash(translated(error.args[0]), "warning")
    else:
        db.session.commit()
        flash(gettext("We have sent you a new code. Only the newest code works."), "success")
    return redirect(url_for("phones.confirm"))


@bp.post("/cancel")
@login_required
def cancel():
    if not NhsukForm().validate_on_submit():
        abort(400)
    phones.cancel_change(db.session, signed_in())
    db.session.commit()
    return redirect(url_for("phones.manage"))


@bp.route("/remove", methods=["GET", "POST"])
@login_required
def remove():
    mobile = phones.state_of(db.session, signed_in())
    if mobile.number is None and mobile.pending is None:
        return redirect(url_for("phones.manage"))
    form = NhsukForm()
    if form.validate_on_submit():
        account.remove_mobile(db.session, signed_in())
        db.session.commit()
        flash(
            gettext(
                "Your mobile number has been removed. Messages you chose to get by text will come "
                "by email."
            ),
            "success",
        )
        return redirect(url_for("phones.manage"))
    return render_template(
        "phones/remove.html", form=form, number=display(mobile.number or mobile.pending)
    )
