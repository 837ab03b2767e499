"""Emails built from outbox rows, and sending a batch of them over one SMTP connection (the
email channel of `channels`).

Nothing here touches the database: jobs.py claims the rows, hands them over as `Outgoing`
messages and records each outcome this module reports.
"""

import logging
import mimetypes
import re
import smtplib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any

from flask_babel import gettext, ngettext

from diaspora.core.time import as_utc
from diaspora.core.urls import service_path, service_url
from diaspora.core.words import N_
from diaspora.languages import DEFAULT_LANGUAGE, force_locale, translated
from diaspora.notifications.mail import ACCOUNT_KIND, mail_options, smtp_connection

log = logging.getLogger(__name__)

DIGEST_SUBJECT = N_("Your daily summary")
_ADDRESS = re.compile(r"\S*@\S*")
_UNSAFE = r"\s<>,;:\"()\[\]\\\x00-\x1f\x7f"
_ADDRESS_ONLY = re.compile(rf"[^{_UNSAFE}]+@[^{_UNSAFE}@]+")
_METHOD = re.compile(r"^METHOD:(\w+)", re.M)
MAX_LINE = 998  # octets in a line of an 8bit body (RFC 5322)


@dataclass(frozen=True)
class Row:
    """What an email needs from one outbox row and its recipient."""

    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    attachment_name: str | None
    attachment: str | None
    due_at: datetime


@dataclass
class Outgoing:
    """One message: a single row, or several rows of one person's daily summary (email).
    `to` is an email address, or a mobile number in E.164 for a text."""

    rows: list[Row]
    to: str = field(repr=False)
    name: str = field(repr=False)
    digest: bool = False
    data: bytes | None = field(default=None, repr=False)  # ready to send, or:
    message: EmailMessage | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)  # a text message's words
    language: str = DEFAULT_LANGUAGE  # the recipient's: the summary and footer are in it

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    retry: dict[int, str] = field(default_factory=dict)  # id -> error, to try again later
    failed: dict[int, str] = field(default_factory=dict)  # id -> error, never to be retried
    # Failed because the gateway refuses the recipient's address for good (an invalid number).
    unreachable: list[int] = field(default_factory=list)
    # id -> the message's id at the gateway (Notify, WhatsApp), which its receipts name.
    gateway_ids: dict[int, str] = field(default_factory=dict)


# Building ---------------------------------------------------------------------------------


def message_domain(config: Mapping[str, Any]) -> str:
    """The domain of the sender's address: Message-IDs are made under it."""
    address = parseaddr(str(config["MAIL_DEFAULT_SENDER"]))[1]
    return address.rpartition("@")[2] or "diaspora.localhost"


def message_id(notification_id: int, domain: str, *, digest: bool = False) -> str:
    """Derived from the row, so an email sent again after a crash is recognisably the same."""
    return f"<notification-{notification_id}{'.digest' if digest else ''}@{domain}>"


