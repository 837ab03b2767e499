"""Personal access tokens on the account pages, and the API's own answers: JSON only, errors as
problem documents (RFC 9457), callers known by `Authorization: Bearer <token>` and never by a
cookie, which is why the API needs no CSRF token."""

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from diaspora.api import tokens
from diaspora.api.forms import TokenForm
from diaspora.api.models import SCOPE_LABELS
from diaspora.core.errors import problem
from diaspora.extensions import csrf, db
from diaspora.widgets import NhsukForm

bp = Blueprint("api_tokens", __name__)
api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)


# Token management, for people --------------------------------------------------------------


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def token_list():
    form = TokenForm()
    me = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create(db.session, me, form.name.data, form.scope.data)
        except tokens.TokenError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            # Shown on this response only: no redirect, so the secret never sits in a session.
            return render_template("api/token_created.html", token=token, secret=secret)
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens.live_tokens(db.session, me),
        scope_labels=SCOPE_LABELS,
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(token_id: int):
    token = tokens.token_of(db.session, current_user, token_id)
    if token is None:
        abort(404)
    form = NhsukForm()
    if form.validate_on_submit():
        tokens.revoke(db.session, token, current_user)
        db.session.commit()
        flash(f"Token “{token.name}” revoked. It no longer works.", "success")
        return redirect(url_for("api_tokens.token_list"))
    return render_template("api/revoke.html", token=token, form=form)


# The API -----------------------------------------------------------------------------------


@api.before_request
def _authenticate():
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = tokens.authenticate(db.session, secret.strip()) if scheme == "Bearer" else None
    if token is None:
        return problem(
            401,
            "Unauthorized",
            "Send a personal access token as 'Authorization: Bearer <token>'. "
            "Tokens are made on your account page.",
        )
    if request.method not in ("GET", "HEAD", "OPTIONS") and not token.writes:
        return problem(403, "Forbidden", "This token is read only.")
    db.session.commit()  # last_used_at
    g.api_token = token
    g.api_user = token.user
    return None


@api.after_request
def _not_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@api.route("/me")
def me():
    """Who the token acts for, and with which roles."""
    user = g.api_user
    return jsonify(
        {
            "id": user.id,
            "display_name": user.display_name,
            "roles": sorted(user.role_names),
            "token": {"name": g.api_token.name, "scope": g.api_token.scope},
        }
    )


@api.route("/token", methods=["DELETE"])
def revoke_current():
    """Revoke the token making the call: for a system being switched off, or a leaked token."""
    tokens.revoke(db.session, g.api_token, g.api_user)
    db.session.commit()
    return "", 204
