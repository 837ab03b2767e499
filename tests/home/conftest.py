"""A world with `n` items in every queue of each role's home page, for services and pages.

Every item is dated one minute after the one before it (`base + i minutes`, or `i` days for
dates), so a test can check that the oldest comes first.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from diaspora.auth.models import User
from diaspora.cohorts.models import Cohort
from diaspora.contributions.models import HoursLog
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.engagements.models import Engagement
from diaspora.matching.models import Invitation
from diaspora.milestones.models import Milestone, Plan
from diaspora.notifications.models import Notification
from diaspora.organisations.models import Membership


@dataclass
class Filled:
    """Who the queues belong to, and what was put in them, in order (oldest first)."""

    person: User
    items: dict[str, list] = field(default_factory=dict)


def _plan(db, owner: User, coordinator: User | None = None) -> Plan:
    plan = Plan(
        owner=owner,
        scheme="Medical Training Initiative (MTI)",
        starts_on=date(2026, 1, 5),
        expected_end_on=date(2028, 1, 5),
        coordinator=coordinator,
    )
    return plan


def _credential(profile, n: int, **fields) -> Credential:
    return Credential(profile=profile, regulator="GMC", number=f"{7000000 + n}", **fields)


@pytest.fixture
def fill_staff(db, make):
    """A staff member with `n` invitations, booked sessions, milestones due, applications,
    hours waiting and registrations expiring."""

    def _fill(n: int, person: User | None = None) -> Filled:
        now = utcnow()
        person = person or make.user(roles=["staff"])
        profile = make.profile(person)
        organisation = make.organisation(owner=make.user(roles=[]))
        filled = Filled(person)
        opportunities = [make.opportunity(organisation, places=3) for _ in range(n)]
        filled.items["invitations"] = [
            Invitation(opportunity=o, user=person, created_at=now - timedelta(minutes=n - i))
            for i, o in enumerate(opportunities)
        ]
        filled.items["applications"] = [
            Engagement(
                opportunity=o, user=person, state="applied", created_at=now - timedelta(hours=n - i)
            )
            for i, o in enumerate(opportunities)
        ]
        teaching = make.opportunity(organisation, kind="teaching", sessions=n)
        filled.items["sessions"] = [
            Engagement(opportunity=teaching, session=s, user=person, state="accepted")
            for s in teaching.sessions
        ]
        for s in teaching.sessions:
            s.booked = 1
        plan = _plan(db, person)
        today = now.date()
        filled.items["milestones"] = [
            Milestone(plan=plan, title=f"Milestone {i}", due_on=today - timedelta(days=n - i))
            for i in range(n)
        ]
        db.session.add(plan)
        worked = Engagement(opportunity=make.opportunity(organisation), user=person, state="active")
        filled.items["hours"] = [
            HoursLog(
                engagement=worked,
                month=date(2026, 1, 1),
                minutes=60 * (i + 1),
                created_at=now - timedelta(minutes=n - i),
            )
            for i in range(n)
        ]
        filled.items["registrations"] = [
            _credential(profile, i, expires_on=today + timedelta(days=i)) for i in range(n)
        ]
        for items in filled.items.values():
            db.session.add_all(items)
        db.session.commit()
        return filled

    return _fill


@pytest.fixture
def fill_partner(db, make):
    """A partner organisation's owner with `n` applications waiting, hours to review, sessions
    to record attendance for, releases waiting and opportunities with places to fill."""

    def _fill(n: int, person: User | None = None) -> Filled:
        now = utcnow()
        person = person or make.user(roles=[])
        organisation = make.organisation(owner=person)
        applicant = make.profile().user
        filled = Filled(person)
        opportunities = [make.opportunity(organisation, places=3, ends_on=None) for _ in range(n)]
        filled.items["opportunities"] = opportunities
        filled.items["applications"] = [
            Engagement(
                opportunity=o,
                user=applicant,
                state="applied",
                applied_at=now - timedelta(days=n - i),
            )
            for i, o in enumerate(opportunities)
        ]
        placements = [
            make.opportunity(organisation, kind="placement", status="closed") for _ in range(n)
        ]
        filled.items["releases"] = [
            Engagement(
                opportunity=o,
                user=applicant,
                state="accepted",
                release_status="requested",
                decided_at=now - timedelta(minutes=n - i),
            )
            for i, o in enumerate(placements)
        ]
        worked = Engagement(
            opportunity=make.opportunity(organisation, status="closed"),
            user=applicant,
            state="active",
        )
        filled.items["hours"] = [
            HoursLog(
                engagement=worked,
                month=date(2026, 1, 1),
                minutes=30,
                created_at=now - timedelta(minutes=n - i),
            )
            for i in range(n)
        ]
        past = make.opportunity(
            organisation,
            kind="teaching",
            status="closed",
            sessions=n,
            starts_at=(now - timedelta(weeks=n + 1)).replace(minute=0, second=0, microsecond=0),
        )
        for s in past.sessions:
            s.booked = 1
        filled.items["attendance"] = list(past.sessions)
        for name in ("applications", "releases", "hours"):
            db.session.add_all(filled.items[name])
        db.session.commit()
        return filled

    return _fill


@pytest.fixture
def fill_coordinator(db, make):
    """A coordinator with `n` registrations to verify, overdue milestones of people whose plans
    name them, and new volunteers tied to a cohort's country."""

    def _fill(n: int, person: User | None = None) -> Filled:
        now = utcnow()
        person = person or make.coordinator()
        charity = person_charity(db, person)
        cohort = Cohort(organisation_id=charity, name="Bangladesh volunteers", country="BD")
        db.session.add(cohort)
        filled = Filled(person)
        checked = make.profile(visibility="coordinators")
        checked.completed_at = now - timedelta(days=90)  # not a new volunteer
        filled.items["registrations"] = [
            _credential(checked, i, created_at=now - timedelta(minutes=n - i)) for i in range(n)
        ]
        db.session.add_all(filled.items["registrations"])
        plan = _plan(db, make.user(roles=["staff"]), coordinator=person)
        filled.items["milestones"] = [
            Milestone(
                plan=plan, title=f"Milestone {i}", due_on=now.date() - timedelta(days=n + 1 - i)
            )
            for i in range(n)
        ]
        db.session.add(plan)
        volunteers = []
        for i in range(n):
            profile = make.profile(visibility="coordinators")
            profile.completed_at = now - timedelta(minutes=n - i)
            volunteers.append(profile)
        filled.items["volunteers"] = volunteers
        for name in ("registrations", "milestones"):
            db.session.add_all(filled.items[name])
        db.session.commit()
        return filled

    return _fill


