"""The state machine itself: every pair of states, legal or not.

EXPECTED is written out by hand: a state or a move added to TRANSITIONS without being added
here (and so thought about in the services and their tests) fails the first test."""

from itertools import product

import pytest

from diaspora.core.time import utcnow
from diaspora.engagements.models import STATE_LABELS, Engagement, EngagementState, ReleaseStatus
from diaspora.engagements.states import (
    FINAL,
    LIVE,
    TRANSITIONS,
    IllegalTransition,
    can_move,
    move,
)

S = EngagementState

EXPECTED = {
    S.INTERESTED: {S.APPLIED, S.WITHDRAWN, S.CANCELLED},
    S.APPLIED: {S.ACCEPTED, S.DECLINED, S.WITHDRAWN, S.EXPIRED, S.CANCELLED},
    S.WAITING: {S.ACCEPTED, S.WITHDRAWN, S.CANCELLED},
    S.ACCEPTED: {S.ACTIVE, S.WITHDRAWN, S.CANCELLED, S.NO_SHOW},
    S.ACTIVE: {S.COMPLETED, S.CANCELLED},
    S.DECLINED: set(),
    S.WITHDRAWN: set(),
    S.EXPIRED: set(),
    S.COMPLETED: set(),
    S.NO_SHOW: set(),
    S.CANCELLED: set(),
}

PAIRS = list(product(list(S), list(S)))


def test_the_table_is_the_one_the_services_were_written_for():
    assert set(TRANSITIONS) == set(S) == set(EXPECTED) == set(STATE_LABELS)
    assert {state: set(targets) for state, targets in TRANSITIONS.items()} == EXPECTED


def test_final_and_live_states():
    assert {S.DECLINED, S.WITHDRAWN, S.EXPIRED, S.COMPLETED, S.NO_SHOW, S.CANCELLED} == FINAL
    assert set(S) - FINAL == LIVE


@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_of_states(start, to):
    engagement = Engagement(state=start, release_status=ReleaseStatus.NOT_NEEDED)
    legal = to in EXPECTED[start]
    assert can_move(engagement, to) is legal
    if legal:
        move(engagement, to)
        assert engagement.state == to
    else:
        with pytest.raises(IllegalTransition) as refused:
            move(engagement, to)
        assert engagement.state == start
        assert "cannot become" in str(refused.value)


@pytest.mark.parametrize("release", [ReleaseStatus.NEEDED, "requested", "declined"])
def test_an_engagement_waiting_for_release_cannot_start(release):
    engagement = Engagement(state=S.ACCEPTED, release_status=release)
    assert not can_move(engagement, S.ACTIVE)
    with pytest.raises(IllegalTransition, match="line manager confirms release"):
        move(engagement, S.ACTIVE)
    assert engagement.state == S.ACCEPTED
    engagement.release_status = ReleaseStatus.CONFIRMED
    move(engagement, S.ACTIVE)
    assert engagement.state == S.ACTIVE and engagement.started_at is not None


def test_moves_stamp_their_times():
    engagement = Engagement(state=S.INTERESTED, release_status=ReleaseStatus.NOT_NEEDED)
    move(engagement, S.APPLIED)
    assert engagement.applied_at is not None
    move(engagement, S.ACCEPTED)
    assert engagement.decided_at is not None and engagement.ended_at is None
    move(engagement, S.ACTIVE)
    move(engagement, S.COMPLETED)
    assert engagement.ended_at is not None


def test_only_a_sessions_withdrawn_booking_is_taken_again():
    from diaspora.engagements.states import REBOOKING

    assert {state: set(targets) for state, targets in REBOOKING.items()} == {
        S.WITHDRAWN: {S.ACCEPTED, S.WAITING}
    }
    for to in (S.ACCEPTED, S.WAITING):
        booking = Engagement(state=S.WITHDRAWN, session_id=1, release_status="not_needed")
        booking.ended_at = utcnow()
        move(booking, to)
        assert booking.state == to and booking.ended_at is None
        application = Engagement(state=S.WITHDRAWN, release_status="not_needed")
        with pytest.raises(IllegalTransition):
            move(application, to)
