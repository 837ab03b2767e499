"""Telling people things: every message is a row in the outbox, written in the same transaction
as the change it reports, so a rollback leaves nothing to send. The scheduler delivers them.

Also here: each person's preferences (per kind: email at once or in a daily summary, a text
message, a WhatsApp message, or the inbox only), their inbox, and the administrators' view of
the outbox.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.core.context import render_text, setting
from diaspora.core.erasure import name_pattern, without_name
from diaspora.core.time import as_utc, utcnow, zone_of
from diaspora.core.urls import external_url, service_url
from diaspora.core.words import N_
from diaspora.languages import force_locale, language_of, translated
from diaspora.notifications import budgets, mail
from diaspora.notifications.channels import (
    SMS_SETTINGS,
    WHATSAPP_SETTINGS,
    sms_configured,
    text_words,
    whatsapp_configured,
)
from diaspora.notifications.kinds import KINDS, kind_of
from diaspora.notifications.mail import ACCOUNT_KIND
from diaspora.notifications.models import (
    TO_NUMBERS,
    Channel,
    DeliveryState,
    Notification,
    NotificationPreference,
    Receipt,
)
from diaspora.notifications.texts import after_quiet_hours, segments
from diaspora.phones import services as phones
from diaspora.phones.services import usable_number

DIGEST_HOUR = time(9, 0)
QUEUED_CHUNK = 1000  # (recipient, dedupe key) pairs sought per statement


@dataclass(frozen=True)
class Message:
    """One thing to tell one person, as `notify()` takes it (see there); `notify_many` takes a
    list of them."""

    recipient: User
    kind: str
    subject: str
    template: str
    link: str | None = None
    dedupe_key: str | None = None
    due_at: datetime | None = None
    attachment: tuple[str, str] | None = None
    about: User | None = None
    organisation_id: int | None = None
    context: dict[str, object] = field(default_factory=dict)


def notify(
    session: Session,
    recipient: User,
    kind: str,
    *,
    subject: str,
    template: str,
    link: str | None = None,
    dedupe_key: str | None = None,
    due_at: datetime | None = None,
    attachment: tuple[str, str] | None = None,
    about: User | None = None,
    organisation_id: int | None = None,
    **context: object,
) -> list[Notification]:
    """Queue an in-app message and, as the person chose for `kind`, an email or a text to
    `recipient`, rendered from `templates/notifications/<template>.txt` (context: `recipient`,
    `link` and `context`).

    The in-app message is always queued. Then, by the person's choice for `kind`: nothing more
    (inbox only); an email in their daily summary (due at the next 09:00 in their time zone,
    from `due_at`); an email at `due_at` (default: now); or a text at `due_at`, held until
    08:00 in their time zone when that falls in the quiet hours (a WhatsApp message likewise).
    A text or WhatsApp message goes by email instead while the person has no working confirmed
    number (removed, refused, or stopped with STOP) or its channel is not configured.
    With a `dedupe_key` a message already queued under that key is not queued again.
    `about` is the person the message names, when that is not the recipient: if their account
    is erased, the message is rewritten without them (see `forget_about`).
    `organisation_id` names the organisation that caused the message: a text is charged to its
    monthly budget (budgets.py) and goes by email instead when the budget has no room for it.
    The subject (a `Words` is translated) and body are written in the recipient's language.
    Returns the rows added.
    """
    message = Message(
        recipient,
        kind,
        subject,
        template,
        link=link,
        dedupe_key=dedupe_key,
        due_at=due_at,
        attachment=attachment,
        about=about,
        organisation_id=organisation_id,
        context=context,
    )
    added = [Notification(**row) for row in _outbox_rows(session, [message])[0]]
    session.add_all(added)
    return added


def notify_many(session: Session, messages: Sequence[Message]) -> int:
    """`notify()` for many messages at once, for the jobs that write reminders by the thousand:
    the same rows, found with one statement each for the preferences, the numbers and the
    messages already queued, and inserted with one statement (no ORM objects; a text charged
    to an organisation's budget still costs a statement of its own). Returns how many messages
    were queued (on one channel at least: a message whose key is queued on every channel it
    would go by is not)."""
    by_message = _outbox_rows(session, messages)
    rows = [row for each in by_message for row in each]
    if rows:
        session.execute(insert(Notification), rows)
    return sum(1 for each in by_message if each)


def _outbox_rows(session: Session, messages: Sequence[Message]) -> list[list[dict[str, object]]]:
    """The outbox rows `notify()` writes for each of these messages, as column values."""
    recipients = {message.recipient.id for message in messages}
    chosen = _preferences_of(session, recipients, {message.kind for message in messages})
    numbered = _numbered(
        session,
        {
            message.recipient.id
            for message in messages
            if chosen.get((message.recipient.id, message.kind), (None,))[0] in TO_NUMBERS
        },
    )
    in_outbox = _queued(session, messages)
    return [
        _message_rows(
            session, message, chosen.get((message.recipient.id, message.kind)), numbered, in_outbox
        )
        for message in messages
    ]


def _message_rows(
    session: Session,
    message: Message,
    choice: tuple[str, bool] | None,
    numbered: dict[str, set[int]],
    in_outbox: set[tuple[int, str, str]],
) -> list[dict[str, object]]:
    """One message's rows: in the inbox, and by the channel the person chose for its kind
    (`choice`, None for the default) unless it cannot go that way; none on a channel that
    already has the message (`in_outbox`, which gains the rows returned)."""
    recipient, key = message.recipient, message.dedupe_key
    with force_locale(language_of(recipient)):
        subject = translated(message.subject)
        body = render_text(
            f"notifications/{message.template}.txt",
            recipient=recipient,
            link=message.link,
            **message.context,
        )
    due = as_utc(message.due_at) if message.due_at is not None else utcnow()
    channel, digest = choice or _default_preference(message.kind)
    if channel in TO_NUMBERS and recipient.id not in numbered.get(channel, ()):
        channel, digest = Channel.EMAIL, False
    charged = None
    if channel in TO_NUMBERS and (recipient.id, channel, key) not in in_outbox:
        if (recipient.id, Channel.EMAIL, key) in in_outbox:
            channel = Channel.EMAIL  # told by email already, when the budget was spent
        else:
            channel, charged = _charge_text(
                session,
                message.organisation_id,
                channel,
                message.kind,
                subject,
                body,
                message.link,
            )
    channels: list[tuple[str, datetime, bool]] = [(Channel.INBOX, due, False)]
    if channel == Channel.EMAIL:
        later = next_digest_time(due, recipient.time_zone) if digest else due
        channels.append((Channel.EMAIL, later, digest))
    elif channel in TO_NUMBERS:
        channels.append((channel, after_quiet_hours(due, recipient.time_zone), False))
    about = message.about
    attachment = message.attachment or (None, None)
    rows = []
    for channel, channel_due, in_digest in channels:
        if key is not None:
            if (recipient.id, channel, key) in in_outbox:
                continue
            in_outbox.add((recipient.id, channel, key))
        to_number = channel in TO_NUMBERS
        rows.append(
            {
                "recipient_id": recipient.id,
                "about_user_id": about.id if about and about.id != recipient.id else None,
                "kind": message.kind,
                "channel": channel,
                "subject": subject,
                "body": body,
                "link": message.link,
                "dedupe_key": key,
                "due_at": channel_due,
                "digest": in_digest,
                "state": DeliveryState.PENDING,
                "attempts": 0,
                "attachment_name": attachment[0],
                "attachment": attachment[1],
                "organisation_id": message.organisation_id if to_number else None,
                "segments": charged if to_number else None,
            }
        )
    return rows


def _numbered(session: Session, user_ids: set[int]) -> dict[str, set[int]]:
    """Of these people, those texts (`sms`) and WhatsApp messages can go to now, by channel."""
    if not user_ids:
        return {}
    usable = phones.usable_numbers(session, user_ids)
    return {
        Channel.SMS: usable if texts_configured() else set(),
        Channel.WHATSAPP: usable if whatsapp_on() else set(),
    }


def _queued(session: Session, messages: Sequence[Message]) -> set[tuple[int, str, str]]:
    """(recipient id, channel, dedupe key) of these messages' rows already in the outbox."""
    keyed = {(m.recipient.id, m.dedupe_key) for m in messages if m.dedupe_key is not None}
    return _found(session, keyed)


def queued(session: Session, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Of these (recipient id, dedupe key) pairs, those with a message in the outbox on any
    channel."""
    pairs = set(pairs)
    return {(recipient, key) for recipient, _channel, key in _found(session, pairs)}


def _found(session: Session, pairs: set[tuple[int, str]]) -> set[tuple[int, str, str]]:
    """(recipient id, channel, dedupe key) of the outbox rows of these (recipient id, dedupe
    key) pairs: one statement per QUEUED_CHUNK pairs, reading the unique index by recipient
    (flat lists of recipients and keys, which cost far less to send than a list of pairs)."""
    found: set[tuple[int, str, str]] = set()
    for chunk in _chunks(sorted(pairs), QUEUED_CHUNK):
        rows = session.execute(
            select(Notification.recipient_id, Notification.channel, Notification.dedupe_key).where(
                Notification.recipient_id.in_({recipient for recipient, _ in chunk}),
                Notification.dedupe_key.in_({key for _, key in chunk}),
            )
        )
        wanted = set(chunk)
        found.update(
            (recipient, channel, key)
            for recipient, channel, key in rows
            if (recipient, key) in wanted
        )
    return found


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _charge_text(
    session: Session,
    organisation_id: int | None,
    channel: str,
    kind: str,
    subject: str,
    body: str,
    link: str | None,
) -> tuple[str, int | None]:
    """(channel, segments charged) for a text or a WhatsApp message: the message and what it
    costs when no organisation caused it or its budget has room for it, else an email. A text
    costs its segments; a WhatsApp message, one template message whatever its length, one."""
    if organisation_id is None:
        return channel, None
    count = 1
    if channel == Channel.SMS:
        count = segments(text_words(kind, subject, body, link, service_url()))
    if budgets.charge(session, organisation_id, count, utcnow()):
        return channel, count
    return Channel.EMAIL, None


def texts_configured() -> bool:
    """Whether the text message channel has its settings (README "Text messages")."""
    return sms_configured({name: setting(name) for name in SMS_SETTINGS})


def sms_available(session: Session, user_id: int) -> bool:
    """Texts can go to this person: the channel is configured and their number confirmed."""
    return texts_configured() and usable_number(session, user_id) is not None


def whatsapp_on() -> bool:
    """Whether the WhatsApp channel has its settings (README "Text messages and WhatsApp")."""
    return whatsapp_configured({name: setting(name) for name in WHATSAPP_SETTINGS})


def whatsapp_available(session: Session, user_id: int) -> bool:
    """WhatsApp messages can go to this person: the channel is configured and their number
    confirmed (WhatsApp uses the same number as texts)."""
    return whatsapp_on() and usable_number(session, user_id) is not None


def queue_account_text(
    session: Session, recipient: User, number: str, subject: str, template: str, **context: object
) -> Notification:
    """Render `templates/<template>` into an urgent text to `number` (confirmed or not, such as
    one waiting for its confirmation code), in the recipient's language: due at once whatever
    the hour, never in a summary, charged to no organisation, and of the account kind, so its
    body is emptied once sent. Sent once `session` commits."""
    now = utcnow()
    with force_locale(language_of(recipient)):
        subject = translated(subject)
        body = render_text(template, **context)
    row = Notification(
        recipient_id=recipient.id,
        address=number,
        kind=ACCOUNT_KIND,
        channel=Channel.SMS,
        subject=subject,
        body=body,
        due_at=now,
        digest=False,
        state=DeliveryState.PENDING,
        attempts=0,
    )
    session.add(row)
    return row


def cancel_waiting_texts(session: Session, recipient_id: int) -> None:
    """Cancel the texts and WhatsApp messages still waiting to go to this person (their number
    was removed, no longer works or was stopped); the kinds they chose them for go by email
    from now on."""
    session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == recipient_id,
            Notification.channel.in_([Channel.SMS, Channel.WHATSAPP]),
            Notification.state == DeliveryState.PENDING,
        )
        .values(state=DeliveryState.CANCELLED)
        .execution_options(synchronize_session=False)
    )


# The email that tells a person a gateway refused their number: (subject, template), by the
# channel that refused it, so it names what failed and what to do.
FAILING_EMAILS = {
    Channel.SMS: (
        N_("We could not send a text message to your mobile number"),
        "mobile_failing",
    ),
    Channel.WHATSAPP: (
        N_("We could not send a WhatsApp message to your mobile number"),
        "whatsapp_failing",
    ),
}


def number_failing(
    session: Session, user_id: int, number: str, now: datetime, channel: str
) -> None:
    """A gateway refused this number for good (Notify's 400 or permanent-failure receipt,
    WhatsApp's undeliverable): a confirmed number is marked as failing (nothing more goes to it
    until it is changed, and what waits is cancelled), a number waiting for its code is
    dropped, and the person is told by email once, in words for the `channel` that failed."""
    refused = phones.number_refused(session, user_id, number, now)
    if refused is phones.Refused.CONFIRMED:
        cancel_waiting_texts(session, user_id)
    if refused is not None:
        user = session.get(User, user_id)
        if user is not None and user.active:
            subject, template = FAILING_EMAILS[channel]
            mail.queue(
                session,
                user.email,
                subject,
                template,
                user=user,
                url=external_url("phones.manage"),
            )


def number_stopped(session: Session, number: str, now: datetime) -> int:
    """The owner of this number replied STOP (to a text or a WhatsApp message): nothing more
    goes to it, what waits for it is cancelled, the kinds they chose texts or WhatsApp for go
    by email, and they are told by email. Returns how many people it stopped (0 when it was
    stopped already or is nobody's)."""
    stopped = phones.opt_out(session, number, now)
    for user_id in stopped:
        cancel_waiting_texts(session, user_id)
        session.execute(
            update(NotificationPreference)
            .where(
                NotificationPreference.user_id == user_id,
                NotificationPreference.channel.in_([Channel.SMS, Channel.WHATSAPP]),
            )
            .values(channel=Channel.EMAIL, digest=False)
            .execution_options(synchronize_session=False)
        )
        user = session.get(User, user_id)
        if user is not None and user.active:
            mail.queue(
                session,
                user.email,
                N_("We have stopped sending messages to your mobile number"),
                "mobile_stopped",
                user=user,
                url=external_url("phones.manage"),
            )
    return len(stopped)


# Time ---------------------------------------------------------------------------------------


def next_digest_time(after: datetime, zone_name: str | None) -> datetime:
    """The first 09:00 in the person's time zone at or after `after`, in UTC."""
    zone = zone_of(zone_name)
    local = as_utc(after).astimezone(zone)
    candidate = datetime.combine(local.date(), DIGEST_HOUR, tzinfo=zone)
    if candidate < local:
        candidate = datetime.combine(local.date() + timedelta(days=1), DIGEST_HOUR, tzinfo=zone)
    return as_utc(candidate)


# Preferences ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Way:
    """One way a person may choose to get a kind of message besides their inbox: its form
    value, words, the outbox channel (`inbox`: none besides the inbox) and, for email, whether
    it waits for the daily summary. A new channel people may choose is one more line here."""

    value: str
    label: str
    channel: str
    digest: bool = False


WAYS: tuple[Way, ...] = (
    Way("immediate", N_("Email me straight away"), Channel.EMAIL),
    Way("digest", N_("Put it in my daily summary email (sent at 9am)"), Channel.EMAIL, digest=True),
    Way("sms", N_("Send me a text message"), Channel.SMS),
    Way("whatsapp", N_("Send me a WhatsApp message"), Channel.WHATSAPP),
    Way("off", N_("No email or text (it still appears in your messages)"), Channel.INBOX),
)
WAY_BY_VALUE = {way.value: way for way in WAYS}


def way_of(channel: str, digest: bool) -> Way:
    for way in WAYS:
        if way.channel == channel and way.digest == (digest and channel == Channel.EMAIL):
            return way
    return WAY_BY_VALUE["immediate"]  # a channel this version does not offer


@dataclass(frozen=True)
class Preference:
    kind: str
    label: str
    hint: str
    channel: str
    digest: bool
    can_digest: bool

    @property
    def choice(self) -> str:
        return way_of(self.channel, self.digest).value

    @property
    def email_on(self) -> bool:
        return self.channel == Channel.EMAIL


def offered_ways(kind: str, channels: set[str]) -> list[Way]:
    """The ways a kind may be sent, given the channels open to the person now."""
    spec = kind_of(kind)
    return [
        way
        for way in WAYS
        if (way.channel in channels or way.channel == Channel.INBOX)
        and (spec.can_digest or not way.digest)
    ]


def open_channels(session: Session, user: User) -> set[str]:
    """The channels the person may choose now: email always, texts and WhatsApp with a
    confirmed number when each is configured."""
    channels = {Channel.EMAIL.value}
    if sms_available(session, user.id):
        channels.add(Channel.SMS.value)
    if whatsapp_available(session, user.id):
        channels.add(Channel.WHATSAPP.value)
    return channels


def preference_for(session: Session, user_id: int, kind: str) -> tuple[str, bool]:
    """(channel, in the daily summary) for one kind: the person's choice, else the default."""
    return _preferences_of(session, {user_id}, {kind}).get(
        (user_id, kind), _default_preference(kind)
    )


def _default_preference(kind: str) -> tuple[str, bool]:
    spec = kind_of(kind)
    return Channel.EMAIL.value, spec.digest and spec.can_digest


def _preferences_of(
    session: Session, user_ids: set[int], kinds: set[str]
) -> dict[tuple[int, str], tuple[str, bool]]:
    """(user id, kind) -> (channel, in the daily summary) for the choices these people made
    about these kinds, in one statement (a kind with no choice keeps its default)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.kind,
            NotificationPreference.channel,
            NotificationPreference.digest,
        ).where(
            NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind.in_(kinds)
        )
    )
    return {
        (user_id, kind): (
            channel,
            bool(digest) and kind_of(kind).can_digest and channel == Channel.EMAIL,
        )
        for user_id, kind, channel, digest in rows
    }


def preferences(session: Session, user: User) -> list[Preference]:
    """Every registered kind with the person's choice for it."""
    chosen = {
        row.kind: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    listed = []
    for kind in KINDS.values():
        row = chosen.get(kind.name)
        channel = row.channel if row else Channel.EMAIL.value
        digest = (row.digest if row else kind.digest) and kind.can_digest
        listed.append(
            Preference(
                kind.name,
                kind.label,
                kind.hint,
                channel,
                digest and channel == Channel.EMAIL,
                kind.can_digest,
            )
        )
    return listed


def set_preferences(
    session: Session, user: User, choices: dict[str, str], channels: set[str] | None = None
) -> list[str]:
    """Save `kind -> way` (a value of WAYS: "immediate", "digest", "sms" or "off"); returns the
    kinds that changed. Unknown kinds and ways, a daily summary for a kind that cannot wait,
    and a channel not open to the person (`channels`, by default `open_channels`) raise
    ValueError. A choice left as it was is kept even when its channel has closed since."""
    current = {p.kind: p for p in preferences(session, user)}
    rows = {
        row.kind: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    if channels is None:
        channels = open_channels(session, user)
    changed = []
    for kind, choice in choices.items():
        way = WAY_BY_VALUE.get(choice)
        if kind not in KINDS or way is None:
            raise ValueError(f"unknown preference {kind}={choice}")
        if way.digest and not KINDS[kind].can_digest:
            raise ValueError(f"{kind} cannot be put in the daily summary")
        if current[kind].choice == choice:
            continue
        if way.channel != Channel.INBOX and way.channel not in channels:
            raise ValueError(f"{way.channel} is not open to this person")
        row = rows.get(kind)
        if row is None:
            row = NotificationPreference(user_id=user.id, kind=kind)
            session.add(row)
        row.channel = way.channel
        row.digest = way.digest
        changed.append(kind)
    return changed


# The inbox -----------------------------------------------------------------------------------


def _shown(now: datetime | None = None):
    """What an inbox shows: in-app messages that are due and not cancelled."""
    return (
        (Notification.channel == Channel.INBOX)
        & (Notification.due_at <= (now or utcnow()))
        & (Notification.state != DeliveryState.CANCELLED)
    )


def inbox_query(user: User) -> Select:
    """The person's messages, newest first."""
    return (
        select(Notification)
        .where(Notification.recipient_id == user.id, _shown())
        .order_by(Notification.due_at.desc(), Notification.id.desc())
    )


def unread_query(user: User) -> Select:
    """The person's unread messages, for a count (the header counts them with other things)."""
    return select(Notification.id).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None), _shown()
    )


def unread_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None), _shown())
    )


