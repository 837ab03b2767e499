"""Delivering the outbox: claim due emails and texts in batches, send each through its
channel (channels.py), record what happened.

A claim is one short transaction that moves rows from `pending` to `sending`, so two
schedulers never take the same row: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED` lets
them claim different rows side by side; on SQLite the claim starts with `BEGIN IMMEDIATE`,
taking the write lock first, so claims queue one after another. Sending happens outside any
transaction; the outcome of each email is written in a short transaction of its own as soon
as the SMTP server has answered for it.

An email is sent at least once and, unless a process dies between the SMTP server accepting
it and its outcome being written (then that one email is sent again), exactly once: a row
left in `sending` for more than STUCK_AFTER is claimed again, and its Message-ID, derived
from the row's id, shows it is the same email.
"""

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, scoped_session

from diaspora.auth.models import User
from diaspora.core.time import as_utc, utcnow
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.languages import DEFAULT_LANGUAGE, supported
from diaspora.notifications.channels import DELIVERERS
from diaspora.notifications.delivery import Outcome, Outgoing, Row
from diaspora.notifications.mail import ACCOUNT_KIND
from diaspora.notifications.models import TO_NUMBERS, Channel, DeliveryState, Notification
from diaspora.notifications.services import number_failing
from diaspora.notifications.texts import after_quiet_hours
from diaspora.phones.models import MobileNumber

log = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 6
# Wait before attempt n+1 after attempt n failed (the last wait repeats).
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 60, 240)]
STUCK_AFTER = timedelta(minutes=10)


def deliver_due(now: datetime | None = None) -> int:
    """Send every email that is due, batch after batch until none is left; show the inbox
    messages that are due; cancel what is due for disabled or erased accounts. Commits.
    Returns how many emails (outbox rows) were sent.

    `now` fixes the clock (for tests); by default each batch reads the time afresh.
    """
    session = db.session
    session.commit()  # a claim must start its own transaction
    settle(session, _moment(now))
    sent = 0
    while True:
        moment = _moment(now)
        ids = claim(session, moment)
        if not ids:
            return sent
        sent += send_claimed(session, ids, moment)


