"""The scheduled jobs, with the clock under the test's control."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from diaspora.engagements import jobs
from diaspora.engagements.models import EngagementState
from tests.engagements.conftest import notes

S = EngagementState
APPLIED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def application(make, staff, project):
    with time_machine.travel(APPLIED_AT, tick=False):
        return make.engagement(project, staff, state="applied")


def at(delta: timedelta):
    return time_machine.travel(APPLIED_AT + delta, tick=False)


def test_no_nudge_before_7_days(db, application):
    with at(timedelta(days=6, hours=23, minutes=59)):
        assert jobs.nudge_unanswered() == 0
    assert notes(db) == []
    assert application.nudged_at is None


def test_a_nudge_at_7_days_to_every_member_once(db, application, manager, colleague):
    with at(timedelta(days=7)):
        assert jobs.nudge_unanswered() == 1
        assert jobs.nudge_unanswered() == 0  # safe to run twice
    with at(timedelta(days=12)):
        assert jobs.nudge_unanswered() == 0
    told = notes(db)
    assert sorted(n.recipient_id for n in told) == sorted([manager.id, colleague.id])
    assert all(n.dedupe_key == f"engagement:{application.id}:nudge" for n in told)
    assert all(n.subject == "Waiting for your answer: Sadia Rahman" for n in told)
    assert all(n.link == f"/engagements/{application.id}" for n in told)
    db.session.refresh(application)
    assert application.nudged_at is not None
    assert application.state == S.APPLIED


def test_the_nudge_passes_over_answered_applications(db, make, application, project):
    with time_machine.travel(APPLIED_AT, tick=False):
        answered = make.engagement(project, make.profile().user, state="accepted")
    with at(timedelta(days=8)):
        assert jobs.nudge_unanswered() == 1
    db.session.refresh(answered)
    assert answered.nudged_at is None


def test_the_now_argument_sets_the_time(db, application):
    assert jobs.nudge_unanswered(APPLIED_AT + timedelta(days=6)) == 0
    assert jobs.nudge_unanswered(APPLIED_AT + timedelta(days=7)) == 1


def test_applications_expire_at_21_days(db, application, staff, manager):
    with at(timedelta(days=20, hours=23)):
        assert jobs.expire_unanswered() == 0
    db.session.refresh(application)
    assert application.state == S.APPLIED
    with at(timedelta(days=21)):
        assert jobs.expire_unanswered() == 1
        assert jobs.expire_unanswered() == 0
    db.session.refresh(application)
    assert application.state == S.EXPIRED
    (told,) = notes(db)
    assert told.recipient_id == staff.id
    assert told.subject == "Your application has expired: Neonatal course"
    assert "within 21 days" in told.body
    # An expired application is not nudged afterwards.
    with at(timedelta(days=22)):
        assert jobs.nudge_unanswered() == 0


def test_active_engagements_complete_after_their_end_date(db, make, staff, organisation):
    today = date(2026, 6, 10)
    ends_yesterday = make.opportunity(organisation, ends_on=today - timedelta(days=1))
    ends_today = make.opportunity(organisation, ends_on=today)
    open_ended = make.opportunity(organisation, ends_on=None)
    past = make.engagement(ends_yesterday, staff, state="active")
    current = make.engagement(ends_today, staff, state="active")
    own_end = make.engagement(open_ended, staff, state="active", ends_on=today - timedelta(days=3))
    no_end = make.engagement(make.opportunity(organisation, ends_on=None), staff, state="active")
    # Its own end date wins over the opportunity's.
    extended = make.engagement(
        make.opportunity(organisation, ends_on=today - timedelta(days=5)),
        staff,
        state="active",
        ends_on=today + timedelta(days=30),
    )
    accepted = make.engagement(
        make.opportunity(organisation, ends_on=today - timedelta(days=5)), staff, state="accepted"
    )
    with time_machine.travel(datetime(2026, 6, 10, 8, 0, tzinfo=UTC), tick=False):
        assert jobs.complete_finished() == 2
        assert jobs.complete_finished() == 0
    for engagement in (past, current, own_end, no_end, extended, accepted):
        db.session.refresh(engagement)
    assert past.state == own_end.state == S.COMPLETED
    assert current.state == no_end.state == extended.state == S.ACTIVE
    assert accepted.state == S.ACCEPTED
    told = notes(db)
    assert [n.recipient_id for n in told] == [staff.id, staff.id]
    assert {n.link for n in told} == {f"/engagements/{past.id}", f"/engagements/{own_end.id}"}
