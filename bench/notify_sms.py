"""Delivery of due texts from the outbox through the text channel to a local GOV.UK Notify.

The outbox gets due text rows for people with confirmed mobile numbers;
`notifications.jobs.deliver_due`, the function each scheduler tick runs, claims them in batches
and sends each with Notify's official client to the local server of bench/notify_server.py (in
a process of its own), which checks each request's token as Notify does and writes down each
text's reference.

Figures:
  notify.sms_per_s       texts a second through deliver_due
  notify.sms_duplicates  texts Notify received more than once (must be 0)
On stderr: the timing, and any text not received.

`BENCH_NOTIFY_SIZE` (or `run(url, size=...)`) changes the number of texts.
"""

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.figures import Figure
from bench.notify_server import NotifyProcess
from diaspora import create_app
from diaspora.auth.models import User
from diaspora.config import Config
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.models import Channel, DeliveryState, Notification
from diaspora.phones.models import MobileNumber

SIZE = int(os.environ.get("BENCH_NOTIFY_SIZE", "2000"))
PEOPLE = 500


def load_outbox(size: int) -> list[int]:
    """`size` due texts for up to PEOPLE people with confirmed numbers; their ids. They are due
    a minute ago by the real clock (Notify checks the token's time against its own)."""
    due = utcnow() - timedelta(minutes=1)
    people = min(PEOPLE, size)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"bench-text-{n}@example.org",
                "display_name": f"Bench person {n}",
                "password_hash": "!bench",
                "time_zone": "Europe/London",
                "active": True,
                "session_token": f"bench-texts-{n}",
            }
            for n in range(people)
        ],
    )
    user_ids = list(db.session.scalars(select(User.id).where(User.email.like("bench-text-%"))))
    db.session.execute(
        insert(MobileNumber),
        [
            {
                "user_id": user_id,
                "number": f"+4479{n:08d}",
                "confirmed_at": due,
                "code_attempts": 0,
                "codes_sent": 0,
                "created_at": due,
            }
            for n, user_id in enumerate(user_ids)
        ],
    )
    db.session.execute(
        insert(Notification),
        [
            {
                "recipient_id": user_ids[n % people],
                "kind": "booking_reminder",
                "channel": Channel.SMS,
                "subject": "Your teaching session starts in an hour",
                "body": "Hello, your session on safe caesarean practice starts at 10:00. "
                "Join from the link in the service.",
                "link": f"/sessions/{n}",
                "dedupe_key": f"bench-text:{n}",
                "due_at": due,
                "digest": False,
                "state": DeliveryState.PENDING,
                "attempts": 0,
                "created_at": due,
            }
            for n in range(size)
        ],
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(Notification.id).where(Notification.dedupe_key.like("bench-text:%"))
        )
    )


def run(database_url: str, size: int = SIZE) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as directory:
        notify = NotifyProcess(Path(directory) / "references.txt").start()
        try:
            app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, **notify.settings())
            with app.app_context():
                ids = load_outbox(size)
                db.session.remove()
                started = time.perf_counter()
                sent = deliver_due()  # the real clock: Notify checks the token's time
                seconds = time.perf_counter() - started
                db.session.remove()
                db.engine.dispose()
            received = notify.references()
        finally:
            notify.stop()
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    missing = len({f"notification-{i}" for i in ids} - set(received))
    rate = size / seconds
    print(
        f"notify_sms: {sent} texts sent by deliver_due in {seconds:.2f} s ({rate:.0f}/s); "
        f"{missing} missing, {duplicates} duplicates",
        file=sys.stderr,
        flush=True,
    )
    if missing:
        raise RuntimeError(f"{missing} texts never reached the local Notify")
    return [
        Figure("notify.sms_per_s", rate, "per_s"),
        Figure("notify.sms_duplicates", duplicates, "messages"),
    ]


if __name__ == "__main__":
    from bench.database import fresh_database

    with fresh_database(os.environ.get("BENCH_DATABASE_URL")) as url:
        for figure in run(url):
            print(figure.line(), flush=True)
