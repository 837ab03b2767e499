"""CSRF tokens masked afresh each time a page shows one, so compressing pages leaks nothing.

Compressed pages that show both a secret and something the request sent can give the secret
away a character at a time through their length (BREACH). Flask-WTF's token is the same all
through a session, so every token written into a page is XORed with a new random pad and sent
as pad and result together (as Django does); the check undoes the mask before Flask-WTF's own
validation. See ADR 17.
"""

import base64
import binascii
import secrets

from flask import Flask, g
from flask_wtf import CSRFProtect
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf, validate_csrf
from wtforms import ValidationError


def mask(token: str) -> str:
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    masked = bytes(a ^ b for a, b in zip(raw, pad, strict=True))
    return base64.urlsafe_b64encode(pad + masked).decode().rstrip("=")


def unmask(value: str) -> str:
    """The token `mask` was given; ValidationError when `value` is not a masked token."""
    try:
        both = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        half = len(both) // 2
        if not half or len(both) % 2:
            raise ValueError
        return bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True)).decode()
    except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise ValidationError("The CSRF token is invalid.") from error


def masked_csrf_token() -> str:
    """What templates call as `csrf_token()`: the session's token under a new mask."""
    return mask(generate_csrf())


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's check of every state-changing request, given the token unmasked."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = masked_csrf_token
        # Flask-WTF's context processor also offers `csrf_token`; this one, later, wins.
        app.context_processor(lambda: {"csrf_token": masked_csrf_token})

    def _get_csrf_token(self) -> str | None:
        value = super()._get_csrf_token()
        return unmask(value) if value else value


class MaskedFormCSRF(_FlaskFormCSRF):
    """The hidden `csrf_token` field of every form: masked when shown, unmasked when checked."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return mask(super().generate_csrf_token(csrf_token_field))

    def validate_csrf_token(self, form, field) -> None:
        if g.get("csrf_valid", False):
            return  # already checked, unmasked, by MaskedCSRFProtect
        validate_csrf(
            unmask(field.data or ""),
            self.meta.csrf_secret,
            self.meta.csrf_time_limit,
            self.meta.csrf_field_name,
        )
