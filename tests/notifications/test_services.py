"""notify() and preferences: which rows are queued, for when; the inbox's queries."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from diaspora.core.time import as_utc, utcnow
from diaspora.notifications import services
from diaspora.notifications.kinds import KINDS, kind_of
from diaspora.notifications.models import (
    Channel,
    DeliveryState,
    Notification,
    NotificationPreference,
)


def _notify(db, user, kind="engagement_update", **kwargs):
    kwargs.setdefault("subject", "Something happened")
    kwargs.setdefault("template", "notifications_message")
    kwargs.setdefault("message", "Your application was accepted.")
    rows = services.notify(db.session, user, kind, **kwargs)
    db.session.commit()
    return rows


def _rows(db, user) -> dict[str, Notification]:
    rows = db.session.scalars(db.select(Notification).filter_by(recipient_id=user.id)).all()
    return {row.channel: row for row in rows}


def _prefer(db, user, kind, *, email_on=True, digest=False):
    channel = Channel.EMAIL if email_on else Channel.INBOX
    db.session.add(
        NotificationPreference(user_id=user.id, kind=kind, channel=channel, digest=digest)
    )
    db.session.commit()


def test_notify_queues_an_inbox_message_and_an_email_due_now(db, make):
    user = make.user(name="Asha")
    with time_machine.travel(datetime(2027, 5, 4, 10, 0, tzinfo=UTC), tick=False):
        _notify(db, user, link="/engagements/3")
    rows = _rows(db, user)
    assert set(rows) == {Channel.INBOX, Channel.EMAIL}
    for row in rows.values():
        assert row.state == DeliveryState.PENDING
        assert as_utc(row.due_at) == datetime(2027, 5, 4, 10, 0, tzinfo=UTC)
        assert row.body.startswith("Hello Asha,")
        assert row.link == "/engagements/3"
        assert row.digest is False


def test_nothing_is_queued_when_the_change_rolls_back(db, make):
    user = make.user()
    services.notify(
        db.session, user, "engagement_update", subject="x", template="notifications_message"
    )
    db.session.rollback()
    assert _rows(db, user) == {}


def test_a_dedupe_key_queues_a_message_once(db, make):
    user = make.user()
    _notify(db, user, dedupe_key="engagement:1:accepted")
    assert _notify(db, user, dedupe_key="engagement:1:accepted") == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 2


def test_email_off_queues_only_the_inbox_message(db, make):
    user = make.user()
    _prefer(db, user, "engagement_update", email_on=False)
    _notify(db, user)
    assert set(_rows(db, user)) == {Channel.INBOX}


def test_other_kinds_keep_their_defaults(db, make):
    user = make.user()
    _prefer(db, user, "engagement_update", email_on=False)
    _notify(db, user, kind="booking_update")
    assert set(_rows(db, user)) == {Channel.INBOX, Channel.EMAIL}


def test_an_unknown_kind_is_emailed_at_once(db, make):
    user = make.user()
    with time_machine.travel(datetime(2027, 5, 4, 10, 0, tzinfo=UTC), tick=False):
        _notify(db, user, kind="partner_news")
    email = _rows(db, user)[Channel.EMAIL]
    assert email.digest is False
    assert as_utc(email.due_at) == datetime(2027, 5, 4, 10, 0, tzinfo=UTC)
    assert kind_of("partner_news").label == "Partner news"


def test_every_area_kind_is_registered():
    assert set(KINDS) == {
        "engagement_update",
        "booking_update",
        "booking_reminder",
        "hours_update",
        "milestone_reminder",
        "milestone_overdue",
        "credential_expiry",
        "token_expiry",
        "match_invitation",
        "opportunity_alert",
        "cohort_message",
        "cohort_update",
    }
    assert KINDS["booking_reminder"].can_digest is False
    assert KINDS["opportunity_alert"].can_digest is False  # weekly digests are matching's own


# Many at once ----------------------------------------------------------------------------------


def _reminder(user, key: str | None) -> services.Message:
    return services.Message(
        user,
        "milestone_reminder",
        "Due in 7 days: Report",
        "notifications_message",
        link="/plans/1",
        dedupe_key=key,
        due_at=datetime(2027, 6, 1, 8, 0, tzinfo=UTC),
        context={"message": "Your report is due."},
    )


def test_notify_many_writes_the_rows_notify_would(db, make, person):
    """Each person's choice holds (the default summary, the inbox only, email at once), a key
    already queued is not queued again, and a message without a key always is."""
    summary, inbox_only, at_once = person("Asia/Dhaka"), person(), person()
    _prefer(db, inbox_only, "milestone_reminder", email_on=False)
    _prefer(db, at_once, "milestone_reminder", digest=False)
    services.notify(
        db.session, at_once, "milestone_reminder", subject="x", template="notifications_message",
        dedupe_key="milestone:1:lead:7",
    )  # fmt: skip
    db.session.commit()
    messages = [
        _reminder(summary, "milestone:1:lead:7"),
        _reminder(inbox_only, "milestone:1:lead:7"),
        _reminder(at_once, "milestone:1:lead:7"),  # queued already
        _reminder(at_once, None),
    ]
    assert services.notify_many(db.session, messages) == 3
    db.session.commit()
    rows = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()[2:]
    assert [(r.recipient_id, r.channel, r.digest) for r in rows] == [
        (summary.id, "inbox", False),
        (summary.id, "email", True),
        (inbox_only.id, "inbox", False),
        (at_once.id, "inbox", False),
        (at_once.id, "email", False),
    ]
    assert as_utc(rows[1].due_at) == datetime(2027, 6, 2, 3, 0, tzinfo=UTC)  # 09:00 in Dhaka
    assert rows[0].subject == "Due in 7 days: Report"
    assert "Your report is due." in rows[0].body
    assert services.notify_many(db.session, messages[:3]) == 0


def test_notify_many_takes_the_same_statements_for_3_messages_as_for_30(db, person, queries):
    counts = []
    for size in (3, 30):
        people = [person() for _ in range(size)]
        for someone in people:
            db.session.refresh(someone)
        with queries.count():
            services.notify_many(db.session, [_reminder(p, f"k:{size}") for p in people])
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3, queries.statements  # preferences, queued, insert


# The daily summary at 09:00 local ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        # Dhaka is UTC+6 all year: 09:00 there is 03:00 UTC.
        ("Asia/Dhaka", datetime(2027, 3, 27, 12, 0, tzinfo=UTC), datetime(2027, 3, 28, 3, 0)),
        ("Asia/Dhaka", datetime(2027, 3, 28, 2, 59, tzinfo=UTC), datetime(2027, 3, 28, 3, 0)),
        ("Asia/Dhaka", datetime(2027, 10, 31, 4, 0, tzinfo=UTC), datetime(2027, 11, 1, 3, 0)),
        # London, the evening before the clocks go forward (28 March 2027): 09:00 BST = 08:00 UTC
        ("Europe/London", datetime(2027, 3, 27, 20, 0, tzinfo=UTC), datetime(2027, 3, 28, 8, 0)),
        # the morning before: still GMT, 09:00 = 09:00 UTC
        ("Europe/London", datetime(2027, 3, 27, 8, 0, tzinfo=UTC), datetime(2027, 3, 27, 9, 0)),
        # the evening before the clocks go back (31 October 2027): 09:00 GMT = 09:00 UTC
        ("Europe/London", datetime(2027, 10, 30, 20, 0, tzinfo=UTC), datetime(2027, 10, 31, 9, 0)),
        ("Europe/London", datetime(2027, 10, 30, 7, 30, tzinfo=UTC), datetime(2027, 10, 30, 8, 0)),
    ],
)
def test_a_digest_email_is_due_at_the_next_9am_in_the_persons_zone(db, person, zone, now, expected):
    user = person(zone)
    _prefer(db, user, "engagement_update", digest=True)
    with time_machine.travel(now, tick=False):
        _notify(db, user)
    rows = _rows(db, user)
    assert rows[Channel.EMAIL].digest is True
    assert as_utc(rows[Channel.EMAIL].due_at) == expected.replace(tzinfo=UTC)
    # the inbox message is not held back
    assert as_utc(rows[Channel.INBOX].due_at) == now


def test_a_digest_for_a_later_due_time_waits_for_the_9am_after_it(db, person):
    user = person("Asia/Dhaka")
    _prefer(db, user, "milestone_reminder", digest=True)
    due = datetime(2027, 6, 10, 5, 0, tzinfo=UTC)  # 11:00 in Dhaka
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=UTC), tick=False):
        _notify(db, user, kind="milestone_reminder", due_at=due)
    rows = _rows(db, user)
    assert as_utc(rows[Channel.EMAIL].due_at) == datetime(2027, 6, 11, 3, 0, tzinfo=UTC)
    assert as_utc(rows[Channel.INBOX].due_at) == due


def test_milestone_reminders_are_digested_by_default(db, person):
    user = person("Europe/London")
    with time_machine.travel(datetime(2027, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        _notify(db, user, kind="milestone_reminder")
    email = _rows(db, user)[Channel.EMAIL]
    assert email.digest is True
    assert as_utc(email.due_at) == datetime(2027, 6, 2, 8, 0, tzinfo=UTC)


def test_session_reminders_are_never_digested(db, person):
    user = person("Asia/Dhaka")
    _prefer(db, user, "booking_reminder", digest=True)  # even if a row says so
    when = datetime(2027, 6, 1, 13, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2027, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        _notify(db, user, kind="booking_reminder", due_at=when)
    email = _rows(db, user)[Channel.EMAIL]
    assert email.digest is False
    assert as_utc(email.due_at) == when


def test_set_preferences_saves_only_changes_and_refuses_what_cannot_be(db, make):
    user = make.user()
    assert services.set_preferences(db.session, user, {"engagement_update": "immediate"}) == []
    changed = services.set_preferences(
        db.session, user, {"engagement_update": "digest", "hours_update": "off"}
    )
    db.session.commit()
    assert sorted(changed) == ["engagement_update", "hours_update"]
    chosen = {p.kind: p.choice for p in services.preferences(db.session, user)}
    assert chosen["engagement_update"] == "digest"
    assert chosen["hours_update"] == "off"
    assert chosen["milestone_reminder"] == "digest"  # the default
    with pytest.raises(ValueError):
        services.set_preferences(db.session, user, {"booking_reminder": "digest"})
    with pytest.raises(ValueError):
        services.set_preferences(db.session, user, {"no_such_kind": "off"})


# The inbox -------------------------------------------------------------------------------


def test_the_unread_count_counts_only_due_uncancelled_inbox_messages(db, make, queue):
    user, other = make.user(), make.user()
    now = utcnow()
    queue(user, Channel.INBOX)
    queue(user, Channel.INBOX, read_at=now)
    queue(user, Channel.INBOX, due_at=now + timedelta(hours=1))  # not due yet
    queue(user, Channel.INBOX, state=DeliveryState.CANCELLED)
    queue(user, Channel.EMAIL)
    queue(other, Channel.INBOX)
    assert services.unread_count(db.session, user) == 1
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        assert services.unread_count(db.session, user) == 2


def test_mark_all_read_leaves_future_and_others_messages(db, make, queue):
    user, other = make.user(), make.user()
    queue(user, Channel.INBOX)
    later = queue(user, Channel.INBOX, due_at=utcnow() + timedelta(days=1))
    theirs = queue(other, Channel.INBOX)
    assert services.mark_all_read(db.session, user) == 1
    db.session.commit()
    db.session.refresh(later)
    db.session.refresh(theirs)
    assert later.read_at is None and theirs.read_at is None
    assert services.unread_count(db.session, user) == 0


def test_forget_deletes_a_persons_messages_and_preferences(db, make, queue):
    user, other = make.user(), make.user()
    queue(user)
    queue(other)
    _prefer(db, user, "hours_update", email_on=False)
    services.forget(db.session, user)
    db.session.commit()
    assert db.session.scalars(db.select(Notification.recipient_id)).all() == [other.id]
    assert db.session.scalar(db.select(NotificationPreference)) is None


def test_erasing_an_account_deletes_its_messages_and_my_data_lists_them(db, make, queue):
    from diaspora.mydata import services as mydata
    from tests.factories import PASSWORD

    user = make.user()
    queue(user, subject="About your plan")
    assert [m["subject"] for m in mydata.export_data(db.session, user)["messages"]] == [
        "About your plan"
    ]
    mydata.erase_account(db.session, user, PASSWORD)
    db.session.commit()
    assert db.session.scalar(db.select(Notification).filter_by(recipient_id=user.id)) is None
