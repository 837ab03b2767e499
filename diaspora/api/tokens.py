"""Personal access tokens: made, listed and revoked by their owner, checked on every API call.

A token is `dsp_` and 43 random URL-safe characters (256 bits), so a plain SHA-256 digest is
enough to store it: unlike a password it cannot be guessed from a dictionary. A token acts with
its owner's roles and never more; the owner's account being disabled or erased, or the token
being revoked or reaching its expiry date, stops it at once because every call looks them up.
Every token expires: its owner chooses when (90 days unless they say otherwise, a year at most)
and is reminded a week before (jobs.py).
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from diaspora.api.models import SCOPE_LABELS, AccessToken
from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.core.errors import DomainError
from diaspora.core.time import as_utc, utcnow
from diaspora.core.words import N_

PREFIX = "dsp_"
NAME_MAX = 80
MAX_LIVE_TOKENS = 20
# last_used_at is written at most this often per token, so reads do not all become writes.
USE_RECORDED_EVERY = timedelta(minutes=5)


class TokenError(DomainError):
    """A token cannot be made; str() is a message fit to show next to the field."""


class TokenExpired(Exception):
    """The token was genuine but its expiry date has passed."""

    def __init__(self, token: AccessToken) -> None:
        super().__init__(token.id)
        self.token = token


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def name_problem(name: str) -> str | None:
    name = name.strip()
    if not name:
        return N_("Enter a name for the token, such as the system that will use it")
    if len(name) > NAME_MAX:
        return N_("Name must be %(max)s characters or fewer", max=NAME_MAX)
    return None


def lifetime_problem(days: int | None) -> str | None:
    most = current_app.config["API_TOKEN_MAX_DAYS"]
    if days is None or not 1 <= days <= most:
        return N_(
            "Choose when the token expires: between 1 and %(most)s days from today", most=most
        )
    return None


def live_tokens(session: Session, user: User) -> list[AccessToken]:
    """The owner's tokens that still work: neither revoked nor expired."""
    return list(
        session.scalars(
            select(AccessToken)
            .where(
                AccessToken.user_id == user.id,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > utcnow(),
            )
            .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
        )
    )


def create(
    session: Session, user: User, name: str, scope: str, days: int | None = None
) -> tuple[AccessToken, str]:
    """A new token for `user`, expiring in `days` (default: the configured default): the row
    (not yet committed) and the secret, to show once."""
    problem = name_problem(name)
    if problem:
        raise TokenError(problem)
    days = current_app.config["API_TOKEN_DEFAULT_DAYS"] if days is None else days
    problem = lifetime_problem(days)
    if problem:
        raise TokenError(problem)
    if scope not in SCOPE_LABELS:
        raise TokenError(N_("Choose what the token may do"))
    if len(live_tokens(session, user)) >= MAX_LIVE_TOKENS:
        raise TokenError(
            N_(
                "You have %(num)s tokens: revoke one you no longer use first",
                num=MAX_LIVE_TOKENS,
            )
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user_id=user.id,
        name=name.strip(),
        scope=scope,
        prefix=secret[: len(PREFIX) + 4],
        digest=digest(secret),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    record(session, "token.created", actor=user, subject=token, scope=scope, days=days)
    return token, secret


def token_of(session: Session, user: User, token_id: int) -> AccessToken | None:
    """The owner's own live token, or None (someone else's is as unknown as a missing one)."""
    token = session.get(AccessToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return None
    return token


def revoke(session: Session, token: AccessToken, actor: User, **details: object) -> None:
    token.revoked_at = utcnow()
    record(session, "token.revoked", actor=actor, subject=token, **details)


def revoke_all(session: Session, user: User, *, reason: str) -> int:
    """Revoke every token of `user` that still works (on their password's change or reset)."""
    live = live_tokens(session, user)
    for token in live:
        revoke(session, token, user, reason=reason)
    return len(live)


def authenticate(session: Session, secret: str) -> AccessToken | None:
    """The live token with this secret, of an active account, or None. Notes when it was used.

    Raises TokenExpired for a genuine token past its expiry, so the caller can say so."""
    if not secret.startswith(PREFIX):
        return None
    token = session.scalar(
        select(AccessToken)
        .where(AccessToken.digest == digest(secret), AccessToken.revoked_at.is_(None))
        .options(joinedload(AccessToken.user))
    )
    if token is None or not token.user.active:
        return None
    if token.expired:
        raise TokenExpired(token)
    now = utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= USE_RECORDED_EVERY:
        token.last_used_at = now
    return token


def forget(session: Session, user: User) -> None:
    """For an account's erasure: its tokens go (their names are the person's words)."""
    session.execute(delete(AccessToken).where(AccessToken.user_id == user.id))
