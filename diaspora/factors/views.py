"""Second factors: the step after the password, enrolment, step-up and the account's security
page (ADR 16)."""

import base64

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from diaspora.auth import throttle
from diaspora.auth.login import signed_in
from diaspora.auth.models import User
from diaspora.auth.services import check_current_password
from diaspora.core.errors import problem
from diaspora.core.security import safe_next
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.factors import gate, services
from diaspora.factors.forms import (
    CodeForm,
    PasskeyNameForm,
    PasswordForm,
    RecoveryCodeForm,
    SignInCodeForm,
)
from diaspora.languages import translated
from diaspora.widgets import NhsukForm, refusal

bp = Blueprint("factors", __name__, url_prefix="/account")
WEBAUTHN = "webauthn"
TOTP_SETUP = "totp_setup"
WRONG_CODE = N_("The code is not correct. Check your app and enter the code it shows now")
WRONG_RECOVERY = N_("This recovery code is not correct or was already used")


def _left_message(left: int) -> str:
    if left <= 3:
        return ngettext(
            "You used a recovery code. You have %(num)d recovery code left. Make new ones from "
            "your account's security page.",
            "You used a recovery code. You have %(num)d recovery codes left. Make new ones from "
            "your account's security page.",
            left,
        )
    return ngettext(
        "You used a recovery code. You have %(num)d recovery code left.",
        "You used a recovery code. You have %(num)d recovery codes left.",
        left,
    )


# The step after the password -------------------------------------------------------------------


def _pending_or_sign_in():
    user = gate.pending_user()
    if user is None:
        session.pop(gate.PENDING, None)
    return user


