"""Accounts: registration, passwords, signed links, sessions and roles.

Functions take and return models and never commit: the caller commits once, which is also
when queued email goes out.
"""

import hashlib
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diaspora.audit.services import record
from diaspora.auth.models import STORED_ROLES, Role, User, UserRole, new_session_token
from diaspora.core.time import utcnow
from diaspora.extensions import mail
from diaspora.registry.services import profile_for, refresh_search_text

PASSWORD_MIN, PASSWORD_MAX = 10, 128


def normalise_email(email: str) -> str:
    return email.strip().lower()


def fingerprint(value: str) -> str:
    """A short digest used inside signed links instead of personal data or secrets."""
    return hashlib.sha256(value.encode()).hexdigest()[:20]


# Passwords ------------------------------------------------------------------------------


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN:
        return f"Password must be {PASSWORD_MIN} characters or more"
    if len(password) > PASSWORD_MAX:
        return f"Password must be {PASSWORD_MAX} characters or fewer"
    lowered = password.strip().lower()
    if email and lowered == normalise_email(email):
        return "Password must not be your email address"
    if name and lowered == name.strip().lower():
        return "Password must not be your name"
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


# Signed links ---------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"diaspora.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: timedelta) -> dict | None:
    try:
        return _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except (SignatureExpired, BadSignature):
        return None


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


# Registration and verification ----------------------------------------------------------


def register_user(
    session: Session, *, email: str, display_name: str, password: str, roles: list[str]
) -> User | None:
    """Create an unverified account and email a verification link.

    When the address is taken, the owner of that address is told instead and None is returned,
    so the page that follows reads the same either way.
    """
    existing = find_user_by_email(session, email)
    if existing is not None:
        mail.queue(
            session,
            existing.email,
            "Someone tried to register with your email address",
            "already_registered",
            user=existing,
            sign_in_url=url_for("auth.sign_in", _external=True),
            reset_url=url_for("auth.forgot_password", _external=True),
        )
        return None
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
    )
    user.roles = [UserRole(role=role) for role in roles]
    session.add(user)
    session.flush()
    send_verification(session, user)
    record(session, "account.registered", actor=user, subject=user, roles=sorted(roles))
    return user


def send_verification(session: Session, user: User) -> None:
    token = make_token("verify", {"u": user.id, "e": fingerprint(user.email)})
    mail.queue(
        session,
        user.email,
        "Confirm your email address",
        "verify_email",
        user=user,
        url=url_for("auth.verify_email", token=token, _external=True),
    )


def user_for_verification(session: Session, token: str) -> User | None:
    data = read_token("verify", token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    if not data:
        return None
    user = session.get(User, data["u"])
    if user is None or fingerprint(user.email) != data["e"]:
        return None
    return user


def verify_email(session: Session, user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record(session, "account.email_verified", actor=user, subject=user)


def update_details(session: Session, user: User, display_name: str, time_zone: str) -> None:
    user.display_name = display_name.strip()
    user.time_zone = time_zone
    # Directory search looks for people by name: keep the profile's search text in step.
    profile = profile_for(session, user)
    if profile is not None:
        refresh_search_text(profile)


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


def send_password_reset(session: Session, email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return
    token = make_token("reset", {"u": user.id, "p": fingerprint(user.password_hash)})
    mail.queue(
        session,
        user.email,
        "Reset your password",
        "reset_password",
        user=user,
        url=url_for("auth.reset_password", token=token, _external=True),
    )


def user_for_reset(session: Session, token: str) -> User | None:
    """The account a reset link is for. The link dies once the password changes (single use)."""
    data = read_token("reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if not data:
        return None
    user = session.get(User, data["u"])
    if user is None or not user.active or fingerprint(user.password_hash) != data["p"]:
        return None
    return user


def set_password(session: Session, user: User, password: str, *, via: str) -> None:
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    record(session, "account.password_changed", actor=user, subject=user, via=via)
    mail.queue(session, user.email, "Your password has been changed", "password_changed", user=user)


# Email change ---------------------------------------------------------------------------


def request_email_change(session: Session, user: User, new_email: str) -> None:
    new_email = normalise_email(new_email)
    taken = find_user_by_email(session, new_email)
    if taken is not None:
        mail.queue(
            session,
            taken.email,
            "Someone tried to use your email address",
            "already_registered",
            user=taken,
            sign_in_url=url_for("auth.sign_in", _external=True),
            reset_url=url_for("auth.forgot_password", _external=True),
        )
        return
    user.pending_email = new_email
    token = make_token("email-change", {"u": user.id, "e": fingerprint(new_email)})
    mail.queue(
        session,
        new_email,
        "Confirm your new email address",
        "confirm_new_email",
        user=user,
        url=url_for("auth.confirm_email_change", token=token, _external=True),
    )
    record(session, "account.email_change_requested", actor=user, subject=user)


def user_for_email_change(session: Session, token: str) -> User | None:
    data = read_token("email-change", token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    if not data:
        return None
    user = session.get(User, data["u"])
    if user is None or not user.pending_email or fingerprint(user.pending_email) != data["e"]:
        return None
    return user


def confirm_email_change(session: Session, user: User) -> bool:
    """Move the account to its new address; False when someone took it meanwhile."""
    new_email = user.pending_email
    if new_email is None or find_user_by_email(session, new_email) is not None:
        user.pending_email = None
        return False
    old_email = user.email
    user.email, user.pending_email = new_email, None
    user.email_verified_at = utcnow()
    mail.queue(session, old_email, "Your email address has changed", "email_changed", user=user)
    record(session, "account.email_changed", actor=user, subject=user)
    return True


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
