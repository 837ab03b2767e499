"""The second factor at the edge (ADR 16): the state of a sign-in between password and factor,
the one gate that keeps a person who must enrol on the enrolment pages, and step-up.

Session keys:
- `factor_pending`: after a correct password, for a person with a factor: who (id and the
  account's session token, so a password change or reset ends it), where to go next and when.
  Nobody is signed in until the factor is verified.
- `verified_at`: when this session last proved who it is with the strongest thing the person
  has (their factor, or their password when they have none). Step-up asks again after
  STEP_UP_MAX_AGE.
"""

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, redirect, request, session, url_for
from flask_login import current_user, login_user

from diaspora.auth.models import User
from diaspora.core.security import safe_next, start_session_clock
from diaspora.extensions import db
from diaspora.factors import services

PENDING = "factor_pending"
VERIFIED_AT = "verified_at"
PENDING_MAX_SECONDS = 600

# Endpoints open to a signed-in person who must set up a second factor and has none yet.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "factors.set_up",
        "factors.app",
        "factors.passkey_new",
        "factors.passkey_options",
        "factors.passkey_register",
        "factors.step_up",
    }
)
# Endpoints open to everyone whatever their factors: signing out, assets, health checks.
OPEN_ENDPOINTS = frozenset(
    {"static", "auth.sign_out", "auth.signed_out", "core.live", "core.ready", "core.health"}
)


def register_gate(app: Flask) -> None:
    """One before_request hook for every route, so no page can be forgotten. The JSON API is
    left alone: it knows callers by their token, never by the session cookie."""

    @app.before_request
    def _second_factor_gate() -> Response | None:
        endpoint = request.endpoint
        if (
            endpoint is None  # no such route: the 404 page
            or endpoint in OPEN_ENDPOINTS
            or endpoint in ENROLMENT_ENDPOINTS
            or request.blueprint == "api"
            or not current_user.is_authenticated
        ):
            return None
        if not services.lacks_required_factor(db.session, current_user._get_current_object()):
            return None
        return redirect(url_for("factors.set_up"))


# Signing in ------------------------------------------------------------------------------------


def remember_cookie() -> str:
    return current_app.config["REMEMBER_DEVICE_COOKIE_NAME"]


def after_password(user: User, target: str) -> Response:
    """The password was right: sign in, or ask for the second factor first."""
    if services.has_factor(db.session, user):
        if services.remembered(db.session, user, request.cookies.get(remember_cookie())):
            db.session.commit()
            return complete_sign_in(user, target, verified=False)
        session.clear()
        session[PENDING] = {
            "u": user.id,
            "t": user.session_token,
            "next": target,
            "at": int(time.time()),
        }
        return redirect(url_for("factors.verify"))
    return complete_sign_in(user, target, verified=True)


def pending_user() -> User | None:
    """The person between password and second factor, while that state is fresh."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_SECONDS:
        return None
    user = db.session.get(User, pending.get("u"))
    if user is None or not user.active or user.session_token != pending.get("t"):
        return None
    return user


def complete_sign_in(user: User, target: str, *, verified: bool) -> Response:
    session.clear()
    login_user(user)
    start_session_clock()
    if verified:
        mark_verified()
    return redirect(target)


def pending_target() -> str:
    return session.get(PENDING, {}).get("next") or url_for("core.home")


def keep_signed_in() -> None:
    """After a change that ended every session of the account (a new factor): this one carries
    on, with the new alternative id, and counts as just verified. (The user itself, not the
    `current_user` proxy: Flask-Login stores what it is given as the request's user, and a proxy
    pointing at itself recurses without end.)"""
    login_user(current_user._get_current_object())
    start_session_clock()
    mark_verified()


# Step-up ---------------------------------------------------------------------------------------


def mark_verified() -> None:
    session[VERIFIED_AT] = int(time.time())


def recently_verified() -> bool:
    max_age = services.STEP_UP_MAX_AGE.total_seconds()
    return time.time() - session.get(VERIFIED_AT, 0) <= max_age


def _return_path() -> str:
    """Where to come back to after step-up: this page for a GET; for a form, the page it was
    sent from (only its path is kept, so this never leads off the site), where the person sends
    it again."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path, request.path)


def step_up_required(view=None, *, only_post: bool = False):
    """Sensitive actions: the person proves who they are again (second factor, or password
    when they have none) when they last did so more than 15 minutes ago. A page that only
    shows things before its form changes them asks on the change (`only_post`); a page whose
    purpose is the change asks before the person fills it in."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if (
                not current_user.is_authenticated
                or (only_post and request.method == "GET")
                or recently_verified()
            ):
                return view(*args, **kwargs)
            return redirect(url_for("factors.step_up", next=_return_path()))

        return wrapped

    return decorator(view) if view is not None else decorator
