"""Who is signed in: Flask-Login finds the account by the alternative id its session carries,
and sends anyone who must sign in first to the sign-in page."""

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload

from diaspora.auth.models import Role, User
from diaspora.extensions import db, login_manager


def signed_in() -> User:
    """The signed-in account itself rather than Flask-Login's proxy, fit to hand to services."""
    return current_user._get_current_object()


def staff_only() -> None:
    """403 for anyone signed in without the staff role."""
    if not current_user.has_role(Role.STAFF):
        abort(403)


def admins_only() -> None:
    """403 for anyone signed in without the administrator role."""
    if not current_user.has_role(Role.ADMIN):
        abort(403)


def _load_user(session_token: str) -> User | None:
    """The account whose session token the cookie carries, with its roles (one statement: every
    signed-in request asks it)."""
    user = db.session.scalar(
        db.select(User).where(User.session_token == session_token).options(joinedload(User.roles))
    )
    return user if user is not None and user.active else None


def register_login() -> None:
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
