"""Fixtures for the notifications tests: people in given time zones, an SMTP server that can be
told to refuse, queued messages, and a committed database for tests with several connections.

The `db` fixture's transaction is invisible to other connections, so the concurrency tests use
`committed`: a fresh application on a database of its own (a SQLite file, or a PostgreSQL
schema), migrated to head and dropped afterwards.
"""

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import insert

from bench.notify_server import NotifyServer
from bench.smtp_sink import SinkProcess
from bench.whatsapp_server import WhatsAppServer
from diaspora import create_app
from diaspora.auth.models import User
from diaspora.auth.services import hash_password
from diaspora.config import TestConfig
from diaspora.core.time import utcnow
from diaspora.extensions import db as _db
from diaspora.notifications.models import Channel, DeliveryState, Notification
from diaspora.phones.models import MobileNumber
from tests.conftest import own_database
from tests.helpers import SmtpSink, free_port

DOMAIN = "diaspora.localhost"


def message_id(notification_id: int) -> str:
    return f"<notification-{notification_id}@{DOMAIN}>"


class ControlledSink(SmtpSink):
    """The tests' SMTP server, told what to answer: `refuse_with = "421 ..."` answers every
    message with that reply (a 421 also closes the connection), `refuse_rcpt` does so for
    recipients (e.g. "550 ..."); None accepts as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse_with: str | None = None
        self.refuse_rcpt: str | None = None

    async def handle_RCPT(self, _server, _session, envelope, address, _options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        return await super().handle_DATA(server, session, envelope)

    def ids(self) -> Counter:
        """How many times each Message-ID arrived."""
        return Counter(message["Message-ID"] for message in self.messages)


@pytest.fixture
def sink(app) -> Iterator[ControlledSink]:
    server = ControlledSink()
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()


@pytest.fixture
def nowhere(app) -> int:
    """Point the app at a port nobody listens on: connections are refused."""
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    return port


@pytest.fixture
def person(make, db):
    """person(time_zone=..., **user fields) -> a user living in that time zone."""

    def _person(time_zone: str = "Europe/London", **kwargs) -> User:
        user = make.user(**kwargs)
        user.time_zone = time_zone
        db.session.commit()
        return user

    return _person


@pytest.fixture
def queue(db):
    """queue(user, **fields) -> an email row put straight in the outbox (committed)."""

    def _queue(user: User, channel: str = Channel.EMAIL, **fields) -> Notification:
        values = {
            "recipient_id": user.id,
            "kind": "engagement_update",
            "channel": channel,
            "subject": "Your application",
            "body": "The organisation has answered your application.",
            "link": "/engagements",
            "due_at": utcnow(),
            "state": DeliveryState.PENDING,
            "attempts": 0,
        }
        row = Notification(**(values | fields))
        db.session.add(row)
        db.session.commit()
        return row

    return _queue


# A committed database, for several connections at once -----------------------------------


@dataclass
class Committed:
    app: Flask
    sink: SinkProcess
    url: str

    def add_due(
        self, count: int, due_at: datetime, recipients: int = 50, channel: str = Channel.EMAIL
    ) -> list[int]:
        """`count` due email rows (or texts or WhatsApp messages: each person then has a
        confirmed mobile number),
        for `recipients` people, inserted in bulk; returns the ids."""
        with self.app.app_context():
            session = _db.session
            password = hash_password("not used in these tests")
            users = [
                User(
                    email=f"bulk{n}-{os.getpid()}@example.org",
                    display_name=f"Bulk {n}",
                    password_hash=password,
                    time_zone="Europe/London",
                    active=True,
                )
                for n in range(recipients)
            ]
            session.add_all(users)
            session.flush()
            user_ids = [user.id for user in users]
            if channel in (Channel.SMS, Channel.WHATSAPP):
                session.add_all(
                    MobileNumber(
                        user_id=user_id,
                        number=f"+4479{n:08d}",
                        confirmed_at=due_at,
                        code_attempts=0,
                        codes_sent=0,
                    )
                    for n, user_id in enumerate(user_ids)
                )
            session.execute(
                insert(Notification),
                [
                    {
                        "recipient_id": user_ids[n % recipients],
                        "kind": "milestone_reminder",
                        "channel": channel,
                        "subject": f"Reminder {n}",
                        "body": "A milestone in your plan is due soon.",
                        "link": "/plans",
                        "dedupe_key": f"bulk:{n}",
                        "due_at": due_at,
                        "digest": False,
                        "state": DeliveryState.PENDING,
                        "attempts": 0,
                        "created_at": due_at,
                    }
                    for n in range(count)
                ],
            )
            session.commit()
            ids = list(
                session.scalars(
                    _db.select(Notification.id).where(Notification.dedupe_key.like("bulk:%"))
                )
            )
            session.remove()
            return ids

    def states(self) -> Counter:
        with self.app.app_context():
            rows = _db.session.execute(
                _db.select(Notification.state, _db.func.count()).group_by(Notification.state)
            ).all()
            _db.session.remove()
            return Counter(dict(rows))


@pytest.fixture
def committed(database_url, tmp_path) -> Iterator[Committed]:
    """A fresh app on a database of its own, of the same kind as this run's `database_url`,
    with an SMTP sink in a process of its own (counting Message-IDs); everything it writes is
    committed and seen by every connection."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    sink = SinkProcess(tmp_path / "message-ids.txt").start()
    try:
        with own_database(kind, tmp_path, "outbox") as url:
            app = create_app(
                TestConfig,
                SQLALCHEMY_DATABASE_URI=url,
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=sink.port,
            )
            yield Committed(app, sink, url)
            with app.app_context():
                _db.engine.dispose()
    finally:
        sink.stop()


# GOV.UK Notify, played by a local server --------------------------------------------------


@pytest.fixture
def notify(app) -> Iterator[NotifyServer]:
    """A local Notify on a real socket; the app's text channel is configured to use it."""
    server = NotifyServer().start()
    app.config.update(server.settings())
    yield server
    server.stop()


@pytest.fixture
def whatsapp(app) -> Iterator[WhatsAppServer]:
    """A local WhatsApp Cloud API on a real socket; the app's WhatsApp channel and webhook are
    configured to use it."""
    server = WhatsAppServer().start()
    app.config.update(server.settings())
    yield server
    server.stop()


@pytest.fixture
def mobile(db):
    """mobile(user, number) -> the person's confirmed number (committed)."""

    def _mobile(user: User, number: str = "+447911123456") -> MobileNumber:
        row = MobileNumber(
            user_id=user.id, number=number, confirmed_at=utcnow(), code_attempts=0, codes_sent=0
        )
        db.session.add(row)
        db.session.commit()
        return row

    return _mobile
