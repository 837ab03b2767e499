"""Delivery of 10,000 due emails from the outbox to a local SMTP sink.

The outbox gets 10,000 due email rows (for 1,000 people); `notifications.jobs.deliver_due`,
the function each scheduler tick runs, claims them in batches and sends them to an aiosmtpd
sink running in a process of its own, which writes down each Message-ID. The yardstick is a
plain loop that sends the same 10,000 messages (already written) with smtplib over one
connection to a fresh sink of the same kind: the floor the SMTP exchange itself costs.

Figures:
  reminders.delivery_per_s            emails a second through deliver_due
  reminders.delivery_ratio_vs_smtplib deliver_due's rate / the plain smtplib loop's rate
  reminders.duplicates                messages the sink received more than once (must be 0)
On stderr: the timings, and any email not received.

`BENCH_REMINDERS_SIZE` (or `run(url, size=...)`) changes the number of emails.
"""

import os
import smtplib
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy import insert, select

from bench.figures import Figure
from bench.smtp_sink import SinkProcess
from diaspora import create_app
from diaspora.auth.models import User
from diaspora.config import Config
from diaspora.extensions import db
from diaspora.notifications import delivery
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.models import Channel, DeliveryState, Notification

SIZE = int(os.environ.get("BENCH_REMINDERS_SIZE", "10000"))
PEOPLE = 1_000
DUE = datetime(2027, 5, 4, 8, 0, tzinfo=UTC)
NOW = datetime(2027, 5, 4, 9, 0, tzinfo=UTC)


def load_outbox(size: int) -> list[int]:
    """`size` due email rows for up to PEOPLE people, inserted in bulk; their ids."""
    people = min(PEOPLE, size)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"bench-reminder-{n}@example.org",
                "display_name": f"Bench person {n}",
                "password_hash": "!bench",
                "time_zone": "Europe/London",
                "active": True,
                "session_token": f"bench-reminders-{n}",
            }
            for n in range(people)
        ],
    )
    user_ids = list(db.session.scalars(select(User.id).where(User.email.like("bench-reminder-%"))))
    for start in range(0, size, 5_000):
        db.session.execute(
            insert(Notification),
            [
                {
                    "recipient_id": user_ids[n % people],
                    "kind": "milestone_reminder",
                    "channel": Channel.EMAIL,
                    "subject": f"Your end-of-placement report is due in 7 days ({n})",
                    "body": (
                        f"Hello Bench person {n % people},\n\nYour end-of-placement report is "
                        "due on 11 May 2027. Ask your educational supervisor to sign it off."
                    ),
                    "link": f"/plans/{n % people}",
                    "dedupe_key": f"bench:{n}",
                    "due_at": DUE,
                    "digest": False,
                    "state": DeliveryState.PENDING,
                    "attempts": 0,
                    "created_at": DUE,
                }
                for n in range(start, min(size, start + 5_000))
            ],
        )
    db.session.commit()
    return list(
        db.session.scalars(select(Notification.id).where(Notification.dedupe_key.like("bench:%")))
    )


def plain_messages(app, ids: list[int]) -> list[tuple[str, bytes]]:
    """The same emails deliver_due sends, written beforehand: (recipient, bytes)."""
    rows = db.session.execute(
        select(Notification, User.email, User.display_name)
        .join(User, User.id == Notification.recipient_id)
        .where(Notification.id.in_(ids))
    ).all()
    composer = delivery.Composer(app.config, NOW)
    messages = []
    for notification, email, name in rows:
        outgoing = delivery.Outgoing(
            [
                delivery.Row(
                    notification.id,
                    notification.kind,
                    notification.subject,
                    notification.body,
                    notification.link,
                    None,
                    None,
                    DUE,
                )
            ],
            email,
            name,
        )
        composer.compose(outgoing)
        messages.append((email, outgoing.data))
    return messages


def smtplib_loop(port: int, messages: list[tuple[str, bytes]], sender: str) -> float:
    """Seconds to send the messages with smtplib over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for to, data in messages:
            smtp.sendmail(sender, [to], data)
    return time.perf_counter() - started


def run(database_url: str, size: int = SIZE) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-smtp-") as directory:
        sink = SinkProcess(Path(directory) / "deliver.txt").start()
        try:
            app = create_app(
                Config,
                SQLALCHEMY_DATABASE_URI=database_url,
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=sink.port,
            )
            with app.app_context():
                ids = load_outbox(size)
                db.session.remove()
                started = time.perf_counter()
                sent = deliver_due(now=NOW)
                seconds = time.perf_counter() - started
                sink.wait_for(size, timeout=60)
                received = sink.ids()
                messages = plain_messages(app, ids)
                sender = parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1]
                db.session.remove()
                db.engine.dispose()
        finally:
            sink.stop()
        with SinkProcess(Path(directory) / "smtplib.txt") as plain_sink:
            plain_seconds = smtplib_loop(plain_sink.port, messages, sender)
            plain_sink.wait_for(size, timeout=60)

    expected = {delivery.message_id(i, delivery.message_domain(app.config)) for i in ids}
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    missing = len(expected - set(received))
    rate, plain_rate = size / seconds, size / plain_seconds
    print(
        f"reminders_delivery: {sent} sent by deliver_due in {seconds:.2f} s ({rate:.0f}/s); "
        f"smtplib loop {plain_seconds:.2f} s ({plain_rate:.0f}/s); "
        f"{missing} missing, {duplicates} duplicates",
        file=sys.stderr,
        flush=True,
    )
    if missing:
        raise RuntimeError(f"{missing} emails never reached the sink")
    return [
        Figure("reminders.delivery_per_s", rate, "msg/s"),
        Figure("reminders.delivery_ratio_vs_smtplib", rate / plain_rate, "ratio"),
        Figure("reminders.duplicates", duplicates, "messages"),
    ]


if __name__ == "__main__":
    from bench.database import fresh_database

    with fresh_database(os.environ.get("BENCH_DATABASE_URL")) as url:
        for figure in run(url):
            print(figure.line(), flush=True)
