"""Session lifetime rules and the security headers every response carries."""

import secrets
import time

from flask import Flask, Response, current_app, g, session
from flask_login import current_user, logout_user

from diaspora.auth.models import User
from diaspora.extensions import db, login_manager

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_token: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.session_token == session_token))
    return user if user is not None and user.active else None


def start_session_clock() -> None:
    now = int(time.time())
    session.permanent = True
    session["signed_in_at"] = now
    session["seen_at"] = now


def _expire_stale_sessions() -> None:
    """Sign out after 30 idle minutes or 12 hours in all (both configurable)."""
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle or now - signed_in_at > absolute:
        logout_user()
        session.clear()
        session["expired"] = True
        return
    session["seen_at"] = now


def _content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _set_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce") or secrets.token_urlsafe(16)
    headers = response.headers
    headers["Content-Security-Policy"] = _content_security_policy(nonce)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["HSTS"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


def register_security(app: Flask) -> None:
    @app.before_request
    def _before() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)
        _expire_stale_sessions()

    app.after_request(_set_headers)
