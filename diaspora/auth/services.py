"""Accounts: passwords, signed links, sessions and roles. The flows that email the person
(registering, resets, changes of password or address) build on these in `account/services.py`.

Functions take and return models and never commit: the caller commits once, which is also
when queued email goes out.
"""

import hashlib
import re
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from diaspora.audit.services import record
from diaspora.auth.models import STORED_ROLES, Role, User, UserRole, new_session_token
from diaspora.core.context import setting
from diaspora.core.time import utcnow
from diaspora.core.words import N_

PASSWORD_MIN, PASSWORD_MAX = 10, 128
# zxcvbn's scale: 3 is "safely unguessable" (about 10^8 guesses and more), its own advice for
# accounts protected by throttled online guessing.
PASSWORD_MIN_SCORE = 3
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def fingerprint(value: str) -> str:
    """A short digest used inside signed links instead of personal data or secrets."""
    return hashlib.sha256(value.encode()).hexdigest()[:20]


# Passwords ------------------------------------------------------------------------------


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=setting("ARGON2_TIME_COST"),
        memory_cost=setting("ARGON2_MEMORY_KIB"),
        parallelism=setting("ARGON2_PARALLELISM"),
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@cache
def common_passwords() -> frozenset[str]:
    """The blocklist shipped with the code (its source is named at the top of the file)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def _personal_words(email: str, name: str) -> list[str]:
    """What a guesser who knows the person would try first: their name and address, whole and
    in pieces."""
    email = normalise_email(email)
    local, _, domain = email.partition("@")
    names = name.lower().split()
    pieces = re.split(r"[^a-z0-9]+", local)
    return [word for word in {email, local, domain, *names, "".join(names), *pieces} if word]


def _strength(password: str, personal_words: list[str]) -> int:
    """zxcvbn's score (0 to 4); spaces add next to nothing, so the password without them must
    be as strong."""
    compact = "".join(password.split())
    return min(
        zxcvbn(candidate, user_inputs=personal_words, max_length=PASSWORD_MAX)["score"]
        for candidate in {password, compact}
        if candidate
    )


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is.

    Length first, then the blocklist of common passwords, then a strength estimate (zxcvbn)
    that also knows the person's name and email address, so neither makes a password strong.
    """
    if len(password) < PASSWORD_MIN:
        return N_("Password must be %(min)s characters or more", min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return N_("Password must be %(max)s characters or fewer", max=PASSWORD_MAX)
    lowered = password.strip().lower()
    if email and lowered == normalise_email(email):
        return N_("Password must not be your email address")
    if name and lowered == name.strip().lower():
        return N_("Password must not be your name")
    if lowered in common_passwords():
        return N_("This password is one of the most commonly used passwords: choose another")
    if _strength(password, _personal_words(email, name)) < PASSWORD_MIN_SCORE:
        return N_(
            "Add another word or two: this password could be guessed. "
            "Three or more unrelated words make a strong password"
        )
    return None


def check_password(user: User, password: str) -> bool:
    """Verify a password, upgrading the stored hash when the parameters have changed."""
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def check_current_password(session: Session, user: User, password: str, *, purpose: str) -> bool:
    """A signed-in person's password, asked again before a sensitive change; a wrong one is
    audited (the purpose only, never what was typed)."""
    if check_password(user, password):
        return True
    record(session, "password_check.failed", actor=user, subject=user, purpose=purpose)
    return False


# Signed links ---------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    """Signed with HMAC-SHA-256 (itsdangerous defaults to SHA-1), a salt per purpose."""
    return URLSafeTimedSerializer(
        setting("SECRET_KEY"),
        salt=f"diaspora.{purpose}",
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: timedelta) -> dict | None:
    try:
        return _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except (SignatureExpired, BadSignature):
        return None


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


# Registration and verification ----------------------------------------------------------


def user_for_verification(session: Session, token: str) -> User | None:
    """The account a confirmation link is for, while its address is still unconfirmed: the link
    works once, and only for the address it was sent to."""
    data = read_token("verify", token, setting("EMAIL_VERIFY_MAX_AGE"))
    if not data:
        return None
    user = session.get(User, data.get("u"))
    if user is None or user.email_verified or fingerprint(user.email) != data.get("e"):
        return None
    return user


def verify_email(session: Session, user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record(session, "account.email_verified", actor=user, subject=user)


# Signing in and out ---------------------------------------------------------------------


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account for these credentials, or None. Every failure is audited alike."""
    user = find_user_by_email(session, email)
    if user is None:
        hash_password(password)  # spend the same time as a real check
        record(session, "sign_in.failed", reason="unknown_account")
        return None
    if not check_password(user, password):
        record(session, "sign_in.failed", subject=user, reason="wrong_password")
        return None
    if not user.active:
        record(session, "sign_in.failed", subject=user, reason="disabled")
        return None
    user.last_login_at = utcnow()
    record(session, "sign_in", actor=user, subject=user)
    return user


def end_all_sessions(user: User) -> None:
    """A new alternative id: every cookie carrying the old one stops working."""
    user.session_token = new_session_token()


# Password reset and change --------------------------------------------------------------


def reset_token(user: User) -> str:
    """The signed part of a reset link, bound to the account's password and address."""
    payload = {"u": user.id, "p": fingerprint(user.password_hash), "e": fingerprint(user.email)}
    return make_token("reset", payload)


def user_for_reset(session: Session, token: str) -> User | None:
    """The account a reset link is for. The link dies once the password changes (so it is single
    use, and a change made another way kills it too) and once the email address changes (it was
    sent to the old one)."""
    data = read_token("reset", token, setting("PASSWORD_RESET_MAX_AGE"))
    if not data:
        return None
    user = session.get(User, data.get("u"))
    if (
        user is None
        or not user.active
        or fingerprint(user.password_hash) != data.get("p")
        or fingerprint(user.email) != data.get("e")
    ):
        return None
    return user


# Email change ---------------------------------------------------------------------------


def withdraw_email_change(user: User) -> None:
    """Kill every email-change link sent so far."""
    user.pending_email = user.email_change_nonce = None


def email_change_token(user: User) -> str:
    """The signed part of the link confirming the pending address (only the newest works)."""
    payload = {"u": user.id, "e": fingerprint(user.pending_email), "n": user.email_change_nonce}
    return make_token("email-change", payload)


def user_for_email_change(session: Session, token: str) -> User | None:
    data = read_token("email-change", token, setting("EMAIL_VERIFY_MAX_AGE"))
    if not data:
        return None
    user = session.get(User, data.get("u"))
    if (
        user is None
        or not user.active
        or not user.pending_email
        or not user.email_change_nonce
        or not secrets.compare_digest(user.email_change_nonce, str(data.get("n", "")))
        or fingerprint(user.pending_email) != data.get("e")
    ):
        return None
    return user


# Roles and administration ---------------------------------------------------------------


def grant_role(session: Session, user: User, role: str, *, actor: User | None = None) -> None:
    """Store a role. Only staff and admin are stored; the others follow from memberships."""
    if role not in STORED_ROLES:
        raise ValueError(f"The {role} role follows from memberships and cannot be granted")
    before = sorted(user.role_names)
    if role in before:
        return
    user.roles.append(UserRole(role=role))
    after = sorted(user.role_names)
    record(
        session, "role.granted", actor=actor, subject=user, role=role, before=before, after=after
    )


def set_roles(session: Session, user: User, roles: set[str], *, actor: User) -> None:
    """An administrator's choice of stored roles; each change is audited with before and after."""
    for role in sorted(roles - user.role_names):
        grant_role(session, user, role, actor=actor)
    for role in sorted(user.role_names - roles):
        before = sorted(user.role_names)
        user.roles = [r for r in user.roles if r.role != role]
        after = sorted(user.role_names)
        record(
            session,
            "role.revoked",
            actor=actor,
            subject=user,
            role=role,
            before=before,
            after=after,
        )


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(user)
    record(session, "account.enabled" if active else "account.disabled", actor=actor, subject=user)


def search_users(query: str = ""):
    statement = select(User).order_by(User.display_name, User.id)
    if query.strip():
        like = f"%{query.strip().lower()}%"
        statement = statement.where(
            func.lower(User.display_name).like(like) | User.email.like(like)
        )
    return statement


def create_admin(session: Session, email: str, password: str, display_name: str) -> User:
    """The first administrator, from the command line: already verified."""
    user = find_user_by_email(session, email)
    if user is None:
        user = User(
            email=normalise_email(email),
            display_name=display_name,
            password_hash=hash_password(password),
        )
        session.add(user)
    user.email_verified_at = user.email_verified_at or utcnow()
    grant_role(session, user, Role.ADMIN)
    session.flush()
    record(session, "account.admin_created", subject=user)
    return user
