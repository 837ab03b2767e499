"""Limits on password guessing (ADR 0014): how many wrong passwords a client, an account and a
trusted device may send, and the signed cookie that marks a device as trusted.

Only refusals count (a view calls `refused()`), never a form with a missing field or a success.
Sign-in has three limits:
- per client (IP address), across every account: stops one password sprayed over many accounts;
- per account (a digest of the address typed, so unknown addresses count alike): caps the
  guesses against one account, from everywhere together;
- per trusted device, instead of the two above: a browser that has signed in to this account
  before, or used a reset link for it, carries a signed cookie saying so. Someone who fills the
  account's budget therefore keeps only other untrusted clients out, never the owner on their
  own device; and the owner anywhere else gets in through a reset link.
Checks of the current password (changing the password or email, deleting the account) share one
per-account budget. Second-factor codes have a budget per account and one per client (ADR 16).
"""

import secrets

from flask import Response, current_app, g, request, session
from flask_login import current_user

from diaspora.auth.models import User
from diaspora.auth.services import (
    find_user_by_email,
    fingerprint,
    make_token,
    normalise_email,
    read_token,
)
from diaspora.extensions import db, limiter

DEVICE_PURPOSE = "trusted-device"


def refused() -> None:
    """Count this request against its limits: a password it sent was wrong."""
    g.password_refused = True


def _was_refused(_response: Response) -> bool:
    return g.get("password_refused", False)


# Trusted devices ------------------------------------------------------------------------------


def _device() -> dict | None:
    """The trusted-device cookie's content, when it is present, signed by us and not too old."""
    value = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not value:
        return None
    data = read_token(DEVICE_PURPOSE, value, current_app.config["DEVICE_COOKIE_MAX_AGE"])
    return data if isinstance(data, dict) else None


def trust_device(response: Response, user: User) -> None:
    """Mark this browser as one `user` has proved themselves on (a sign-in, a reset link)."""
    config = current_app.config
    value = make_token(DEVICE_PURPOSE, {"u": user.id, "d": secrets.token_urlsafe(12)})
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        value,
        max_age=int(config["DEVICE_COOKIE_MAX_AGE"].total_seconds()),
        path="/",
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _trusted_for_typed_account() -> bool:
    """Whether this browser's trusted-device cookie is for the account whose address was typed
    (worked out once per request: each of the three limits asks)."""
    if "trusted_device" not in g:
        device = _device()
        user = None
        if device is not None:
            user = find_user_by_email(db.session, request.form.get("email", ""))
        g.trusted_device = user is not None and user.id == device.get("u")
    return g.trusted_device


# Sign-in ------------------------------------------------------------------------------------


def _account_key() -> str:
    """Per account, whatever the case or spaces typed; unknown addresses are counted alike."""
    return "sign-in:" + fingerprint(normalise_email(request.form.get("email", "")))


def _client_key() -> str:
    return f"sign-in-client:{request.remote_addr}"


def _device_key() -> str:
    device = _device() or {}
    return f"sign-in-device:{device.get('d')}"


def _untrusted() -> bool:
    return not _trusted_for_typed_account()


def _limit(name: str):
    return lambda: current_app.config[name]


def sign_in_limits(view):
    """The three sign-in limits, as one decorator."""
    for name, key_func, exempt_when in (
        ("SIGN_IN_CLIENT_LIMIT", _client_key, _trusted_for_typed_account),
        ("SIGN_IN_ACCOUNT_LIMIT", _account_key, _trusted_for_typed_account),
        ("SIGN_IN_DEVICE_LIMIT", _device_key, _untrusted),
    ):
        view = limiter.limit(
            _limit(name),
            key_func=key_func,
            methods=["POST"],
            exempt_when=exempt_when,
            deduct_when=_was_refused,
        )(view)
    return view


# Current-password checks ----------------------------------------------------------------------


def _user_key() -> str:
    user_id = getattr(current_user, "id", None)
    if user_id is None:
        return f"password-check-client:{request.remote_addr}"
    return f"password-check:{user_id}"


def password_check_limit(view):
    """One budget of wrong current passwords per account, shared by every page that asks for
    it, so a stolen session cannot guess the password for long."""
    return limiter.shared_limit(
        _limit("PASSWORD_CHECK_LIMIT"),
        scope="password-check",
        key_func=_user_key,
        methods=["POST"],
        deduct_when=_was_refused,
    )(view)


# Second-factor checks -------------------------------------------------------------------------


def _factor_account_key() -> str:
    """The account whose factor is being tried: the one between password and factor, else the
    signed-in one (step-up)."""
    pending = session.get("factor_pending")
    user_id = pending.get("u") if isinstance(pending, dict) else getattr(current_user, "id", None)
    return f"factor:{user_id}"


def _factor_client_key() -> str:
    return f"factor-client:{request.remote_addr}"


def factor_limits(view):
    """Wrong codes (authenticator app, recovery code, passkey answer) per account and per client
    (ADR 16): a six-digit code cannot be guessed under these limits."""
    for name, scope, key_func in (
        ("FACTOR_ACCOUNT_LIMIT", "factor-account", _factor_account_key),
        ("FACTOR_CLIENT_LIMIT", "factor-client", _factor_client_key),
    ):
        view = limiter.shared_limit(
            _limit(name),
            scope=scope,
            key_func=key_func,
            methods=["POST"],
            deduct_when=_was_refused,
        )(view)
    return view
