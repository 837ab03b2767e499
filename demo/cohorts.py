"""A demo cohort of the demo charity (Sylhet Health Link), created by the demo coordinator, with
the demo staff member and three Sylhet volunteers in it and one message sent. Written straight to
the tables, as if the steps had happened, so loading the demo queues no messages. Idempotent: a
cohort of that name is left alone."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.cohorts.models import Cohort, CohortMember, CohortMessage
from diaspora.core.time import utcnow
from diaspora.organisations.models import Organisation

NAME = "Bangladesh maternal health volunteers 2027"
CHARITY = "Sylhet Health Link"
COORDINATOR_EMAIL = "coordinator@demo.test"
MEMBERS = ("staff@demo.test", "staff01@demo.test", "staff02@demo.test", "staff03@demo.test")
SUBJECT = "Welcome to the 2027 volunteers"
BODY = (
    "Thank you for joining. Our first online meeting is on the first Thursday of next month "
    "at 7pm UK time: we will go through the Sylhet neonatal resuscitation programme and the "
    "dates of the two-week visits.\n"
    "If you have not finished your profile yet, please do, so we can match you to the right "
    "sessions."
)


def load(session: Session) -> None:
    charity = session.scalar(select(Organisation).where(Organisation.name == CHARITY))
    if charity is None or session.scalar(select(Cohort.id).where(Cohort.name == NAME)):
        return
    coordinator = session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
    now = utcnow()
    cohort = Cohort(
        organisation=charity,
        name=NAME,
        description="Midwives, nurses and doctors supporting maternal and newborn care in Sylhet.",
        country="BD",
        created_by_id=coordinator.id if coordinator else None,
        created_at=now - timedelta(days=30),
    )
    session.add(cohort)
    people = session.scalars(select(User).where(User.email.in_(MEMBERS))).all()
    for days, person in enumerate(sorted(people, key=lambda user: user.email)):
        cohort.members.append(
            CohortMember(
                user_id=person.id,
                added_by_id=coordinator.id if coordinator else None,
                joined_at=now - timedelta(days=28 - days),
            )
        )
    session.flush()
    session.add(
        CohortMessage(
            cohort_id=cohort.id,
            sender_id=coordinator.id if coordinator else None,
            subject=SUBJECT,
            body=BODY,
            sent_at=now - timedelta(days=20),
            recipients=len(people),
        )
    )
    session.flush()