def _finish_sign_in(user, *, remember: bool = False, left: int | None = None) -> Response:
    """The factor is verified: sign in, remembering this browser when the person asked (and
    saying how many recovery codes are left when one was used)."""
    target = gate.pending_target()
    token = None
    if remember and services.may_remember(user):
        token, _device = services.remember_device(db.session, user, _browser_label())
    db.session.commit()
    response = gate.complete_sign_in(user, target, verified=True)
    if left is not None:
        flash(_left_message(left), "warning" if left <= 3 else "success")
    if token is not None:
        response.set_cookie(
            gate.remember_cookie(),
            token,
            max_age=current_app.config["REMEMBER_DEVICE_DAYS"] * 86400,
            path="/",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


# A remembered browser is kept as "Firefox on Windows" (product names stay as they are), the
# words shown in the reader's language by `browser_name`.
BROWSERS = (("Edg", "Edge"), ("Firefox", "Firefox"), ("Chrome", "Chrome"), ("Safari", "Safari"))
SYSTEMS = ("Windows", "Android", "iPhone", "iPad", "Mac OS", "Linux")
SOME_BROWSER = "A browser"
ON = " on "


def _browser_label() -> str:
    """What the account page calls a remembered browser: its kind and system, read from the
    User-Agent header (nothing else about it is kept)."""
    agent = request.user_agent.string
    browser = next((label for mark, label in BROWSERS if mark in agent), SOME_BROWSER)
    system = next((name for name in SYSTEMS if name in agent), "")
    return f"{browser}{ON}{system}" if system else browser


def browser_name(label: str) -> str:
    """A remembered browser's label in the reader's language: "Firefox sous Windows"."""
    browser, _, system = label.partition(ON)
    if browser == SOME_BROWSER:
        browser = gettext("A browser")
    return (
        gettext("%(browser)s on %(system)s", browser=browser, system=system) if system else browser
    )


def _code_refused(user: User, code: str, *, purpose: str) -> str | None:
    """Why a code from the authenticator app is refused, or None when it is right. A refusal
    is audited and counts towards the throttle."""
    try:
        if services.verify_code(db.session, user, code, purpose=purpose):
            return None
        error = translated(WRONG_CODE)
    except services.FactorError as unreadable:
        error = refusal(unreadable)
    db.session.commit()  # the audit record of the failure
    throttle.refused()
    return error


@bp.route("/two-factor", methods=["GET", "POST"])
@throttle.factor_limits
def verify():
    user = _pending_or_sign_in()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    totp = services.confirmed_totp(db.session, user)
    form = SignInCodeForm()
    if totp is not None and form.validate_on_submit():
        error = _code_refused(user, form.code.data, purpose="sign_in")
        if error is None:
            return _finish_sign_in(user, remember=form.remember.data)
        form.code.errors.append(error)
    return render_template(
        "factors/verify.html",
        form=form,
        has_app=totp is not None,
        has_passkeys=bool(services.passkeys_of(db.session, user)),
        may_remember=services.may_remember(user),
    )


@bp.route("/two-factor/recovery", methods=["GET", "POST"])
@throttle.factor_limits
def verify_recovery():
    user = _pending_or_sign_in()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        left = services.use_recovery_code(db.session, user, form.code.data, purpose="sign_in")
        if left is not None:
            return _finish_sign_in(user, left=left)
        db.session.commit()
        throttle.refused()
        form.code.errors.append(translated(WRONG_RECOVERY))
    return render_template("factors/recovery.html", form=form, step_up=False)


# Passkeys: the challenge and the answer, for signing in and for step-up ------------------------


def _passkey_user():
    """Whose passkey is asked for: the person between password and factor, or the signed-in
    person confirming it is them."""
    user = gate.pending_user()
    if user is None and current_user.is_authenticated:
        user = signed_in()
    return user


def _keep_challenge(purpose: str, challenge: bytes) -> None:
    session[WEBAUTHN] = {"p": purpose, "c": base64.urlsafe_b64encode(challenge).decode()}


def _take_challenge(purpose: str) -> bytes | None:
    """The challenge issued for this purpose, once: a second answer to it finds none."""
    kept = session.pop(WEBAUTHN, None)
    if not isinstance(kept, dict) or kept.get("p") != purpose:
        return None
    return base64.urlsafe_b64decode(kept["c"])


def _json(body: str) -> Response:
    return current_app.response_class(body, mimetype="application/json")


@bp.post("/two-factor/passkey/options")
def passkey_challenge():
    user = _passkey_user()
    if user is None or not services.passkeys_of(db.session, user):
        return problem(404, "Not Found", gettext("There is no passkey to use."))
    options, challenge = services.authentication_options(db.session, user)
    _keep_challenge("authenticate", challenge)
    return _json(options)


@bp.post("/two-factor/passkey")
@throttle.factor_limits
def passkey_answer():
    pending = gate.pending_user()
    user = _passkey_user()
    body = request.get_json(silent=True)
    challenge = _take_challenge("authenticate")
    if user is None or challenge is None or not isinstance(body, dict):
        return problem(400, "Bad Request", gettext("Start again: the passkey request has expired."))
    purpose = "sign_in" if pending is not None else "step_up"
    credential = body.get("credential")
    if not isinstance(credential, dict) or not services.verify_passkey(
        db.session, user, credential, challenge, purpose=purpose
    ):
        db.session.commit()
        throttle.refused()
        return problem(400, "Bad Request", gettext("That passkey could not be checked. Try again."))
    if pending is not None:
        signed_in = _finish_sign_in(user, remember=body.get("remember") is True)
        answer = jsonify(redirect=signed_in.location)
        for cookie in signed_in.headers.getlist("Set-Cookie"):
            answer.headers.add("Set-Cookie", cookie)
        return answer
    db.session.commit()
    gate.mark_verified()
    target = body.get("next")
    return jsonify(redirect=safe_next(target if isinstance(target, str) else None, "/account"))


# Step-up ---------------------------------------------------------------------------------------


def _step_up_next() -> str:
    return safe_next(request.args.get("next"), url_for("auth.account"))


@bp.route("/confirm-it-is-you", methods=["GET", "POST"])
@login_required
@throttle.factor_limits
@throttle.password_check_limit
def step_up():
    user = signed_in()
    target = _step_up_next()
    if not services.has_factor(db.session, user):
        form = PasswordForm()
        if form.validate_on_submit():
            if check_current_password(db.session, user, form.password.data, purpose="step_up"):
                gate.mark_verified()
                return redirect(target)
            db.session.commit()
            throttle.refused()
            form.password.errors.append(gettext("Your password is not correct"))
        return render_template("factors/step_up.html", form=form, password=True, target=target)
    totp = services.confirmed_totp(db.session, user)
    form = CodeForm()
    if totp is not None and form.validate_on_submit():
        error = _code_refused(user, form.code.data, purpose="step_up")
        if error is None:
            db.session.commit()
            gate.mark_verified()
            return redirect(target)
        form.code.errors.append(error)
    return render_template(
        "factors/step_up.html",
        form=form,
        password=False,
        target=target,
        has_app=totp is not None,
        has_passkeys=bool(services.passkeys_of(db.session, user)),
    )


@bp.route("/confirm-it-is-you/recovery", methods=["GET", "POST"])
@login_required
@throttle.factor_limits
def step_up_recovery():
    user = signed_in()
    target = _step_up_next()
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        left = services.use_recovery_code(db.session, user, form.code.data, purpose="step_up")
        db.session.commit()
        if left is not None:
            gate.mark_verified()
            flash(_left_message(left), "warning" if left <= 3 else "success")
            return redirect(target)
        throttle.refused()
        form.code.errors.append(translated(WRONG_RECOVERY))
    return render_template("factors/recovery.html", form=form, step_up=True, target=target)


# Enrolment -------------------------------------------------------------------------------------


def _after_enrolment():
    """The new factor ended every other session; this one carries on. Recovery codes next,
    when the person has none."""
    gate.keep_signed_in()
    if services.recovery_codes_left(db.session, signed_in()) == 0:
        return redirect(url_for("factors.recovery_codes"))
    flash(gettext("Your second factor is set up."), "success")
    return redirect(url_for("factors.manage"))


@bp.get("/two-factor/set-up")
@login_required
def set_up():
    user = signed_in()
    return render_template(
        "factors/set_up.html",
        required=services.must_use_second_factor(db.session, user),
        has_factor=services.has_factor(db.session, user),
    )


@bp.route("/two-factor/app", methods=["GET", "POST"])
@login_required
@gate.step_up_required
@throttle.factor_limits
def app():
    user = signed_in()
    try:
        secret = session.get(TOTP_SETUP) or services.new_totp_secret(db.session, user)
    except services.FactorError as error:
        flash(refusal(error), "error")
        return redirect(url_for("factors.manage"))
    # The same key on every visit until it is confirmed; kept in the session, never stored.
    session[TOTP_SETUP] = secret
    form = CodeForm()
    if form.validate_on_submit():
        confirmed = services.enrol_totp(db.session, user, secret, form.code.data)
        db.session.commit()
        if confirmed:
            session.pop(TOTP_SETUP, None)
            return _after_enrolment()
        throttle.refused()
        form.code.errors.append(translated(WRONG_CODE))
    return render_template(
        "factors/app.html",
        form=form,
        qr=services.qr_svg(services.provisioning_uri(user, secret)),
        secret=services.grouped(secret),
    )


@bp.get("/two-factor/passkeys/new")
@login_required
@gate.step_up_required
def passkey_new():
    return render_template("factors/passkey_new.html", form=PasskeyNameForm())


@bp.post("/two-factor/passkeys/options")
@login_required
@gate.step_up_required
def passkey_options():
    options, challenge = services.registration_options(db.session, signed_in())
    _keep_challenge("register", challenge)
    return _json(options)


@bp.post("/two-factor/passkeys")
@login_required
@gate.step_up_required
def passkey_register():
    body = request.get_json(silent=True)
    challenge = _take_challenge("register")
    if challenge is None or not isinstance(body, dict):
        return problem(400, "Bad Request", gettext("Start again: the passkey request has expired."))
    name = body.get("name")
    form = PasskeyNameForm(
        formdata=MultiDict({"name": name if isinstance(name, str) else ""}), meta={"csrf": False}
    )
    if not form.validate():
        return problem(422, "Unprocessable Content", form.name.errors[0])
    credential = body.get("credential")
    try:
        if not isinstance(credential, dict):
            raise services.FactorError(N_("The passkey could not be checked. Try again"))
        services.register_passkey(db.session, signed_in(), credential, challenge, form.name.data)
    except services.FactorError as error:
        db.session.commit()  # the audit record of the failure
        return problem(400, "Bad Request", refusal(error))
    db.session.commit()
    response = _after_enrolment()
    return jsonify(redirect=response.location)


@bp.route("/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@gate.step_up_required
def recovery_codes():
    user = signed_in()
    if not services.has_factor(db.session, user):
        return redirect(url_for("factors.set_up"))
    form = NhsukForm()
    if form.validate_on_submit():
        codes = services.new_recovery_codes(db.session, user)
        db.session.commit()
        # Shown on this response only: no redirect, so the codes never sit in a session.
        return render_template("factors/recovery_codes_shown.html", codes=codes)
    return render_template(
        "factors/recovery_codes.html",
        form=form,
        left=services.recovery_codes_left(db.session, user),
    )


# The account's security page -------------------------------------------------------------------


@bp.get("/security")
@login_required
def manage():
    user = signed_in()
    return render_template(
        "factors/manage.html",
        required=services.must_use_second_factor(db.session, user),
        totp=services.confirmed_totp(db.session, user),
        passkeys=services.passkeys_of(db.session, user),
        codes_left=services.recovery_codes_left(db.session, user),
        devices=[
            (device, browser_name(device.label))
            for device in services.remembered_devices(db.session, user)
        ],
        may_remember=services.may_remember(user),
    )


def _removal(change) -> None:
    form = NhsukForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change()
    except services.FactorError as error:
        flash(refusal(error), "error")
        return
    except LookupError:
        abort(404)
    db.session.commit()
    flash(gettext("Removed."), "success")


@bp.post("/two-factor/app/remove")
@login_required
@gate.step_up_required
def remove_app():
    _removal(lambda: services.remove_totp(db.session, signed_in()))
    return redirect(url_for("factors.manage"))


@bp.post("/two-factor/passkeys/<int:passkey_id>/remove")
@login_required
@gate.step_up_required
def remove_passkey(passkey_id: int):
    _removal(lambda: services.remove_passkey(db.session, signed_in(), passkey_id))
    return redirect(url_for("factors.manage"))


@bp.post("/two-factor/devices/<int:device_id>/forget")
@login_required
def forget_device(device_id: int):
    _removal(lambda: services.forget_device(db.session, signed_in(), device_id))
    return redirect(url_for("factors.manage"))
