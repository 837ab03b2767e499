"""The account pages: registering (as staff, or with an organisation), confirming the address,
signing in (with the second factor), passwords, and the person's own details and address.

They bring together auth, the second factor, organisations, the registry and API tokens, so
they sit above all of these; the blueprint keeps the name `auth` and the URLs under /account.
"""

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required, logout_user

from diaspora.account import services
from diaspora.api import tokens
from diaspora.auth import services as auth
from diaspora.auth import throttle
from diaspora.auth.forms import (
    AccountDetailsForm,
    AccountTypeForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    ResetPasswordForm,
    SignInForm,
    StaffRegistrationForm,
)
from diaspora.auth.models import ROLE_LABELS, Role
from diaspora.core.security import safe_next
from diaspora.extensions import db, limiter
from diaspora.factors import gate
from diaspora.languages import current_language, translated
from diaspora.organisations import services as organisations
from diaspora.organisations.access import roles_of
from diaspora.organisations.forms import OrganisationRegistrationForm
from diaspora.phones import services as phones
from diaspora.phones.numbers import display

bp = Blueprint("auth", __name__, url_prefix="/account")


# Registration ---------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = AccountTypeForm()
    if form.validate_on_submit():
        return redirect(url_for(f"auth.register_{form.account_type.data}"))
    return render_template("auth/register.html", form=form)


