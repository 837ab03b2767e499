"""Fixtures for the contributions tests: an organisation with a manager, a staff member's
engagement on one of its opportunities, and hours logs made directly."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from diaspora.contributions.models import HoursLog
from diaspora.contributions.services import add_months, month_start
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.opportunities.models import Opportunity
from diaspora.organisations.models import Organisation


@dataclass
class World:
    organisation: Organisation
    manager: object
    opportunity: Opportunity
    staff: object
    engagement: Engagement


def this_month() -> date:
    return month_start(date.today())


def last_month() -> date:
    return add_months(this_month(), -1)


@pytest.fixture
def world(make, db) -> World:
    """An open project that started two months ago; its organisation's owner manages it; a
    staff member's engagement on it is active."""
    manager = make.user(roles=["partner"], name="Mina Manager")
    organisation = make.organisation(owner=manager, name="Sylhet MAG Osmani Medical College")
    start = add_months(this_month(), -2)
    opportunity = make.opportunity(
        organisation,
        title="Neonatal resuscitation training",
        starts_on=start,
        ends_on=start + timedelta(days=180),
    )
    staff = make.user(roles=["staff"], name="Nadia Rahman", email="nadia@example.org")
    engagement = make.engagement(
        opportunity, staff, state="active", started_at=utcnow() - timedelta(days=40)
    )
    return World(organisation, manager, opportunity, staff, engagement)


@pytest.fixture
def add_log(db):
    """Save a log directly (the services are what the tests test)."""

    def _add(
        engagement: Engagement,
        *,
        minutes: int = 120,
        month: date | None = None,
        status: str = "pending",
        learners: int = 0,
        note: str = "",
        **fields,
    ) -> HoursLog:
        log = HoursLog(
            engagement=engagement,
            month=month or this_month(),
            minutes=minutes,
            learners_reached=learners,
            note=note,
            status=status,
            decided_at=utcnow() if status != "pending" else None,
            **fields,
        )
        db.session.add(log)
        db.session.commit()
        return log

    return _add


@pytest.fixture
def complete(db):
    """Mark an engagement completed (as the engagements area's services would, via the state
    machine) and save it."""
    from diaspora.engagements.states import move

    def _complete(engagement: Engagement) -> Engagement:
        if engagement.state == "accepted":
            move(engagement, "active")
        move(engagement, "completed")
        db.session.commit()
        return engagement

    return _complete