def person_charity(db, person: User) -> int:
    return db.session.scalar(
        select(Membership.organisation_id).where(Membership.user_id == person.id)
    )


@pytest.fixture
def fill_admin(db, make):
    """An administrator with `n` organisations to verify, failed emails and accounts whose
    email address was never confirmed."""

    def _fill(n: int, person: User | None = None) -> Filled:
        now = utcnow()
        person = person or make.user(roles=["admin"])
        filled = Filled(person)
        organisations = [make.organisation(verified=False) for _ in range(n)]
        for i, organisation in enumerate(organisations):
            organisation.created_at = now - timedelta(minutes=n - i)
        filled.items["organisations"] = organisations
        recipient = make.user(roles=["staff"])
        filled.items["emails"] = [
            Notification(
                recipient=recipient,
                kind="engagement_update",
                channel="email",
                subject="Your application",
                body="Body",
                state="failed",
                attempts=5,
                claimed_at=now - timedelta(minutes=n - i),
            )
            for i in range(n)
        ]
        db.session.add_all(filled.items["emails"])
        accounts = [make.user(roles=["staff"], verified=False) for _ in range(n)]
        for i, account in enumerate(accounts):
            account.created_at = now - timedelta(days=30, minutes=n - i)
        filled.items["accounts"] = accounts
        db.session.commit()
        return filled

    return _fill