@bp.route("/register/staff", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register_staff():
    form = StaffRegistrationForm()
    if form.validate_on_submit():
        services.register_user(
            db.session,
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            roles=[Role.STAFF],
            time_zone=form.time_zone.data,
            language=current_language(),
        )
        db.session.commit()
        return redirect(url_for("auth.check_email"))
    return render_template("auth/register_staff.html", form=form)


@bp.route("/register/organisation", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register_organisation():
    form = OrganisationRegistrationForm(choices=organisations.joinable_organisations(db.session))
    if form.validate_on_submit():
        user = services.register_user(
            db.session,
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            roles=[],
            time_zone=form.person_time_zone.data,
            language=current_language(),
        )
        if user is not None:
            if form.organisation_choice.data == "new":
                organisations.create_organisation(db.session, user, **form.organisation_fields())
            else:
                organisation = db.session.get(
                    organisations.Organisation, int(form.existing_organisation.data)
                )
                organisations.request_to_join(db.session, user, organisation)
        db.session.commit()
        return redirect(url_for("auth.check_email"))
    return render_template("auth/register_organisation.html", form=form)


@bp.get("/check-your-email")
def check_email():
    return render_template("auth/check_email.html")


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """The link in the email opens a page; the button on it makes the change (never a GET)."""
    user = auth.user_for_verification(db.session, token)
    if user is None:
        return render_template("auth/link_invalid.html", purpose="verify"), 400
    if request.method == "POST":
        auth.verify_email(db.session, user)
        db.session.commit()
        flash(gettext("Your email address is confirmed. You can now sign in."), "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/verify_email.html")


@bp.route("/resend-verification", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def resend_verification():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        user = auth.find_user_by_email(db.session, form.email.data)
        if user is not None and not user.email_verified:
            services.send_verification(db.session, user)
        db.session.commit()
        return redirect(url_for("auth.check_email"))
    return render_template("auth/resend_verification.html", form=form)


# Signing in and out ---------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@throttle.sign_in_limits
def sign_in():
    form = SignInForm()
    expired = session.pop("expired", False)
    if form.validate_on_submit():
        user = auth.authenticate(db.session, form.email.data, form.password.data)
        db.session.commit()  # keeps the audit record of a failure too
        if user is None:
            throttle.refused()
            form.email.errors.append(gettext("Enter a correct email address and password"))
        elif not user.email_verified:
            form.email.errors.append(
                gettext("You need to confirm your email address before you can sign in")
            )
            return render_template("auth/sign_in.html", form=form, unverified=True), 200
        else:
            # Signed in now, or once the second factor is verified.
            target = safe_next(request.args.get("next"), url_for("core.home"))
            response = gate.after_password(user, target)
            throttle.trust_device(response, user)
            return response
    return render_template("auth/sign_in.html", form=form, expired=expired)


@bp.post("/sign-out")
@login_required
def sign_out():
    auth.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.signed_out"))


@bp.get("/signed-out")
def signed_out():
    return render_template("auth/signed_out.html")


# Forgotten and changed passwords --------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.send_password_reset(db.session, form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = auth.user_for_reset(db.session, token)
    if user is None:
        return render_template("auth/link_invalid.html", purpose="reset"), 400
    form = ResetPasswordForm()
    form.person = user
    token_count = _offer_token_revocation(form, user)
    if form.validate_on_submit():
        services.set_password(
            db.session,
            user,
            form.password.data,
            via="reset",
            revoke_tokens=bool(token_count and form.revoke_tokens.data),
        )
        db.session.commit()
        logout_user()
        session.clear()
        flash(gettext("Your password has been changed. Sign in with your new password."), "success")
        response = redirect(url_for("auth.sign_in"))
        # The link proved who this is: this browser is not held back by sign-in limits that
        # someone guessing at the account may have used up.
        throttle.trust_device(response, user)
        return response
    return render_template("auth/reset_password.html", form=form, token_count=token_count)


def _offer_token_revocation(form, user) -> int:
    """How many API tokens the person could revoke with their new password (the label says)."""
    count = len(tokens.live_tokens(db.session, user))
    form.revoke_tokens.label.text = ngettext(
        "Also revoke my %(num)d API token", "Also revoke my %(num)d API tokens", count
    )
    return count


# Account settings -----------------------------------------------------------------------


@bp.get("")
@login_required
def account():
    roles = [
        translated(ROLE_LABELS[Role(role)]) for role in sorted(roles_of(db.session, current_user))
    ]
    mobile = phones.state_of(db.session, current_user)
    return render_template(
        "auth/account.html",
        roles=roles,
        mobile=mobile,
        mobile_number=display(mobile.number or mobile.pending),
    )


@bp.route("/details", methods=["GET", "POST"])
@login_required
def details():
    form = AccountDetailsForm(obj=current_user)
    if form.validate_on_submit():
        services.update_details(
            db.session,
            current_user,
            form.display_name.data,
            form.time_zone.data,
            language=form.language.data or None,
        )
        db.session.commit()
        flash(gettext("Your details have been saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/details.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@gate.step_up_required
@throttle.password_check_limit
def change_password():
    form = ChangePasswordForm()
    form.person = current_user
    token_count = _offer_token_revocation(form, current_user)
    if form.validate_on_submit():
        if not auth.check_current_password(
            db.session, current_user, form.current_password.data, purpose="change_password"
        ):
            _wrong_current_password(form)
        else:
            services.set_password(
                db.session,
                current_user,
                form.password.data,
                via="change",
                revoke_tokens=bool(token_count and form.revoke_tokens.data),
            )
            db.session.commit()
            # Every other session ends; this one carries on with the new alternative id.
            gate.keep_signed_in()
            flash(gettext("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form, token_count=token_count)


def _wrong_current_password(form) -> None:
    db.session.commit()  # the audit record of the failure
    throttle.refused()
    form.current_password.errors.append(gettext("Your current password is not correct"))


@bp.route("/email", methods=["GET", "POST"])
@login_required
@gate.step_up_required
@throttle.password_check_limit
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not auth.check_current_password(
            db.session, current_user, form.current_password.data, purpose="change_email"
        ):
            _wrong_current_password(form)
        else:
            services.request_email_change(db.session, current_user, form.email.data)
            db.session.commit()
            return redirect(url_for("auth.check_email"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    user = auth.user_for_email_change(db.session, token)
    if user is None:
        return render_template("auth/link_invalid.html", purpose="email"), 400
    if request.method == "POST":
        changed = services.confirm_email_change(db.session, user)
        db.session.commit()
        if not changed:
            return render_template("auth/link_invalid.html", purpose="email"), 409
        flash(gettext("Your email address has been changed."), "success")
        return redirect(
            url_for("auth.account" if current_user.is_authenticated else "auth.sign_in")
        )
    return render_template("auth/confirm_email_change.html")
