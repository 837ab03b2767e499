"""Email over SMTP, sent only after the database transaction that asked for it commits.

Messages queued during a request wait in the SQLAlchemy session's `info`; a rollback drops them,
so nobody is emailed about a change that never happened.
"""

import logging
import smtplib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_PENDING = "pending_mail"


class Mailer:
    def init_app(self, app: Flask) -> None:
        app.extensions["mailer"] = self

    def queue(
        self, session: Session, to: str, subject: str, template: str, **context: object
    ) -> EmailMessage:
        """Render `templates/email/<template>.txt` and send it once `session` commits."""
        message = self.build(to, subject, render_template(f"email/{template}.txt", **context))
        session.info.setdefault(_PENDING, []).append((current_app._get_current_object(), message))
        return message

    def build(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="diaspora.localhost")
        # 8bit keeps links whole for people reading mail as text (quoted-printable splits them).
        message.set_content(body, cte="8bit")
        return message

    @staticmethod
    def deliver(app: Flask, messages: list[EmailMessage]) -> None:
        with smtp_connection(app.config) as smtp:
            options = mail_options(smtp)
            for message in messages:
                smtp.send_message(message, mail_options=options)


@contextmanager
def smtp_connection(config: Mapping[str, Any]) -> Iterator[smtplib.SMTP]:
    """One connection to the configured SMTP server (TLS and login when configured), closed
    afterwards. Raises OSError or smtplib.SMTPException when the server cannot be reached."""
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
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


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    by_app: dict[Flask, list[EmailMessage]] = {}
    for app, message in pending:
        by_app.setdefault(app, []).append(message)
    for app, messages in by_app.items():
        try:
            Mailer.deliver(app, messages)
        except (OSError, smtplib.SMTPException) as error:
            # The change is committed; say what failed without naming the recipients.
            log.error("Could not send %d email(s): %s", len(messages), type(error).__name__)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
