"""The engagement state machine: the one place that says which changes are legal.

Services call `move()`; a change not in TRANSITIONS raises IllegalTransition whatever the
page offered, so a crafted request cannot skip a step.

Who may ask for which change is the services' and views' business (the person withdraws, the
organisation decides, the jobs expire and complete); this table says only what may follow what.
`cancelled` means the organisation ended it: from `interested` or `applied` only when the
opportunity itself is cancelled, from a place or a waiting list at any time.
"""

from datetime import datetime

from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.engagements.models import Engagement, EngagementState, ReleaseStatus

S = EngagementState

TRANSITIONS: dict[str, frozenset[str]] = {
    S.INTERESTED: frozenset({S.APPLIED, S.WITHDRAWN, S.CANCELLED}),
    S.APPLIED: frozenset({S.ACCEPTED, S.DECLINED, S.WITHDRAWN, S.EXPIRED, S.CANCELLED}),
    S.WAITING: frozenset({S.ACCEPTED, S.WITHDRAWN, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.ACTIVE, S.WITHDRAWN, S.CANCELLED, S.NO_SHOW}),
    S.ACTIVE: frozenset({S.COMPLETED, S.CANCELLED}),
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.EXPIRED: frozenset(),
    S.COMPLETED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
}

FINAL = frozenset(state for state, targets in TRANSITIONS.items() if not targets)
# A booking on one tele-teaching session (`session_id` set) that its holder cancelled may be
# taken again: the same row comes back to a place or to the end of the waiting list, since a
# person has one row per session (UNIQUE(session_id, user_id)). Nothing else leaves a final state.
REBOOKING: dict[str, frozenset[str]] = {S.WITHDRAWN: frozenset({S.ACCEPTED, S.WAITING})}
# States in which a person holds, or waits for, a part in the opportunity.
LIVE = frozenset({S.INTERESTED, S.APPLIED, S.WAITING, S.ACCEPTED, S.ACTIVE})


# Each state in a sentence ("An engagement that is withdrawn cannot become active.").
STATE_WORDS = {
    S.INTERESTED: N_("interested"),
    S.APPLIED: N_("applied"),
    S.WAITING: N_("waiting"),
    S.ACCEPTED: N_("accepted"),
    S.DECLINED: N_("declined"),
    S.WITHDRAWN: N_("withdrawn"),
    S.EXPIRED: N_("expired"),
    S.ACTIVE: N_("active"),
    S.COMPLETED: N_("completed"),
    S.NO_SHOW: N_("no show"),
    S.CANCELLED: N_("cancelled"),
}


class IllegalTransition(Exception):
    """A change of state the rules do not allow; `str()` is a message fit to show a person."""


def _allowed(engagement: Engagement) -> frozenset[str]:
    allowed = TRANSITIONS.get(engagement.state, frozenset())
    if engagement.session_id is not None:
        allowed = allowed | REBOOKING.get(engagement.state, frozenset())
    return allowed


def can_move(engagement: Engagement, to: str) -> bool:
    if to not in _allowed(engagement):
        return False
    return not (to == S.ACTIVE and not released(engagement))


def released(engagement: Engagement) -> bool:
    return engagement.release_status in (ReleaseStatus.NOT_NEEDED, ReleaseStatus.CONFIRMED)


def move(engagement: Engagement, to: str, *, at: datetime | None = None) -> None:
    """Change the state, stamping the matching time; refuse anything TRANSITIONS (or, for a
    session's booking, REBOOKING) does not list."""
    if to not in _allowed(engagement):
        raise IllegalTransition(
            N_(
                "An engagement that is %(state)s cannot become %(to)s.",
                state=STATE_WORDS[S(engagement.state)],
                to=STATE_WORDS[S(to)],
            )
        )
    if to == S.ACTIVE and not released(engagement):
        raise IllegalTransition(
            N_("This engagement cannot start until the person's NHS line manager confirms release.")
        )
    now = at or utcnow()
    engagement.state = to
    if to == S.APPLIED:
        engagement.applied_at = now
    elif to in (S.ACCEPTED, S.DECLINED, S.EXPIRED):
        engagement.decided_at = now
    elif to == S.ACTIVE:
        engagement.started_at = now
    if to in FINAL:
        engagement.ended_at = now
    elif engagement.ended_at is not None:  # a booking taken again
        engagement.ended_at = None
