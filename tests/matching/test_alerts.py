"""Alerts when an opportunity is published: at once or in a weekly digest, only for people who
opted in and whom it matches strongly, never twice."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from diaspora.matching import alerts, jobs
from diaspora.matching.models import AlertSetting, PendingAlert
from diaspora.notifications.models import Notification
from diaspora.postings.services import publish

MONDAY_0830_LONDON = datetime(2027, 1, 4, 8, 30, tzinfo=UTC)  # GMT in January
MONDAY_0930_LONDON = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
WEDNESDAY = datetime(2027, 1, 6, 12, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def _person(make, db, frequency: str | None, *, zone: str = "Europe/London", **profile):
    user = make.user(name=f"Alert {frequency}")
    user.time_zone = zone
    make.profile(user, modality="both", hours_per_month=10, **profile)
    if frequency:
        db.session.add(AlertSetting(user_id=user.id, frequency=frequency))
    db.session.commit()
    return user


def _published(make, db, **fields):
    opportunity = make.opportunity(status="draft", languages=(("ben", 3),), **fields)
    publish(db.session, opportunity, opportunity.organisation.memberships[0].user)
    db.session.commit()
    return opportunity


def _alerts(db, user):
    return db.session.scalars(
        select(Notification).where(
            Notification.recipient_id == user.id, Notification.kind == "opportunity_alert"
        )
    ).all()


def test_immediate_alert_on_publication(db, make):
    person = _person(make, db, "immediate")
    opportunity = _published(make, db, title="Neonatal skills")
    messages = _alerts(db, person)
    assert {m.channel for m in messages} == {"inbox", "email"}
    assert {m.dedupe_key for m in messages} == {f"alert:{opportunity.id}"}
    assert "Neonatal skills" in messages[0].body


def test_the_alert_is_written_in_the_recipients_language(db, make):
    person = _person(make, db, "immediate")
    person.language = "fr"
    db.session.commit()
    _published(make, db, title="Neonatal skills")
    subjects = {m.subject for m in _alerts(db, person)}
    assert subjects == {"Nouvelle opportunité pour vous : Neonatal skills"}


def test_nobody_hears_without_opting_in_or_without_a_strong_match(db, make):
    silent = _person(make, db, None)
    weak = _person(
        make, db, "immediate", profession="nurse", skills=(), ties=(), languages=(("fra", 2),)
    )
    _published(make, db)
    assert _alerts(db, silent) == []
    assert _alerts(db, weak) == []


def test_a_disabled_account_hears_nothing(db, make):
    person = _person(make, db, "immediate")
    person.active = False
    db.session.commit()
    _published(make, db)
    assert _alerts(db, person) == []


def test_weekly_subscribers_get_one_digest_a_week_from_monday_at_nine(db, make):
    person = _person(make, db, "weekly")
    first = _published(make, db, title="First one")
    second = _published(make, db, title="Second one")
    assert _alerts(db, person) == []
    assert len(db.session.scalars(select(PendingAlert)).all()) == 2

    assert jobs.weekly_digests(MONDAY_0830_LONDON) == 0
    assert jobs.weekly_digests(MONDAY_0930_LONDON) == 1
    assert jobs.weekly_digests(MONDAY_0930_LONDON) == 0  # run twice: still one
    messages = _alerts(db, person)
    assert {m.dedupe_key for m in messages} == {f"alerts:{person.id}:2027-W01"}
    assert "First one" in messages[0].body and "Second one" in messages[0].body
    assert {m.link for m in messages} == {"/recommendations"}
    assert first.id != second.id


def test_an_alert_after_this_weeks_digest_waits_for_next_week(db, make):
    person = _person(make, db, "weekly")
    _published(make, db, title="Early")
    jobs.weekly_digests(MONDAY_0930_LONDON)
    late = _published(make, db, title="Late")
    assert jobs.weekly_digests(WEDNESDAY) == 0
    pending = db.session.scalar(select(PendingAlert).where(PendingAlert.opportunity_id == late.id))
    assert pending.sent_at is None
    assert jobs.weekly_digests(NEXT_MONDAY) == 1
    keys = {m.dedupe_key for m in _alerts(db, person)}
    assert keys == {f"alerts:{person.id}:2027-W01", f"alerts:{person.id}:2027-W02"}


def test_closed_opportunities_are_left_out_of_the_digest(db, make):
    person = _person(make, db, "weekly")
    opportunity = _published(make, db)
    opportunity.status = "closed"
    db.session.commit()
    assert jobs.weekly_digests(MONDAY_0930_LONDON) == 0
    assert _alerts(db, person) == []
    assert db.session.scalar(select(PendingAlert.sent_at)) is not None


def test_the_digest_follows_the_persons_time_zone(db, make):
    dhaka = _person(make, db, "weekly", zone="Asia/Dhaka")
    london = _person(make, db, "weekly")
    _published(make, db)
    early = datetime(2027, 1, 4, 3, 30, tzinfo=UTC)  # 09:30 in Dhaka, 03:30 in London
    assert jobs.weekly_digests(early) == 1
    assert len(_alerts(db, dhaka)) == 2
    assert _alerts(db, london) == []


@pytest.mark.parametrize(
    ("now", "zone", "week"),
    [
        (datetime(2027, 1, 4, 8, 59, tzinfo=UTC), "Europe/London", None),
        (datetime(2027, 1, 4, 9, 0, tzinfo=UTC), "Europe/London", "2027-W01"),
        (datetime(2027, 1, 10, 23, 0, tzinfo=UTC), "Europe/London", "2027-W01"),
        (datetime(2027, 1, 10, 23, 0, tzinfo=UTC), "Asia/Dhaka", None),  # Monday 05:00 there
    ],
)
def test_digest_week(now, zone, week):
    assert alerts.digest_week(now, zone) == week
