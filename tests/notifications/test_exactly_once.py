"""Exactly once: 2,000 due emails (and 600 texts, and 600 WhatsApp messages), three schedulers
claiming at the same time, each with its own connection. Every message reaches the SMTP server
(or Notify, or the WhatsApp Cloud API) once: none twice, none left behind.

2,000 emails are 20 batches that the three claimers contend for, enough for a claim that lets a
row through twice to show; the volume itself (10,000 emails, duplicates counted) is measured by
`bench/reminders_delivery.py`, not here, where it cost minutes of the suite."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import event

from bench.notify_server import NotifyServer
from bench.whatsapp_server import WhatsAppServer
from diaspora.extensions import db
from diaspora.notifications.jobs import claim, deliver_due
from diaspora.notifications.models import Channel, DeliveryState, Notification
from tests.notifications.conftest import message_id

COUNT = 2_000
CLAIMERS = 3
T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)


def claim_at_once(committed) -> list[int]:
    """Three schedulers' deliveries started together, each with its own connection: how many
    messages each sent."""
    start = threading.Barrier(CLAIMERS)
    sent: list[int] = []
    errors: list[BaseException] = []

    def claimer() -> None:
        try:
            with committed.app.app_context():
                start.wait()
                sent.append(deliver_due(now=T0))
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=claimer) for _ in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    return sent


@pytest.mark.slow
def test_three_concurrent_claimers_send_2000_emails_exactly_once(committed):
    ids = committed.add_due(COUNT, T0)
    assert len(ids) == COUNT
    with time_machine.travel(T0, tick=False):
        sent = claim_at_once(committed)

    assert sum(sent) == COUNT
    assert all(count > 0 for count in sent), f"one claimer did nothing: {sent}"
    committed.sink.wait_for(COUNT)
    received = committed.sink.ids()
    assert committed.sink.total == COUNT
    assert set(received.values()) == {1}, "an email arrived twice"
    assert set(received) == {message_id(i) for i in ids}
    assert committed.states() == {DeliveryState.SENT: COUNT}


def test_a_claim_locks_as_each_database_needs(committed):
    """SQLite: the claim's transaction takes the write lock first; PostgreSQL: rows another
    claimer holds are skipped, not waited for."""
    committed.add_due(3, T0, recipients=1)
    statements: list[str] = []
    with committed.app.app_context():

        def _record(_conn, _cursor, statement, *_args):
            statements.append(" ".join(statement.split()))

        event.listen(db.engine, "before_cursor_execute", _record)
        try:
            assert len(claim(db.session, T0)) == 3
        finally:
            event.remove(db.engine, "before_cursor_execute", _record)
        db.session.remove()
    if committed.url.startswith("sqlite"):
        assert statements[0] == "BEGIN IMMEDIATE"
    else:
        assert any(s.endswith("FOR UPDATE SKIP LOCKED") for s in statements), statements


TEXTS = 600


@pytest.mark.slow
def test_three_concurrent_claimers_send_texts_through_notify_exactly_once(committed):
    """The same claim through the text channel: every text reaches Notify once."""
    ids = committed.add_due(TEXTS, T0, recipients=100, channel=Channel.SMS)
    with NotifyServer() as notify:
        committed.app.config.update(notify.settings())
        sent = claim_at_once(committed)  # a real clock: Notify checks the token's time
        received = notify.references()

    assert sum(sent) == TEXTS
    assert set(received.values()) == {1}, "a text arrived twice"
    assert set(received) == {f"notification-{i}" for i in ids}
    assert committed.states() == {DeliveryState.SENT: TEXTS}


@pytest.mark.slow
def test_three_concurrent_claimers_send_whatsapp_messages_exactly_once(committed):
    """The same claim through the WhatsApp channel: every message reaches the Cloud API once,
    each with the gateway's id kept for its receipts."""
    ids = committed.add_due(TEXTS, T0, recipients=100, channel=Channel.WHATSAPP)
    with WhatsAppServer() as whatsapp:
        committed.app.config.update(whatsapp.settings())
        sent = claim_at_once(committed)
        received = whatsapp.references()
        gateway_ids = {m["id"] for m in whatsapp.messages}

    assert sum(sent) == TEXTS
    assert set(received.values()) == {1}, "a WhatsApp message arrived twice"
    assert set(received) == {f"notification-{i}" for i in ids}
    assert committed.states() == {DeliveryState.SENT: TEXTS}
    with committed.app.app_context():
        kept = set(db.session.scalars(db.select(Notification.gateway_id)))
        db.session.remove()
    assert kept == gateway_ids
