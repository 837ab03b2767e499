"""A finished year of work in the demo world, so the impact pages have something to show: a
completed capacity-building project in Bangladesh, a completed return placement and a completed
project in Nigeria, with approved hours (and one month still waiting for review, which does not
count). Everyone whose hours are all approved gets their certificate, among them a nurse whose
name is written in Bengali script, so a certificate shows a name as typed. Idempotent: nothing
is added once the Sylhet project exists. Written straight to the tables: no messages are sent
for demo data."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from demo.contributions import certificate
from diaspora.auth.models import User
from diaspora.contributions.models import HoursLog, HoursStatus
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.opportunities.models import Opportunity, OpportunityStatus
from diaspora.organisations.models import Organisation


@dataclass(frozen=True)
class Work:
    title: str
    organisation: str
    kind: str
    country: str
    modality: str
    starts_on: date
    ends_on: date
    description: str
    # (email, [(month, hours, learners reached)], the last month waiting for review)
    people: tuple[tuple[str, tuple[tuple[date, float, int], ...], bool], ...]


WORK = (
    Work(
        title="Neonatal resuscitation instructor course, Sylhet 2026",
        organisation="Dhaka Medical College Hospital",
        kind="project",
        country="BD",
        modality="hybrid",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 8, 31),
        description="Train 40 nurses and midwives as Helping Babies Breathe instructors.",
        people=(
            ("staff@demo.test", ((date(2026, 3, 1), 6, 12), (date(2026, 4, 1), 8, 15)), False),
            ("staff01@demo.test", ((date(2026, 4, 1), 10, 20), (date(2026, 5, 1), 12, 18)), True),
            ("staff02@demo.test", ((date(2026, 6, 1), 5, 8),), False),
            ("staff06@demo.test", ((date(2026, 5, 1), 7, 14),), False),
        ),
    ),
    Work(
        title="Return placement: obstetric unit, Sylhet 2026",
        organisation="Dhaka Medical College Hospital",
        kind="placement",
        country="BD",
        modality="on_site",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 6, 30),
        description="Six months leading the obstetric emergency drills.",
        people=(
            ("staff03@demo.test", ((date(2026, 2, 1), 40, 30), (date(2026, 3, 1), 40, 25)), False),
        ),
    ),
    Work(
        title="Sepsis protocol review, Lagos 2026",
        organisation="Lagos University Teaching Hospital",
        kind="project",
        country="NG",
        modality="remote",
        starts_on=date(2026, 5, 1),
        ends_on=date(2026, 9, 30),
        description="Review the sepsis protocol with the emergency department.",
        people=(("staff01@demo.test", ((date(2026, 7, 1), 4, 10),), False),),
    ),
)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def load(session: Session) -> None:
    if session.scalar(select(Opportunity.id).where(Opportunity.title == WORK[0].title)):
        return
    engagements = []
    for work in WORK:
        organisation = session.scalar(
            select(Organisation).where(Organisation.name == work.organisation)
        )
        if organisation is None:
            continue  # the demo organisations load first
        opportunity = Opportunity(
            organisation=organisation,
            kind=work.kind,
            status=OpportunityStatus.COMPLETED,
            title=work.title,
            description=work.description,
            country=work.country,
            modality=work.modality,
            starts_on=work.starts_on,
            ends_on=work.ends_on,
            published_at=_at(work.starts_on),
            closed_at=_at(work.ends_on),
        )
        session.add(opportunity)
        for email, months, last_pending in work.people:
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                continue
            engagement = Engagement(
                opportunity=opportunity,
                user=user,
                state=EngagementState.COMPLETED,
                applied_at=_at(work.starts_on),
                decided_at=_at(work.starts_on),
                started_at=_at(work.starts_on),
                ended_at=_at(work.ends_on),
            )
            session.add(engagement)
            engagements.append((engagement, last_pending))
            for index, (month, hours, learners) in enumerate(months):
                pending = last_pending and index == len(months) - 1
                session.add(
                    HoursLog(
                        engagement=engagement,
                        month=month,
                        minutes=round(hours * 60),
                        learners_reached=learners,
                        status=HoursStatus.PENDING if pending else HoursStatus.APPROVED,
                        decided_at=None if pending else _at(month),
                    )
                )
    session.flush()
    for engagement, last_pending in engagements:
        if not last_pending:
            certificate(session, engagement)
