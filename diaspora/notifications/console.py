"""The local SMTP sink of `make run`: each email the scheduler sends is printed to the console
as one block that stands out among the server's log lines, with its recipient, subject and
links on lines of their own (a newcomer's verification link, above all), then its text.

Run by aiosmtpd: `python -m aiosmtpd -n -c diaspora.notifications.console.Console`.
Development only: it prints whole messages, links with their tokens included.
"""

import re
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TextIO

WIDTH = 72
_LINK = re.compile(r"https?://[^\s<>\"')\]]+")


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain", "html"))
    return body.get_content() if body is not None else ""


def links(text: str) -> list[str]:
    """The links in a text, each once, in order (a full stop ending a sentence left out)."""
    found: list[str] = []
    for link in _LINK.findall(text):
        link = link.rstrip(".,;:")
        if link not in found:
            found.append(link)
    return found


def summary(raw: bytes, recipients: list[str]) -> str:
    """The block printed for one email."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text = _text(message).rstrip()
    attachments = [part.get_filename() or "(unnamed)" for part in message.iter_attachments()]
    found = links(text)
    lines = [
        "",
        " Email ".center(WIDTH, "="),
        f"To:      {', '.join(recipients) or message['To']}",
        f"Subject: {message['Subject']}",
    ]
    if found:
        lines.append("Links:")
        lines += [f"  {link}" for link in found]
    if attachments:
        lines.append(f"Attached: {', '.join(attachments)}")
    lines += ["-" * WIDTH, text, "=" * WIDTH, ""]
    return "\n".join(lines)


class Console:
    """An aiosmtpd handler that prints a summary of every message it accepts."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    async def handle_DATA(self, _server, _session, envelope) -> str:
        out = self.out or sys.stdout
        print(summary(envelope.content, list(envelope.rcpt_tos)), file=out, flush=True)
        return "250 Message accepted for delivery"
