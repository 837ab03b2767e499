"""The console SMTP sink of `make run`: what a newcomer reads when the scheduler sends mail."""

import io
import smtplib
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from diaspora.account.services import send_verification
from diaspora.notifications.console import Console, links
from diaspora.notifications.jobs import deliver_due
from tests.helpers import free_port


class Printed:
    """The console handler on a free local port, printing into a buffer."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.port = free_port()
        self.controller = Controller(Console(out=self.buffer), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "Printed":
        self.controller.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.controller.stop()

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


def test_a_verification_email_prints_its_link_on_a_line_of_its_own(app, db, make):
    user = make.user(email="newcomer@example.org", verified=False)
    with Printed() as console:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=console.port)
        send_verification(db.session, user)
        db.session.commit()
        assert deliver_due() == 1

    lines = console.text.splitlines()
    assert lines[1].startswith("=") and " Email " in lines[1]
    assert "To:      newcomer@example.org" in lines
    assert "Subject: Confirm your email address" in lines
    link_lines = lines[lines.index("Links:") + 1 :]
    assert link_lines[0].startswith("  http://") and "/account/verify/" in link_lines[0]
    assert link_lines[0].strip() in console.text.split("-" * 72)[1]  # the text follows
    assert console.text.rstrip().endswith("\n" + "=" * 72)


def test_attachments_and_several_links_are_listed(app):
    message = EmailMessage()
    message["From"] = "service@example.org"
    message["To"] = "a@example.org"
    message["Subject"] = "Your place is booked: Sepsis teaching"
    message.set_content(
        "See https://example.org/bookings/1. Join at https://meet.example.org/x.\n"
        "Again: https://example.org/bookings/1\n"
    )
    message.add_attachment(
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", subtype="calendar", filename="session.ics"
    )
    with Printed() as console, smtplib.SMTP("127.0.0.1", console.port) as smtp:
        smtp.send_message(message)

    assert "\nLinks:\n  https://example.org/bookings/1\n  https://meet.example.org/x\n" in (
        console.text
    )
    assert "Attached: session.ics" in console.text


def test_links_keep_their_order_and_drop_sentence_ends():
    assert links("Go to https://a.example/x, then (https://b.example/y).") == [
        "https://a.example/x",
        "https://b.example/y",
    ]
