"""Account flows that reach beyond auth: registering (with the email that confirms the
address), password resets and changes (which may revoke API tokens), email changes, the
person's own details (which the registry's search reads), and their mobile number (the code
texted to it, the texts cancelled when it goes). Emails and texts go through the outbox.

Functions take and return models and never commit: the caller commits once, which is also
when queued email goes out.
"""

import secrets

from sqlalchemy.orm import Session

from diaspora.api import tokens as api_tokens
from diaspora.audit.services import record
from diaspora.auth.models import User, UserRole
from diaspora.auth.services import (
    email_change_token,
    end_all_sessions,
    find_user_by_email,
    fingerprint,
    hash_password,
    make_token,
    normalise_email,
    reset_token,
    withdraw_email_change,
)
from diaspora.core.time import utcnow
from diaspora.core.urls import external_url
from diaspora.core.words import N_
from diaspora.languages import LANGUAGES
from diaspora.notifications import mail
from diaspora.notifications import services as notifications
from diaspora.phones import services as phones
from diaspora.reference.places import DEFAULT_TIME_ZONE, is_time_zone
from diaspora.registry.services import profile_for, refresh_search_text


def _checked_zone(time_zone: str) -> str:
    if not is_time_zone(time_zone):
        raise ValueError(f"{time_zone!r} is not a time zone")
    return time_zone


def register_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: list[str],
    time_zone: str = DEFAULT_TIME_ZONE,
    language: str | None = None,
) -> User | None:
    """Create an unverified account, in the time zone the person chose, and email a
    verification link.

    When the address is taken, the owner of that address is told instead and None is returned,
    so the page that follows reads the same either way. The password is hashed either way too,
    so the time taken does not tell whether the address has an account.
    """
    password_hash = hash_password(password)
    existing = find_user_by_email(session, email)
    if existing is not None:
        _tell_owner(session, existing, N_("Someone tried to register with your email address"))
        return None
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        password_hash=password_hash,
        time_zone=_checked_zone(time_zone),
        language=language if language in LANGUAGES else None,
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
        N_("Confirm your email address"),
        "verify_email",
        user=user,
        url=external_url("auth.verify_email", token=token),
    )


def update_details(
    session: Session,
    user: User,
    display_name: str,
    time_zone: str,
    language: str | None = None,
) -> None:
    """The person's name, zone and, when given, the language they read the service in."""
    user.display_name = display_name.strip()
    user.time_zone = _checked_zone(time_zone)
    if language is not None:
        if language not in LANGUAGES:
            raise ValueError(f"not a language the service speaks: {language!r}")
        user.language = language
    # Directory search looks for people by name: keep the profile's search text in step.
    profile = profile_for(session, user)
    if profile is not None:
        refresh_search_text(profile)


def send_password_reset(session: Session, email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return
    mail.queue(
        session,
        user.email,
        N_("Reset your password"),
        "reset_password",
        user=user,
        url=external_url("auth.reset_password", token=reset_token(user)),
    )


def set_password(
    session: Session, user: User, password: str, *, via: str, revoke_tokens: bool = False
) -> None:
    """A new password: every session ends, a pending email change is withdrawn (whoever asked
    for it may have known the old password) and, when the person chose so, their API tokens
    are revoked."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    withdraw_email_change(user)
    revoked = api_tokens.revoke_all(session, user, reason=f"password_{via}") if revoke_tokens else 0
    record(
        session,
        "account.password_changed",
        actor=user,
        subject=user,
        via=via,
        tokens_revoked=revoked,
    )
    mail.queue(
        session, user.email, N_("Your password has been changed"), "password_changed", user=user
    )


def _tell_owner(session: Session, owner: User, subject: str) -> None:
    """Someone tried to take an address that has an account: its owner hears, with the ways in."""
    mail.queue(
        session,
        owner.email,
        subject,
        "already_registered",
        user=owner,
        sign_in_url=external_url("auth.sign_in"),
        reset_url=external_url("auth.forgot_password"),
    )


def request_email_change(session: Session, user: User, new_email: str) -> None:
    """Email a confirmation link to the new address. Only the newest link works: this request
    withdraws every earlier one, even when the new address turns out to be taken."""
    new_email = normalise_email(new_email)
    withdraw_email_change(user)
    taken = find_user_by_email(session, new_email)
    if taken is not None:
        _tell_owner(session, taken, N_("Someone tried to use your email address"))
        return
    user.pending_email = new_email
    user.email_change_nonce = secrets.token_urlsafe(16)
    token = email_change_token(user)
    mail.queue(
        session,
        new_email,
        N_("Confirm your new email address"),
        "confirm_new_email",
        user=user,
        url=external_url("auth.confirm_email_change", token=token),
    )
    record(session, "account.email_change_requested", actor=user, subject=user)


def confirm_email_change(session: Session, user: User) -> bool:
    """Move the account to its new address; False when someone took it meanwhile."""
    new_email = user.pending_email
    if new_email is None or find_user_by_email(session, new_email) is not None:
        withdraw_email_change(user)
        return False
    old_email = user.email
    user.email = new_email
    withdraw_email_change(user)
    user.email_verified_at = utcnow()
    mail.queue(session, old_email, N_("Your email address has changed"), "email_changed", user=user)
    record(session, "account.email_changed", actor=user, subject=user)
    return True


def _text_code(session: Session, user: User, code: phones.Code) -> None:
    notifications.queue_account_text(
        session,
        user,
        code.number,
        N_("Your confirmation code"),
        "notifications/mobile_code.txt",
        code=code.code,
    )


def add_mobile(session: Session, user: User, number: str) -> None:
    """Start adding or changing the person's mobile number (E.164) and text it its code.
    Raises phones.MobileError when the rules do not allow it now."""
    _text_code(session, user, phones.add_number(session, user, number))


def resend_mobile_code(session: Session, user: User) -> None:
    """Text a new code to the number waiting for one (phones.MobileError when not allowed)."""
    _text_code(session, user, phones.resend_code(session, user))


def remove_mobile(session: Session, user: User) -> bool:
    """Remove the person's number and cancel the texts waiting for it: kinds they chose texts
    for go by email. False when there was none."""
    if not phones.remove(session, user):
        return False
    notifications.cancel_waiting_texts(session, user.id)
    return True
