"""Session lifetime rules and the security headers every response carries."""

import hashlib
import logging
import secrets
import time
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user


def _unsafe_path(path: str) -> bool:
    return (
        not path.startswith("/")
        or path.startswith("//")
        or "\\" in path  # browsers read a backslash as a slash: "/\\evil" means "//evil"
        or any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in path)
        or bool(urlsplit(path).scheme or urlsplit(path).netloc)
    )


def safe_next(target: str | None, default: str) -> str:
    """Where to send someone back to after a step such as signing in: `target` when it is a
    path on this site, otherwise `default`.

    A path starts with one "/" and holds no backslash, whitespace or control character: the
    whole text as sent, and its path part again after each round of percent-decoding (browsers
    drop a tab anywhere, so "/%09/evil.example" would take them to "//evil.example").
    """
    if not target or _unsafe_path(target):
        return default
    path = target.partition("?")[0].partition("#")[0]
    for _ in range(5):
        decoded = unquote(path)
        if decoded == path:
            return target
        if _unsafe_path(decoded):
            return default
        path = decoded
    return default  # still changing after five rounds of decoding: nobody needs that


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
    if "_user_id" in session:  # signed in (Flask-Login's key)
        # Asked of the session rather than the account, which a commit in the view has expired
        # and which would be read again only to answer this; a session whose account has since
        # been disabled still gets no-store, which is only more careful.
        headers["Cache-Control"] = "no-store"
    return response


security_log = logging.getLogger("diaspora.security")
# Answers that mean a request was refused: the security log records each (ASVS 16.3).
REFUSALS = {401, 403, 413, 429}


def _log_refusal(response: Response) -> Response:
    """One line per refused request: the route's pattern (never its path, which may carry a
    token), the status and the account's id when signed in; nothing that names a person."""
    csrf_failure = response.status_code == 400 and g.get("csrf_failed", False)
    if response.status_code in REFUSALS or csrf_failure:
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        who = current_user.id if current_user and current_user.is_authenticated else None
        security_log.warning(
            "Refused %s %s: %s%s account=%s",
            request.method,
            rule,
            response.status_code,
            " (CSRF)" if csrf_failure else "",
            who,
        )
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, signed with HMAC-SHA-256 rather than Flask's SHA-1."""

    digest_method = staticmethod(hashlib.sha256)


def register_security(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.before_request
    def _before() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)
        _expire_stale_sessions()

    app.after_request(_set_headers)
    app.after_request(_log_refusal)
