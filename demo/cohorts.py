"""A demo cohort of the demo charity (Sylhet Health Link), created by the demo coordinator, with
the demo staff member and three Sylhet volunteers in it, one message sent, and a spreadsheet of
volunteers imported (invitations waiting, one expired, two rows refused). Written
straight to the tables, as if the steps had happened, so loading the demo queues no messages.
Idempotent: a cohort of that name is left alone."""

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.cohorts.models import (
    Cohort,
    CohortInvitation,
    CohortMember,
    CohortMessage,
    VolunteerImport,
)
from diaspora.cohorts.volunteers import INVITATION_MAX_AGE
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
# The charity's spreadsheet of volunteers it already worked with: (name, address, profession,
# countries, languages, days since invited; None: not answered yet, "accepted" or "expired").
IMPORTED = (
    ("Amina Begum", "amina.begum@volunteers.test", "midwife", ["BD"], ["ben", "syl"], None),
    ("Farhana Islam", "farhana.islam@volunteers.test", "adult_nurse", ["BD", "IN"], ["ben"], None),
    ("Rafiq Uddin", "rafiq.uddin@volunteers.test", "doctor", ["BD"], ["ben", "eng"], None),
    ("Nazia Chowdhury", "nazia.chowdhury@volunteers.test", "midwife", ["BD"], ["syl"], "expired"),
)
REFUSED = (
    {
        "line": 6,
        "name": "",
        "email": "volunteer@",
        "profession_text": "Nurse",
        "countries_text": "Sylhet",
        "languages_text": "Bangla",
        "profession": None,
        "countries": [],
        "languages": [],
        "problems": [
            "Name is missing",
            "Email address is not a valid email address",
            "Unknown profession: Nurse",
            "Unknown country: Sylhet",
            "Unknown language: Bangla",
        ],
    },
    {
        "line": 7,
        "name": "Amina B.",
        "email": "amina.begum@volunteers.test",
        "profession_text": "Midwife",
        "countries_text": "BD",
        "languages_text": "",
        "profession": "midwife",
        "countries": ["BD"],
        "languages": [],
        "problems": ["Same email address as row 2"],
    },
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
    _imported(session, cohort, coordinator, now)


def _imported(session: Session, cohort: Cohort, coordinator: User | None, now) -> None:
    confirmed = now - timedelta(days=5)
    upload = VolunteerImport(
        cohort_id=cohort.id,
        created_by_id=coordinator.id if coordinator else None,
        created_at=confirmed,
        confirmed_at=confirmed,
        rows=list(REFUSED),
        row_count=len(IMPORTED) + len(REFUSED),
        invited=len(IMPORTED),
    )
    session.add(upload)
    session.flush()
    for name, email, profession, countries, languages, state in IMPORTED:
        sent = confirmed if state != "expired" else now - INVITATION_MAX_AGE - timedelta(days=3)
        session.add(
            CohortInvitation(
                cohort_id=cohort.id,
                import_id=upload.id,
                email=email,
                name=name,
                profession=profession,
                countries=countries,
                languages=languages,
                nonce=secrets.token_hex(16),
                invited_by_id=coordinator.id if coordinator else None,
                created_at=sent,
                sent_at=sent,
                expires_at=sent + INVITATION_MAX_AGE,
            )
        )
    session.flush()
