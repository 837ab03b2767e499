"""The reminder before an API token expires: one email (and inbox message) per token, a week
before (API_TOKEN_REMIND_DAYS), so the systems that use it can be given a new one in time.

The notification's dedupe key `token:<id>:expires`, unique per recipient and channel, makes the
reminder once only, however often the job runs and in however many processes. A token made to
live for less than the reminder period is not reminded about: its owner has just chosen its date.
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from diaspora.api.models import AccessToken
from diaspora.auth.models import User
from diaspora.core.time import as_utc, utcnow
from diaspora.core.urls import service_path
from diaspora.extensions import db
from diaspora.languages import force_locale, format_local, language_of
from diaspora.notifications.models import Notification
from diaspora.notifications.services import notify

KIND = "token_expiry"


def _key(token: AccessToken) -> str:
    return f"token:{token.id}:expires"


def token_reminders(now: datetime | None = None) -> int:
    """Write the reminders that have fallen due; returns how many tokens were reminded about."""
    now = as_utc(now or utcnow())
    session = db.session
    lead = timedelta(days=current_app.config["API_TOKEN_REMIND_DAYS"])
    due = session.scalars(
        select(AccessToken)
        .join(User, User.id == AccessToken.user_id)
        .where(
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now,
            AccessToken.expires_at <= now + lead,
            User.active.is_(True),
        )
        .options(joinedload(AccessToken.user))
        .order_by(AccessToken.id)
    ).all()
    reminded = set(
        session.scalars(
            select(Notification.dedupe_key).where(
                Notification.kind == KIND,
                Notification.dedupe_key.in_([_key(token) for token in due]),
            )
        )
    )
    session.commit()  # end the read
    path = service_path("api_tokens.token_list")
    written = 0
    for token in due:
        if _key(token) in reminded or as_utc(token.created_at) > as_utc(token.expires_at) - lead:
            continue
        days = max(1, (as_utc(token.expires_at) - now).days)
        with force_locale(language_of(token.user)):  # the message is in its recipient's language
            subject = ngettext(
                "Your API token “%(name)s” expires in %(num)d day",
                "Your API token “%(name)s” expires in %(num)d days",
                days,
                name=token.name,
            )
            expires = format_local(as_utc(token.expires_at), "%-d %B %Y")
        notify(
            session,
            token.user,
            KIND,
            subject=subject,
            template="api_token_expiry",
            link=path,
            dedupe_key=_key(token),
            token=token,
            expires=expires,
        )
        try:
            session.commit()
        except IntegrityError:  # another process wrote the same reminder first
            session.rollback()
            continue
        written += 1
    return written
