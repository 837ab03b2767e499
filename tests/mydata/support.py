"""A person with something in every part of the service, and a scan of every table for them."""

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.extensions import db
from diaspora.organisations.models import MemberRole, Membership
from diaspora.registry.models import AvailabilityWindow, ProfileSkill, StaffProfile

EMAIL = "zainab.quarshie@example.org"
NAME = "Zainab Quarshie-Oyelaran"
BIO = "Led the Zz-marker neonatal unit rebuild"
SPECIALTY = "Neonatal intensive care (Zz-specialty)"
NMC_PIN = "98Z7654Q"
HOME_NUMBER = "MDCN/Zz/4471"


@dataclass
class Person:
    user: User
    profile: StaffProfile
    admin: User


def full_person(make, *, email: str = EMAIL, name: str = NAME, marker: str = "") -> Person:
    """A staff member with every section of a profile, two credentials (one checked by an
    administrator), an organisation membership and audit events by them and about them."""
    user = make.user(email=email, name=name, roles=["staff"])
    admin = make.user(roles=["admin"])
    profile = make.profile(
        user,
        profession="midwife",
        visibility="coordinators",
        consent=True,
        ties=(("NG", "born"), ("NG", "trained"), ("GH", "heritage")),
        languages=(("yor", 4), ("eng", 3), ("twi", 1)),
        skills=(("neonatal_resuscitation", 4), ("midwifery_education", 3)),
        grade="afc_7",
        specialty=SPECIALTY + marker,
        nhs_employer="Northgate Teaching Hospitals NHS Foundation Trust",
        years_experience=14,
        bio=BIO + marker,
        hours_per_month=12,
        modality="both",
        notice_weeks=6,
        unavailable_until=date(2026, 12, 31),
    )
    user.time_zone = "Africa/Lagos"
    profile.skills.append(ProfileSkill(code="tag:kangaroo-care", tag="Kangaroo care", level=2))
    profile.windows = [
        AvailabilityWindow(starts_on=date(2027, 2, 1), ends_on=date(2027, 2, 21)),
        AvailabilityWindow(starts_on=date(2027, 7, 5), ends_on=date(2027, 7, 30)),
    ]
    checked = Credential(
        profile=profile,
        regulator="NMC",
        number="12A3456B" if marker else NMC_PIN,
        expires_on=date.today() + timedelta(days=300),
        status="verified",
        verified_by=admin,
        verified_at=utcnow(),
        note="Seen on the NMC register",
    )
    home = Credential(
        profile=profile,
        regulator="OTHER",
        regulator_name="Nursing and Midwifery Council of Nigeria",
        country="NG",
        number=HOME_NUMBER + marker,
    )
    db.session.add_all([checked, home])
    organisation = make.organisation(kind="charity", country="GB")
    db.session.add(Membership(user=user, organisation=organisation, role=MemberRole.MEMBER))
    db.session.flush()
    record(db.session, "profile.updated", actor=user, subject=profile)
    record(db.session, "credential.verified", actor=admin, subject=checked)
    record(db.session, "role.granted", actor=admin, subject=user, role="partner")
    db.session.commit()
    make.second_factor(user)  # a member of an organisation has one
    return Person(user, profile, admin)


def _text(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def rows_mentioning(*needles: str) -> list[str]:
    """`table.column` for every stored value, in every table, that contains one of the needles
    (case-insensitive). Columns of every type are read, not only the string ones."""
    db.session.expire_all()
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                if pattern.search(_text(value)):
                    found.append(f"{table.name}.{column}")
    return found
