"""Personal access tokens on the account pages, and the API's own answers: JSON only, errors as
problem documents (RFC 9457), callers known by `Authorization: Bearer <token>` and never by a
cookie, which is why the API needs no CSRF token."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from marshmallow import Schema, fields
from sqlalchemy.exc import OperationalError

from diaspora.api import tokens
from diaspora.api.forms import TokenForm
from diaspora.api.models import SCOPE_LABELS
from diaspora.api.reference import reference_sections, shapes
from diaspora.api.spec import WRITES, ApiProblem, build_spec, operation
from diaspora.bookings.transactions import locked_out
from diaspora.core.errors import problem
from diaspora.core.time import as_utc
from diaspora.extensions import csrf, db, limiter
from diaspora.factors.gate import step_up_required
from diaspora.organisations.access import roles_of
from diaspora.widgets import NhsukForm

bp = Blueprint("api_tokens", __name__)
api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)


# Token management, for people --------------------------------------------------------------


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
@step_up_required
def token_list():
    form = TokenForm()
    me = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create(
                db.session, me, form.name.data, form.scope.data, form.days.data
            )
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

PUBLIC_ENDPOINTS = {"api.openapi"}


def _rate_key() -> str:
    """Limits count per token (by its digest), so one busy system does not slow another."""
    _, _, secret = request.headers.get("Authorization", "").partition(" ")
    return "api:" + tokens.digest(secret.strip())


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(api)


@api.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    try:
        token = tokens.authenticate(db.session, secret.strip()) if scheme == "Bearer" else None
    except tokens.TokenExpired as error:
        return problem(
            401,
            "Unauthorized",
            f"This token expired on {as_utc(error.token.expires_at):%Y-%m-%d} (UTC). "
            "Make a new one on your account page.",
            reason="token_expired",
        )
    if token is None:
        return problem(
            401,
            "Unauthorized",
            "Send a personal access token as 'Authorization: Bearer <token>'. "
            "Tokens are made on your account page.",
        )
    if request.method in WRITES and not token.writes:
        return problem(403, "Forbidden", "This token is read only.")
    try:
        db.session.commit()  # last_used_at
    except OperationalError as error:
        # SQLite with another writer holding the lock: the note is only informational (and
        # tried again on a later call), so the call goes ahead without it.
        db.session.rollback()
        if not locked_out(error):
            raise
    g.api_token = token
    g.api_user = token.user
    # The caller is the token's owner for this request only, so the helpers the pages use
    # (current_user, viewer_access) see the same person; nothing is written to a session.
    g._login_user = token.user
    return None


@api.errorhandler(ApiProblem)
def _problem(error: ApiProblem):
    return error.response()


@api.after_request
def _not_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@api.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the operations' declarations."""
    return jsonify(
        build_spec(url_for("api.openapi", _external=False).removesuffix("/openapi.json"))
    )


@bp.route("/developers/api")
def reference():
    """The API reference, readable by people, from the same document."""
    spec = build_spec(url_for("api.openapi").removesuffix("/openapi.json"))
    return render_template(
        "api/reference.html", spec=spec, sections=reference_sections(spec), shapes=shapes(spec)
    )


class MeSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    token = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


@operation(api, "GET", "/me", tag="Account", summary="Who the token acts for", response=MeSchema)
def get_me():
    """The token's owner and their roles: what every other call is allowed by."""
    user = g.api_user
    return {
        "id": user.id,
        "display_name": user.display_name,
        "roles": sorted(roles_of(db.session, user)),
        "token": {
            "name": g.api_token.name,
            "scope": g.api_token.scope,
            "expires_at": as_utc(g.api_token.expires_at).isoformat(),
        },
    }


@operation(api, "DELETE", "/token", tag="Account", summary="Revoke this token", status=204)
def revoke_token():
    """Revoke the token making the call: for a system being switched off, or a leaked token."""
    tokens.revoke(db.session, g.api_token, g.api_user)
    db.session.commit()