def message_for(session: Session, user: User, notification_id: int) -> Notification | None:
    """One of the person's own shown messages, or None (someone else's is never found)."""
    return session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == user.id, _shown()
        )
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(session: Session, user: User) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None), _shown())
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def forget(session: Session, user: User) -> int:
    """Delete every message and preference of a person whose account is erased, account
    emails to their address included."""
    session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    result = session.execute(
        delete(Notification)
        .where((Notification.recipient_id == user.id) | (Notification.address == user.email))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


REMOVED = "(removed when their account was deleted)"
# Kinds of message that may name someone other than their recipient. Messages written before
# `about_user_id` was recorded, or naming someone besides the one recorded (a cohort message's
# text, say), are found by the person's name within these kinds only.
NAMING_KINDS = ("engagement_update", "hours_update", "milestone_overdue", "cohort_message")


def forget_about(session: Session, user: User, name: str, written: Iterable[str] = ()) -> int:
    """For an account's erasure: rewrite what other people were told about the person.

    Messages recorded as about them, and messages of the NAMING_KINDS that contain their name,
    get "a former member" in place of the name (see `core.erasure`), and lose the texts the
    person wrote (`written`, such as an application's message, copied as whole lines into what
    the organisation was told). Returns how many messages were rewritten."""
    name = name.strip()
    pattern = name_pattern(name)
    written = sorted({text.strip() for text in written if text.strip()}, key=len, reverse=True)
    named = Notification.about_user_id == user.id
    if name:
        mentions = Notification.subject.contains(
            name, autoescape=True
        ) | Notification.body.contains(name, autoescape=True)
        named = named | (Notification.kind.in_(NAMING_KINDS) & mentions)
    rewritten = 0
    rows = session.scalars(select(Notification).where(Notification.recipient_id != user.id, named))
    for row in rows:
        subject = without_name(_without_passages(row.subject, written), pattern)
        body = without_name(_without_passages(row.body, written), pattern)
        if (subject, body) != (row.subject, row.body):
            row.subject, row.body = subject[:200], body
            rewritten += 1
        row.about_user_id = None
    return rewritten


def _without_passages(text: str, written: list[str]) -> str:
    for passage in written:  # whole lines only: a short message must not eat parts of words
        text = re.sub(rf"(?m)^{re.escape(passage)}$", REMOVED, text)
    return text


def export_for(session: Session, user: User) -> list[dict[str, object]]:
    """The person's messages (in-app and email), for their "my data" download."""
    rows = session.scalars(
        select(Notification)
        .where(Notification.recipient_id == user.id)
        .order_by(Notification.created_at, Notification.id)
    )
    return [
        {
            "channel": row.channel,
            "kind": row.kind,
            "subject": row.subject,
            "body": row.body,
            "link": row.link,
            "due_at": as_utc(row.due_at).isoformat(),
            "state": row.state,
            "sent_at": as_utc(row.sent_at).isoformat() if row.sent_at else None,
            "read_at": as_utc(row.read_at).isoformat() if row.read_at else None,
        }
        for row in rows
    ]


# The outbox, for administrators --------------------------------------------------------------


# The channels the outbox delivers (the inbox needs no delivery), as the outbox page names them.
DELIVERED = {
    Channel.EMAIL: N_("Email"),
    Channel.SMS: N_("Text message"),
    Channel.WHATSAPP: N_("WhatsApp"),
}


def _delivered():
    return Notification.channel.in_(list(DELIVERED))


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sending: int
    sent_today: int
    failed: int
    channel: str  # its label


def outbox_counts_by_channel(session: Session, now: datetime | None = None) -> list[OutboxCounts]:
    """The counts of each delivered channel (two queries whatever the number of channels)."""
    now = now or utcnow()
    midnight = as_utc(now).replace(hour=0, minute=0, second=0, microsecond=0)
    delivered = _delivered()
    by_state = {
        (row.channel, row.state): row.count
        for row in session.execute(
            select(Notification.channel, Notification.state, func.count().label("count"))
            .where(
                delivered,
                Notification.state.in_(
                    [DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.FAILED]
                ),
            )
            .group_by(Notification.channel, Notification.state)
        )
    }
    sent_today = dict(
        session.execute(
            select(Notification.channel, func.count())
            .where(
                delivered,
                Notification.state == DeliveryState.SENT,
                Notification.sent_at >= midnight,
            )
            .group_by(Notification.channel)
        ).all()
    )
    return [
        OutboxCounts(
            pending=by_state.get((channel.value, DeliveryState.PENDING.value), 0),
            sending=by_state.get((channel.value, DeliveryState.SENDING.value), 0),
            sent_today=sent_today.get(channel.value, 0),
            failed=by_state.get((channel.value, DeliveryState.FAILED.value), 0),
            channel=label,
        )
        for channel, label in DELIVERED.items()
    ]


def failed_query() -> Select:
    """Failed emails and texts with their recipients, most recent first."""
    return (
        select(Notification)
        .options(joinedload(Notification.recipient))
        .where(_delivered(), Notification.state == DeliveryState.FAILED)
        .order_by(Notification.claimed_at.desc(), Notification.id.desc())
    )


def _retry_values(now: datetime) -> dict[str, object]:
    return {
        "state": DeliveryState.PENDING,
        "attempts": 0,
        "due_at": now,
        "claimed_at": None,
        "gateway_id": None,
        "receipt": None,
        "receipt_at": None,
    }


def retry(session: Session, admin: User, notification_id: int) -> bool:
    """Put one failed email or text back in the queue, to be sent at the next tick. False when
    there is no such failed message."""
    notification = session.get(Notification, notification_id)
    if (
        notification is None
        or notification.channel not in DELIVERED
        or notification.state != DeliveryState.FAILED
    ):
        return False
    for name, value in _retry_values(utcnow()).items():
        setattr(notification, name, value)
    record(session, "notification.retried", actor=admin, subject=notification)
    return True


def retry_all(session: Session, admin: User) -> int:
    result = session.execute(
        update(Notification)
        .where(_delivered(), Notification.state == DeliveryState.FAILED)
        .values(**_retry_values(utcnow()))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        record(session, "notification.retried_all", actor=admin, count=result.rowcount)
    return result.rowcount


# Delivery receipts, for administrators -------------------------------------------------------

RECEIPT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class ReceiptCounts:
    """What the gateway reported for one channel's messages sent in the last RECEIPT_WINDOW."""

    channel: str  # its label
    sent: int
    delivered: int  # read ones included
    permanent: int
    temporary: int  # temporary and technical failures
    waiting: int  # sent, no receipt yet


def receipt_counts(session: Session, now: datetime | None = None) -> list[ReceiptCounts]:
    """Per channel with receipts (texts, WhatsApp), one query."""
    since = as_utc(now or utcnow()) - RECEIPT_WINDOW
    channels = {Channel.SMS: DELIVERED[Channel.SMS], Channel.WHATSAPP: DELIVERED[Channel.WHATSAPP]}
    counted = {
        (row.channel, row.receipt): row.count
        for row in session.execute(
            select(Notification.channel, Notification.receipt, func.count().label("count"))
            .where(
                Notification.channel.in_(list(channels)),
                Notification.sent_at >= since,
                Notification.state.in_([DeliveryState.SENT, DeliveryState.FAILED]),
            )
            .group_by(Notification.channel, Notification.receipt)
        )
    }
    listed = []
    for channel, label in channels.items():
        got = {receipt: count for (name, receipt), count in counted.items() if name == channel}
        listed.append(
            ReceiptCounts(
                channel=label,
                sent=sum(got.values()),
                delivered=got.get(Receipt.DELIVERED, 0) + got.get(Receipt.READ, 0),
                permanent=got.get(Receipt.PERMANENT_FAILURE, 0),
                temporary=got.get(Receipt.TEMPORARY_FAILURE, 0)
                + got.get(Receipt.TECHNICAL_FAILURE, 0),
                waiting=got.get(None, 0),
            )
        )
    return listed