class Composer:
    """Writes the emails of one batch: plain UTF-8 text sent as 8bit, a link to the service,
    and the calendar files or other attachments the rows carry.

    A plain message (no attachment, an ASCII address, no overlong line) is written straight
    to bytes: the email package takes milliseconds per message, which matters at thousands of
    reminders a tick. Any other message is built with the email package.
    """

    def __init__(self, config: Mapping[str, Any], now: datetime) -> None:
        self.base = service_url(config)
        self.sender = str(config["MAIL_DEFAULT_SENDER"])
        self.envelope_from = parseaddr(self.sender)[1]
        self.domain = message_domain(config)
        self.date = format_datetime(as_utc(now))
        self.service_name = str(config.get("SERVICE_NAME", ""))
        self.footers: dict[str, str] = {}  # by language, written once a batch
        probe = EmailMessage()
        probe["From"] = self.sender
        self.from_header = probe.as_string(policy=SMTP).split("\r\n\r\n")[0]

    def content(self, outgoing: Outgoing) -> tuple[str, str]:
        """The subject (one line) and the body of the email, with its footer."""
        first = min(outgoing.rows, key=lambda row: row.id)
        with force_locale(outgoing.language):
            if outgoing.digest:
                subject = translated(DIGEST_SUBJECT)
                body = _digest_body(outgoing, self.base)
            else:
                # Line breaks in a header would start new headers: a subject is one line.
                subject = " ".join(first.subject.split())
                body = first.body.rstrip() + "\n"
                if first.link:
                    body += "\n" + _open_it(self.base + first.link) + "\n"
            if first.kind != ACCOUNT_KIND:  # account emails may go to people with no account
                body += self._footer(outgoing.language)
        return subject, body

    def compose(self, outgoing: Outgoing) -> None:
        """Set `outgoing.data` (the bytes to send) or `outgoing.message`. Raises ValueError
        for an address that cannot be written in a header."""
        if not _ADDRESS_ONLY.fullmatch(outgoing.to):
            raise ValueError("the recipient's address cannot be used")
        first = min(outgoing.rows, key=lambda row: row.id)
        subject, body = self.content(outgoing)
        identifier = message_id(first.id, self.domain, digest=outgoing.digest)
        lines = body.splitlines()
        plain = (
            outgoing.to.isascii()
            and not any(row.attachment_name for row in outgoing.rows)
            and all(len(line.encode()) <= MAX_LINE for line in lines)
        )
        if plain:
            outgoing.data = self._raw(outgoing.to, subject, identifier, lines)
            return
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = outgoing.to
        message["Subject"] = subject
        message["Date"] = self.date
        message["Message-ID"] = identifier
        # 8bit keeps links whole for people reading mail as text (quoted-printable splits them)
        fits = all(len(line.encode()) <= MAX_LINE for line in lines)
        message.set_content(body, cte="8bit" if fits else None)
        for row in outgoing.rows:
            if row.attachment_name and row.attachment is not None:
                _attach(message, row.attachment_name, row.attachment)
        outgoing.message = message

    def _footer(self, language: str) -> str:
        """The lines under every email but an account one, in the recipient's language."""
        if language not in self.footers:
            inbox = self.base + service_path("notifications.inbox")
            choose = self.base + service_path("notifications.preferences")
            self.footers[language] = (
                f"\n--\n{self.service_name}\n"
                + gettext("Your messages: %(url)s", url=inbox)
                + "\n"
                + gettext("Choose which emails you get: %(url)s", url=choose)
                + "\n"
            )
        return self.footers[language]

    def _raw(self, to: str, subject: str, identifier: str, lines: list[str]) -> bytes:
        if subject.isascii() and subject.isprintable() and len(subject) < 900:
            subject_header = f"Subject: {subject}"
        else:
            encoded = Header(" ".join(subject.split()), "utf-8").encode(linesep="\r\n")
            subject_header = f"Subject: {encoded}"
        head = [
            self.from_header,
            f"To: {to}",
            subject_header,
            f"Date: {self.date}",
            f"Message-ID: {identifier}",
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: 8bit",
        ]
        return ("\r\n".join(head) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode()


def _open_it(url: str) -> str:
    return gettext("Open it in the service:") + "\n" + url


def _digest_body(outgoing: Outgoing, base: str) -> str:
    """The summary's words, in the language the caller has set (`force_locale`)."""
    rows = sorted(outgoing.rows, key=lambda row: (row.due_at, row.id))
    lines = [
        gettext("Hello %(name)s,", name=outgoing.name),
        "",
        ngettext(
            "Here is %(num)d message from the last day.",
            "Here are %(num)d messages from the last day.",
            len(rows),
        ),
    ]
    for number, row in enumerate(rows, 1):
        lines += ["", f"{number}. {row.subject}", "", row.body.strip()]
        if row.link:
            lines += ["", _open_it(base + row.link)]
    return "\n".join(lines) + "\n"


def _attach(message: EmailMessage, name: str, text: str) -> None:
    if name.lower().endswith(".ics"):
        method = _METHOD.search(text)
        params = {"method": method.group(1)} if method else {}
        message.add_attachment(text, subtype="calendar", filename=name, params=params)
        return
    kind = mimetypes.guess_type(name)[0] or "text/plain"
    maintype, _, subtype = kind.partition("/")
    if maintype == "text":
        message.add_attachment(text, subtype=subtype, filename=name)
    else:
        message.add_attachment(
            text.encode("utf-8"), maintype=maintype, subtype=subtype, filename=name
        )


# Sending ----------------------------------------------------------------------------------


def describe(error: BaseException) -> str:
    """What went wrong, for the outbox page and the logs: the kind of error and the server's
    code and words, with any email address taken out."""
    code = getattr(error, "smtp_code", None)
    text = getattr(error, "smtp_error", b"")
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, text = next(iter(error.recipients.values()))
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text and not isinstance(error, smtplib.SMTPResponseException):
        text = str(error)
    text = _ADDRESS.sub("[address]", " ".join(str(text).split()))[:300]
    return f"{type(error).__name__}" + (f" {code}" if code else "") + (f": {text}" if text else "")


def _code(error: BaseException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        return next(iter(error.recipients.values()))[0]
    return getattr(error, "smtp_code", None)


Report = Callable[[Outgoing, Outcome], None]


def send(
    config: Mapping[str, Any], outgoing: Iterable[Outgoing], report: Report | None = None
) -> Outcome:
    """Send each message over one connection. A 5xx answer fails that message for good; a 4xx
    answer, a timeout or a lost connection leaves it (and, when the connection is gone, every
    message not yet sent) to be tried again later.

    `report(item, outcome)` is called as soon as each message's fate is known, with that
    message's outcome alone, so the caller can record it before the next is sent."""
    outcome = Outcome()
    queue = list(outgoing)

    def settle(item: Outgoing, sent: bool = False, **errors: dict[int, str]) -> None:
        one = Outcome(sent=item.ids if sent else [], **errors)
        outcome.sent.extend(one.sent)
        outcome.retry.update(one.retry)
        outcome.failed.update(one.failed)
        if report is not None:
            report(item, one)

    composer_from = parseaddr(str(config["MAIL_DEFAULT_SENDER"]))[1]
    try:
        with smtp_connection(config) as smtp:
            options = mail_options(smtp)
            while queue:
                item = queue[0]
                try:
                    if item.data is not None:
                        smtp.sendmail(composer_from, [item.to], item.data, mail_options=options)
                    else:
                        smtp.send_message(item.message, mail_options=options)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                    # smtplib has reset the conversation, or closed it after a 421
                    queue.pop(0)
                    code = _code(error) or 0
                    errors = dict.fromkeys(item.ids, describe(error))
                    settle(item, **({"failed": errors} if code >= 500 else {"retry": errors}))
                    if code == 421:  # the server is closing the connection
                        raise
                except (ValueError, smtplib.SMTPNotSupportedError) as error:
                    # refused before anything was sent (e.g. an address the server cannot
                    # take): this email fails alone, the connection is still good
                    queue.pop(0)
                    reason = f"Not sent: {type(error).__name__}"  # its words may quote data
                    settle(item, failed=dict.fromkeys(item.ids, reason))
                else:
                    queue.pop(0)
                    settle(item, sent=True)
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, disconnected
        reason = describe(error)
        for item in queue:
            settle(item, retry=dict.fromkeys(item.ids, reason))
        if queue:
            log.warning("SMTP unavailable, %d email(s) left for later: %s", len(queue), reason)
    return outcome
