"""Quiet hours for texts tried again, and texts written in their recipient's language."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from diaspora.account import services as account
from diaspora.core.time import as_utc
from diaspora.languages import force_locale
from diaspora.notifications import services
from diaspora.notifications.channels import text_words
from diaspora.notifications.jobs import deliver_due
from diaspora.notifications.mail import ACCOUNT_KIND
from diaspora.notifications.models import Channel, DeliveryState, Notification
from diaspora.notifications.texts import is_gsm7, segments


def _reloaded(db, row) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


# Each attempt that fails is tried again a minute later (the first backoff): where that minute
# falls in the recipient's quiet hours (21:00 to 08:00 their time), the text waits for 08:00.
@pytest.mark.parametrize(
    ("zone", "now", "due"),
    [
        # Dhaka (UTC+6): 20:59 fails, 21:00 is quiet: 08:00 the next morning, 02:00 UTC
        ("Asia/Dhaka", datetime(2027, 5, 4, 14, 59), datetime(2027, 5, 5, 2, 0)),
        # Dhaka: 07:58 fails, 07:59 is still quiet: 08:00 the same morning
        ("Asia/Dhaka", datetime(2027, 5, 4, 1, 58), datetime(2027, 5, 4, 2, 0)),
        # New York (UTC-4 in May): 20:58 fails, 20:59 is not quiet yet: tried at once
        ("America/New_York", datetime(2027, 5, 5, 0, 58), datetime(2027, 5, 5, 0, 59)),
        # New York: 21:00 fails, 21:01 is quiet: 08:00 local, 12:00 UTC
        ("America/New_York", datetime(2027, 5, 5, 1, 0), datetime(2027, 5, 5, 12, 0)),
        # New York in winter (UTC-5): 08:00 local is 13:00 UTC
        ("America/New_York", datetime(2027, 1, 5, 2, 0), datetime(2027, 1, 5, 13, 0)),
        # Kolkata (UTC+5:30): 20:59 fails, 21:00 is quiet: 08:00 local, 02:30 UTC
        ("Asia/Kolkata", datetime(2027, 5, 4, 15, 29), datetime(2027, 5, 5, 2, 30)),
        # Kathmandu (UTC+5:45): 07:59 fails, 08:00 is no longer quiet: tried at 02:15 UTC
        ("Asia/Kathmandu", datetime(2027, 5, 4, 2, 14), datetime(2027, 5, 4, 2, 15)),
    ],
)
def test_a_retry_that_lands_in_quiet_hours_waits_until_8(
    db, person, notify, mobile, queue, zone, now, due
):
    now = now.replace(tzinfo=UTC)
    user = person(zone)
    mobile(user)
    row = queue(user, channel=Channel.SMS, due_at=now)
    notify.script.append(500)
    with time_machine.travel(now, tick=True):  # Notify checks the token's time against its own
        assert deliver_due(now=now) == 0
    waiting = _reloaded(db, row)
    assert (waiting.state, waiting.attempts) == (DeliveryState.PENDING, 1)
    assert as_utc(waiting.due_at) == due.replace(tzinfo=UTC)


def test_an_account_text_is_tried_again_whatever_the_hour(db, person, notify, mobile, queue):
    now = datetime(2027, 5, 4, 20, 0, tzinfo=UTC)  # 02:00 in Dhaka
    user = person("Asia/Dhaka")
    mobile(user)
    row = queue(user, channel=Channel.SMS, kind=ACCOUNT_KIND, body="Code 123456", due_at=now)
    notify.script.append(503)
    with time_machine.travel(now, tick=True):
        deliver_due(now=now)
    assert as_utc(_reloaded(db, row).due_at) == now + timedelta(minutes=1)


def test_an_email_retry_ignores_quiet_hours(db, person, queue, nowhere):
    now = datetime(2027, 5, 4, 20, 0, tzinfo=UTC)
    user = person("Asia/Dhaka")
    row = queue(user, due_at=now)
    deliver_due(now=now)
    assert as_utc(_reloaded(db, row).due_at) == now + timedelta(minutes=1)


# The recipient's language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("en", "Your confirmation code is "),
        ("fr", "Votre code de confirmation est "),
        ("ar", "رمز التأكيد الخاص بك هو "),
        ("bn", "আপনার নিশ্চিতকরণ কোড হলো "),
    ],
)
def test_a_confirmation_code_is_texted_in_the_person_language(
    db, app, make, notify, language, opening
):
    user = make.user()
    user.language = language
    db.session.commit()
    with force_locale("fr"):  # whatever the language of the page that asked for it
        account.add_mobile(db.session, user, "+447911123456")
    db.session.commit()
    row = db.session.scalar(
        select(Notification).where(
            Notification.recipient_id == user.id, Notification.channel == Channel.SMS
        )
    )
    assert row.body.startswith(opening)
    text = text_words(row.kind, row.subject, row.body, row.link, "https://example.org")
    assert text == row.body.strip()  # a code goes as it is written, never cut
    assert segments(text) <= 2
    assert is_gsm7(text) == (language == "en")  # the French apostrophe is not GSM-7
    with time_machine.travel(datetime.now(UTC), tick=True):
        deliver_due()
    [message] = notify.wait_for(1)
    code = notify.codes_for("+447911123456")
    assert len(code) == 1 and code[0] in message["personalisation"]["body"]


def test_a_text_is_cut_by_ucs2_room_when_written_in_bengali(db, make, notify, mobile):
    """Bengali goes as UCS-2: two segments hold 134 characters, link included."""
    user = make.user()
    user.language = "bn"
    mobile(user)
    services.set_preferences(db.session, user, {"engagement_update": "sms"})
    db.session.commit()
    [_inbox, text] = services.notify(
        db.session,
        user,
        "engagement_update",
        subject="বার্তা",
        template="notifications_message",
        link="/engagements/7",
        message="আপনার আবেদন গ্রহণ করা হয়েছে। " * 10,
    )
    db.session.commit()
    words = text_words(text.kind, text.subject, text.body, text.link, "https://example.org")
    assert not is_gsm7(words)
    assert segments(words) == 2 and len(words.encode("utf-16-le")) // 2 <= 134
    assert words.endswith("…\nhttps://example.org/engagements/7")


def test_a_message_is_written_in_the_recipient_language_not_the_sender(db, make):
    reader = make.user(roles=[])
    reader.language = "bn"
    organisation = make.organisation(owner=make.user(roles=[]), name="Trust")
    db.session.commit()
    with force_locale("fr"):
        [_inbox, email] = services.notify(
            db.session,
            reader,
            "text_budget",
            subject="Budget",
            template="text_budget_warning",
            organisation=organisation,
            used=4,
            budget=5,
            percent=80,
        )
    assert email.body.startswith(f"প্রিয় {reader.display_name},")
    assert "অনুমোদিত 5 সেগমেন্টের মধ্যে 4টি" in email.body
