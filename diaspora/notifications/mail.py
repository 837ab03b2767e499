"""Account emails (verification, password reset, invitations...) go through the outbox.

`mail.queue` writes an outbox row in the caller's session: it is sent only if the caller's
transaction commits, by the scheduler's next delivery run, so a request never waits on the SMTP
server (and how long it takes says nothing about which addresses have accounts). Also here: the
SMTP connection the delivery job uses.
"""

import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.languages import force_locale, language_of, translated
from diaspora.notifications.models import Channel, DeliveryState, Notification

# The outbox kind of account emails: sent at once, never held for a daily summary, never
# subject to preferences, never shown in an inbox.
ACCOUNT_KIND = "account"


def queue(
    session: Session, to: str, subject: str, template: str, **context: object
) -> Notification:
    """Render `templates/email/<template>.txt` into an outbox email to the address `to`,
    due at once, sent once `session` commits.

    It is written in the recipient's language, whoever caused it: the account it is about (the
    `user` it is rendered for), else the account the address belongs to, else English."""
    with force_locale(recipient_language(session, to, context.get("user"))):
        subject = translated(subject)
        body = render_template(f"email/{template}.txt", **context)
    row = Notification(
        recipient_id=None,
        address=to,
        kind=ACCOUNT_KIND,
        channel=Channel.EMAIL,
        subject=subject,
        body=body,
        due_at=utcnow(),
        digest=False,
        state=DeliveryState.PENDING,
        attempts=0,
    )
    session.add(row)
    return row


def recipient_language(session: Session, address: str, user: object = None) -> str:
    """The language an email to `address` is written in: that of the account it is about when
    the address is that account's, else that of the account holding the address, else
    English."""
    if user is not None and getattr(user, "email", None) == address:
        return language_of(user)
    holder = session.scalar(select(User).where(User.email == address.strip().lower()))
    return language_of(holder)


@contextmanager
def smtp_connection(config: Mapping[str, Any]) -> Iterator[smtplib.SMTP]:
    """One connection to the configured SMTP server (TLS and login when configured), closed
    afterwards. Raises OSError or smtplib.SMTPException when the server cannot be reached."""
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())  # the relay's certificate checked
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def mail_options(smtp: smtplib.SMTP) -> list[str]:
    """8bit bodies when the server says it takes them."""
    return ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