def _moment(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utcnow()


@contextmanager
def _write(session: Session) -> Iterator[Session]:
    """A short write transaction, committed at the end. On SQLite it takes the write lock at
    once (BEGIN IMMEDIATE), so concurrent writers queue instead of failing."""
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("the session has changes in progress: commit them first")
        session.commit()  # only reads in progress: end them
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def settle(session: Session, now: datetime) -> None:
    """Due messages to disabled or erased accounts are cancelled; due inbox messages are
    recorded as shown."""
    inactive = select(User.id).where(User.active.is_(False))
    with _write(session):
        session.execute(
            update(Notification)
            .where(
                Notification.state.in_([DeliveryState.PENDING, DeliveryState.SENDING]),
                Notification.due_at <= now,
                Notification.recipient_id.in_(inactive),
            )
            .values(state=DeliveryState.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Notification)
            .where(
                Notification.channel == Channel.INBOX,
                Notification.state == DeliveryState.PENDING,
                Notification.due_at <= now,
            )
            .values(state=DeliveryState.SENT, sent_at=now)
            .execution_options(synchronize_session=False)
        )


def _claimable(now: datetime):
    return and_(
        Notification.channel.in_(list(DELIVERERS)),
        or_(
            and_(Notification.state == DeliveryState.PENDING, Notification.due_at <= now),
            and_(
                Notification.state == DeliveryState.SENDING,
                Notification.claimed_at < now - STUCK_AFTER,
            ),
        ),
    )


def claim(session: Session, now: datetime | None = None, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to `limit` due emails (and emails stuck in `sending` for longer than
    STUCK_AFTER): state `sending`, `claimed_at` now, one more attempt. Commits; returns their
    ids. A person's daily summary is claimed whole: all their due summary rows together.

    The session must have no changes in progress."""
    now = _moment(now)
    with _write(session):
        picked = session.execute(
            select(Notification.id, Notification.recipient_id, Notification.digest)
            .where(_claimable(now))
            .order_by(Notification.due_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        ids = [row.id for row in picked]
        summaries = {row.recipient_id for row in picked if row.digest}
        if summaries:
            ids += session.scalars(
                select(Notification.id)
                .where(
                    _claimable(now),
                    Notification.digest.is_(True),
                    Notification.recipient_id.in_(summaries),
                    Notification.id.not_in(ids),
                )
                .with_for_update(skip_locked=True)
            ).all()
        if ids:
            session.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(
                    state=DeliveryState.SENDING,
                    claimed_at=now,
                    attempts=Notification.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
    return ids


def send_claimed(session: Session, ids: list[int], now: datetime | None = None) -> int:
    """Send the claimed rows, each through its channel (email over one SMTP connection, texts
    through Notify), recording each outcome as soon as it is known (so a process that dies
    mid-batch sends again at most the message in flight). A message that cannot be written or
    is refused fails alone; the others still go. Commits. Returns how many rows were sent."""
    now = _moment(now)
    config = current_app.config
    rows = session.execute(
        select(
            Notification,
            User.email,
            User.display_name,
            User.active,
            User.language,
            MobileNumber,
            User.time_zone,
        )
        .outerjoin(User, User.id == Notification.recipient_id)
        .outerjoin(MobileNumber, MobileNumber.user_id == Notification.recipient_id)
        .where(Notification.id.in_(ids), Notification.state == DeliveryState.SENDING)
    ).all()
    attempts = {row.Notification.id: row.Notification.attempts for row in rows}
    inactive = [row.Notification.id for row in rows if row.active is False]
    accounts = {row.Notification.id for row in rows if row.Notification.kind == ACCOUNT_KIND}
    # id -> (recipient, number, channel) of each text and WhatsApp message
    texts: dict[int, tuple[int | None, str, str]] = {}
    # id -> the recipient's time zone, for the texts whose retries wait out the quiet hours
    quiet = {
        row.Notification.id: row.time_zone
        for row in rows
        if row.Notification.channel in TO_NUMBERS and row.Notification.kind != ACCOUNT_KIND
    }
    by_channel: dict[str, list[Outgoing]] = defaultdict(list)
    summaries: dict[int, Outgoing] = {}
    for notification, email, name, active, language, mobile, _zone in rows:
        language = supported(language) or DEFAULT_LANGUAGE
        if active is False:
            continue
        row = Row(
            notification.id,
            notification.kind,
            notification.subject,
            notification.body,
            notification.link,
            notification.attachment_name,
            notification.attachment,
            as_utc(notification.due_at),
        )
        if notification.channel in TO_NUMBERS:
            # A code goes to the number it confirms; other texts to the confirmed number.
            usable = mobile is not None and mobile.usable
            to = notification.address or (mobile.number if usable else "") or ""
            texts[notification.id] = (notification.recipient_id, to, notification.channel)
            by_channel[notification.channel].append(
                Outgoing([row], to, name or "", language=language)
            )
            continue
        to = notification.address or email or ""
        if notification.digest:
            summary = summaries.get(notification.recipient_id)
            if summary is None:
                summary = summaries[notification.recipient_id] = Outgoing(
                    [], to, name, digest=True, language=language
                )
                by_channel[Channel.EMAIL].append(summary)
            summary.rows.append(row)
        else:
            by_channel[notification.channel].append(
                Outgoing([row], to, name or "", language=language)
            )
    session.commit()  # end the read before talking to the SMTP server or Notify
    if inactive:
        with _write(session):
            session.execute(
                update(Notification)
                .where(Notification.id.in_(inactive), Notification.state == DeliveryState.SENDING)
                .values(state=DeliveryState.CANCELLED)
                .execution_options(synchronize_session=False)
            )

    total = Outcome()

    def report(_item: Outgoing, outcome: Outcome) -> None:
        _record(session, outcome, attempts, accounts, now, quiet)
        if outcome.unreachable:
            _unreachable(session, [texts[i] for i in outcome.unreachable if i in texts], now)
        total.sent.extend(outcome.sent)
        total.retry.update(outcome.retry)
        total.failed.update(outcome.failed)

    for channel, items in by_channel.items():
        deliverer = DELIVERERS.get(channel)
        if deliverer is None:  # a channel this version does not know: kept for one that does
            continue
        if channel in TO_NUMBERS:
            nowhere = [item for item in items if not item.to]
            items = [item for item in items if item.to]
            for item in nowhere:
                reason = N_("Not sent: no confirmed mobile number")
                report(item, Outcome(failed=dict.fromkeys(item.ids, reason)))
        deliverer.deliver(config, items, now, report)
    if total.retry or total.failed:
        log.warning(
            "Delivery: %d sent, %d to retry, %d failed",
            len(total.sent),
            len(total.retry),
            len(total.failed),
        )
    return len(total.sent)


def _unreachable(session: Session, texts: list[tuple[int | None, str, str]], now: datetime) -> None:
    """The gateway refused these numbers for good (see `services.number_failing`)."""
    with _write(session):
        for user_id, number, channel in texts:
            if user_id is not None:
                number_failing(session, user_id, number, now, channel)


def _record(
    session: Session,
    outcome: Outcome,
    attempts: dict[int, int],
    accounts: set[int],
    now: datetime,
    quiet: dict[int, str | None] | None = None,
) -> None:
    """Write one email's outcome (one short transaction, usually one UPDATE). A sent account
    email keeps no body: it held a link that signs someone in or changes their account.
    A text in `quiet` (id -> the recipient's time zone) whose retry would fall in the quiet
    hours waits until 08:00 in that zone; urgent account texts are never in it."""
    quiet = quiet or {}
    claimed = Notification.state == DeliveryState.SENDING
    with _write(session):
        if outcome.sent:
            values = {"state": DeliveryState.SENT, "sent_at": now, "last_error": None}
            if accounts.intersection(outcome.sent):
                values["body"] = ""
            session.execute(
                update(Notification)
                .where(Notification.id.in_(outcome.sent), claimed)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            for notification_id, gateway_id in outcome.gateway_ids.items():
                session.execute(
                    update(Notification)
                    .where(Notification.id == notification_id)
                    .values(gateway_id=gateway_id)
                    .execution_options(synchronize_session=False)
                )
        retry_at: dict[tuple[datetime, str], list[int]] = defaultdict(list)
        failed: dict[str, list[int]] = defaultdict(list)
        for notification_id, error in outcome.retry.items():
            tried = attempts.get(notification_id, MAX_ATTEMPTS)
            if tried >= MAX_ATTEMPTS:
                failed[error].append(notification_id)
            else:
                due = now + BACKOFF[min(tried, len(BACKOFF)) - 1]
                if notification_id in quiet:
                    due = after_quiet_hours(due, quiet[notification_id])
                retry_at[(due, error)].append(notification_id)
        for notification_id, error in outcome.failed.items():
            failed[error].append(notification_id)
        for (due, error), group in retry_at.items():
            session.execute(
                update(Notification)
                .where(Notification.id.in_(group), claimed)
                .values(state=DeliveryState.PENDING, due_at=due, last_error=error)
                .execution_options(synchronize_session=False)
            )
        for error, group in failed.items():
            session.execute(
                update(Notification)
                .where(Notification.id.in_(group), claimed)
                .values(state=DeliveryState.FAILED, last_error=error)
                .execution_options(synchronize_session=False)
            )
