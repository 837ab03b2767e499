"""The API's own answers: JSON only, errors as problem documents (RFC 9457), callers known by
`Authorization: Bearer <token>` and never by a cookie, which is why the API needs no CSRF
token. It serves the operations of every resource in `diaspora.api.resources.RESOURCES`."""

from flask import Blueprint, current_app, g, jsonify, request, url_for
from sqlalchemy.exc import OperationalError

from diaspora.api import tokens
from diaspora.api.resources import OPERATIONS, RESOURCES
from diaspora.api.spec import WRITES, ApiProblem, build_spec, refused
from diaspora.bookings.transactions import locked_out
from diaspora.core.errors import DomainError, problem
from diaspora.core.time import as_utc
from diaspora.extensions import csrf, db, limiter

api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)

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


@api.errorhandler(DomainError)
def _refused(error: DomainError):
    return refused(error).response()


@api.after_request
def _not_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@api.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the operations' declarations."""
    return jsonify(
        build_spec(
            url_for("api.openapi", _external=False).removesuffix("/openapi.json"), OPERATIONS
        )
    )


for resource in RESOURCES:
    resource.register(api)
