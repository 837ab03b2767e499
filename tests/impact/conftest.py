"""A known world for the impact figures, with every figure counted by hand in the tests.

Range under test: 1 January to 30 June 2026 (Europe/London).

Charity "Hope Health" (coordinator Kemi) has two cohorts:
- "Nigeria nurses": Alice (adult nurse, shows her profile to coordinators, agreed to contact),
  Bob ("only me"), Erin (a midwife who then deleted her account, which takes her out of every
  cohort: her work still counts for the platform and for Lagos, no longer for the charity);
- "Paramedics": Dave (paramedic, visible to verified organisations, no consent to contact).
Charity "Other Aid" (coordinator Olu) has a cohort with Frank.

Partner "Lagos Teaching Hospital" (NG, on the WHO safeguards list) posts a project (titled like a
formula), a tele-teaching opportunity (session 1 held on 10 February, session 2 cancelled) and a
return placement. Partner "Delhi Clinic" (IN, not on the list) posts a project.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from diaspora.cohorts.models import Cohort
from diaspora.contributions.models import HoursLog
from diaspora.core.time import utcnow
from diaspora.impact.services import Period
from diaspora.milestones.models import Plan
from diaspora.mydata.services import erase_account
from diaspora.organisations.models import Organisation
from tests.factories import PASSWORD

START, END = date(2026, 1, 1), date(2026, 6, 30)
PERIOD = Period(START, END, "Europe/London")
RANGE_ARGS = {
    "start-day": "1",
    "start-month": "1",
    "start-year": "2026",
    "end-day": "30",
    "end-month": "6",
    "end-year": "2026",
}


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class World:
    charity: Organisation
    other_charity: Organisation
    lagos: Organisation
    delhi: Organisation
    nurses: Cohort
    paramedics: Cohort
    other_cohort: Cohort
    kemi: object
    olu: object
    lagos_member: object
    delhi_member: object
    alice: object
    bob: object
    erin: object
    dave: object
    frank: object


def _log(db, engagement, month: date, minutes: int, learners: int, status: str) -> None:
    db.session.add(
        HoursLog(
            engagement=engagement,
            month=month,
            minutes=minutes,
            learners_reached=learners,
            status=status,
        )
    )


@pytest.fixture
def world(make, db) -> World:
    charity = make.organisation(kind="charity", country="GB", name="Hope Health")
    other_charity = make.organisation(kind="charity", country="GB", name="Other Aid")
    kemi = make.coordinator(charity, name="Kemi Coordinator")
    olu = make.coordinator(other_charity, name="Olu Coordinator")
    lagos_member = make.user(roles=["partner"], name="Lagos Manager")
    lagos = make.organisation(owner=lagos_member, name="Lagos Teaching Hospital", country="NG")
    delhi_member = make.user(roles=["partner"], name="Delhi Manager")
    delhi = make.organisation(owner=delhi_member, name="Delhi Clinic", country="IN")

    alice = make.profile(
        make.user(name="Alice Adeyemi"), profession="adult_nurse", visibility="coordinators"
    ).user
    bob = make.profile(make.user(name="Bob Bello"), profession="doctor", visibility="private").user
    erin = make.profile(make.user(name="Erin Eze"), profession="midwife").user
    dave = make.profile(make.user(name="Dave Dike"), profession="paramedic", consent=False).user
    frank = make.profile(make.user(name="Frank Fashola"), profession="doctor").user

    nurses = make.cohort(charity, name="Nigeria nurses", members=(alice, bob, erin))
    paramedics = make.cohort(charity, name="Paramedics", members=(dave,))
    other_cohort = make.cohort(other_charity, name="Other cohort", members=(frank,))

    project = make.opportunity(lagos, country="NG", title='=HYPERLINK("http://x")')
    teaching = make.opportunity(
        lagos, kind="teaching", country="NG", sessions=2, starts_at=at(2026, 2, 10)
    )
    held, cancelled = teaching.sessions
    cancelled.status = "cancelled"
    held.attendance_recorded_at = at(2026, 2, 10, 12)
    placement = make.opportunity(lagos, kind="placement", country="NG")
    delhi_project = make.opportunity(delhi, country="IN")

    def engage(opportunity, user, state, **fields):
        return make.engagement(opportunity, user, state=state, **fields)

    alice_project = engage(
        project, alice, "completed", started_at=at(2026, 1, 5), ended_at=at(2026, 4, 15)
    )
    _log(db, alice_project, date(2025, 12, 1), 600, 50, "approved")  # before the range
    _log(db, alice_project, date(2026, 2, 1), 120, 10, "approved")
    _log(db, alice_project, date(2026, 3, 1), 90, 5, "approved")
    _log(db, alice_project, date(2026, 4, 1), 60, 4, "pending")
    _log(db, alice_project, date(2026, 5, 1), 30, 2, "declined")
    engage(teaching, alice, "completed", session_id=held.id, ended_at=at(2026, 2, 10, 11))
    engage(teaching, alice, "cancelled", session_id=cancelled.id, ended_at=at(2026, 3, 1))

    bob_project = engage(delhi_project, bob, "active", started_at=at(2026, 3, 1))
    _log(db, bob_project, date(2026, 3, 1), 240, 20, "approved")

    erin_placement = engage(
        placement, erin, "completed", started_at=at(2026, 1, 10), ended_at=at(2026, 5, 20)
    )
    _log(db, erin_placement, date(2026, 5, 1), 300, 0, "approved")

    dave_project = engage(
        project, dave, "completed", started_at=at(2026, 6, 1), ended_at=at(2026, 7, 5)
    )
    _log(db, dave_project, date(2026, 6, 1), 60, 3, "approved")

    frank_project = engage(
        delhi_project, frank, "completed", started_at=at(2026, 1, 5), ended_at=at(2026, 2, 20)
    )
    _log(db, frank_project, date(2026, 2, 1), 180, 7, "approved")
    engage(teaching, frank, "completed", session_id=held.id, ended_at=at(2026, 2, 10, 11))

    today = utcnow().date()
    for owner, country, days in (
        (alice, "NG", 40),
        (bob, "NG", 70),
        (dave, "IN", 200),
        (frank, "NG", 40),
    ):
        db.session.add(
            Plan(
                owner_id=owner.id,
                scheme="MTI",
                starts_on=today - timedelta(days=300),
                expected_end_on=today + timedelta(days=days),
                return_country=country,
            )
        )
    db.session.add(  # ended already: not in the pipeline
        Plan(
            owner_id=dave.id,
            scheme="MTI",
            starts_on=today - timedelta(days=700),
            expected_end_on=today - timedelta(days=5),
            return_country="IN",
        )
    )
    db.session.commit()

    erase_account(db.session, erin, PASSWORD)
    db.session.commit()

    return World(
        charity=charity,
        other_charity=other_charity,
        lagos=lagos,
        delhi=delhi,
        nurses=nurses,
        paramedics=paramedics,
        other_cohort=other_cohort,
        kemi=kemi,
        olu=olu,
        lagos_member=lagos_member,
        delhi_member=delhi_member,
        alice=alice,
        bob=bob,
        erin=erin,
        dave=dave,
        frank=frank,
    )
