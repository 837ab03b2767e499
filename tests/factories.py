"""Factories for test data: plain functions on a session, no magic."""

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta

import pyotp

from diaspora.auth.models import STORED_ROLES, User, UserRole
from diaspora.auth.services import hash_password
from diaspora.cohorts.models import Cohort, CohortMember
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.factors.models import RecoveryCode, TotpFactor
from diaspora.factors.services import code_digest, encrypt_secret
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
    TeachingSession,
)
from diaspora.organisations.models import MemberRole, Membership, Organisation, Verification
from diaspora.registry.models import CountryTie, LanguageSkill, ProfileSkill, StaffProfile
from diaspora.registry.services import refresh_search_text

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


class Factories:
    def __init__(self, session) -> None:
        self.session = session
        self._password_hash: str | None = None

    def user(
        self,
        *,
        email: str | None = None,
        name: str | None = None,
        roles: list[str] | tuple[str, ...] = ("staff",),
        verified: bool = True,
        active: bool = True,
        password: str = PASSWORD,
        second_factor: bool | None = None,
    ) -> User:
        n = next(_sequence)
        if password == PASSWORD:
            self._password_hash = self._password_hash or hash_password(PASSWORD)
            password_hash = self._password_hash
        else:
            password_hash = hash_password(password)
        user = User(
            email=email or f"person{n}@example.org",
            display_name=name or f"Person {n}",
            password_hash=password_hash,
            email_verified_at=utcnow() if verified else None,
            active=active,
        )
        # Only staff and admin are stored; "partner" and "coordinator" come from memberships.
        user.roles = [UserRole(role=role) for role in roles if role in STORED_ROLES]
        self.session.add(user)
        self.session.commit()
        if second_factor or (second_factor is None and "admin" in roles):
            self.second_factor(user)
        return user

    def staff_members(self, count: int, *, prefix: str = "booker") -> list[User]:
        """`count` staff members with completed private profiles, who may book sessions and
        sign in with PASSWORD (`<prefix><n>@example.org`), added in one commit."""
        self._password_hash = self._password_hash or hash_password(PASSWORD)
        now = utcnow()
        users = []
        for n in range(count):
            user = User(
                email=f"{prefix}{n}@example.org",
                display_name=f"{prefix.title()} {n}",
                password_hash=self._password_hash,
                email_verified_at=now,
            )
            user.roles = [UserRole(role="staff")]
            self.session.add(user)
            self.session.add(
                StaffProfile(
                    user=user, profession="adult_nurse", completed_at=now, visibility="private"
                )
            )
            users.append(user)
        self.session.commit()
        return users

    def second_factor(self, user: User) -> None:
        """An authenticator app (and recovery codes) for someone who must have a second factor
        (administrators, members of organisations), as if they had enrolled; sign-in helpers
        answer with codes computed from it."""
        if self.session.query(TotpFactor).filter_by(user_id=user.id).first() is not None:
            return
        self.session.add(TotpFactor(user_id=user.id, secret=encrypt_secret(pyotp.random_base32())))
        codes = (secrets.token_hex(8) for _ in range(10))
        self.session.add_all(RecoveryCode(user_id=user.id, digest=code_digest(c)) for c in codes)
        self.session.commit()

    def organisation(
        self,
        *,
        owner: User | None = None,
        name: str | None = None,
        kind: str = "partner_institution",
        country: str = "BD",
        verified: bool = True,
        members: tuple[User, ...] = (),
    ) -> Organisation:
        n = next(_sequence)
        organisation = Organisation(
            name=name or f"Organisation {n}",
            kind=kind,
            country=country,
            verification=Verification.VERIFIED if verified else Verification.PENDING,
        )
        self.session.add(organisation)
        if owner is not None:
            self.session.add(
                Membership(user=owner, organisation=organisation, role=MemberRole.OWNER)
            )
        for member in members:
            self.session.add(Membership(user=member, organisation=organisation))
        self.session.commit()
        for person in (owner, *members):
            if person is not None:
                self.second_factor(person)
        return organisation

    def profile(
        self,
        user: User | None = None,
        *,
        visibility: str = "verified_organisations",
        consent: bool = True,
        profession: str = "doctor",
        ties: tuple[tuple[str, str], ...] = (("BD", "born"),),
        languages: tuple[tuple[str, int], ...] = (("ben", 4), ("eng", 3)),
        skills: tuple[tuple[str, int], ...] = (("neonatal_resuscitation", 4),),
        **fields,
    ) -> StaffProfile:
        """A completed profile; ties are (country, kind), languages and skills (code, level)."""
        profile = StaffProfile(
            user=user or self.user(roles=["staff"]),
            profession=profession,
            visibility=visibility,
            consent_to_contact=consent,
            completed_at=utcnow(),
            **fields,
        )
        self.session.add(profile)
        profile.ties = [CountryTie(country=c, kind=k) for c, k in ties]
        profile.languages = [LanguageSkill(language=c, proficiency=p) for c, p in languages]
        profile.skills = [ProfileSkill(code=c, level=level) for c, level in skills]
        refresh_search_text(profile)
        self.session.commit()
        return profile

    def opportunity(
        self,
        organisation: Organisation | None = None,
        *,
        kind: str = "project",
        status: str = "open",
        country: str = "BD",
        modality: str = "remote",
        professions: tuple[str, ...] = ("doctor",),
        skills: tuple[tuple[str, int], ...] = (("neonatal_resuscitation", 3),),
        languages: tuple[tuple[str, int], ...] = (),
        sessions: int = 1,
        capacity: int = 20,
        starts_at: datetime | None = None,
        **fields,
    ) -> Opportunity:
        """An opportunity of any kind; a teaching one gets `sessions` weekly occurrences from
        `starts_at` (default: a week from now) with `capacity` places each."""
        n = next(_sequence)
        if organisation is None:
            organisation = self.organisation(owner=self.user(roles=["partner"]))
        first = starts_at or (utcnow() + timedelta(days=7)).replace(
            minute=0, second=0, microsecond=0
        )
        defaults = {
            "title": f"Opportunity {n}",
            "description": "Help wanted.",
            "starts_on": first.date() if kind == "teaching" else date.today(),
            "ends_on": None if kind == "teaching" else date.today() + timedelta(days=90),
            "hours_per_month": None if kind == "teaching" else 8,
            "places": None if kind == "teaching" else 3,
        }
        if kind == "teaching":
            defaults |= {
                "host_time_zone": "Asia/Dhaka",
                "duration_minutes": 60,
                "capacity": capacity,
                "join_link": f"https://meet.example.org/session-{n}",
                "audience": "Final-year nursing students",
                "learners_expected": 40,
                "recurrence": "weekly" if sessions > 1 else "none",
                "occurrences": sessions,
            }
        elif kind == "placement":
            defaults |= {
                "host_institution": "Sylhet MAG Osmani Medical College Hospital",
                "duration_months": 6,
            }
        opportunity = Opportunity(
            organisation=organisation,
            kind=kind,
            status=status,
            country=country,
            modality=modality,
            published_at=None if status == "draft" else utcnow(),
            **(defaults | fields),
        )
        opportunity.professions = [OpportunityProfession(profession=p) for p in professions]
        opportunity.skills = [OpportunitySkill(code=c, min_level=level) for c, level in skills]
        opportunity.languages = [
            OpportunityLanguage(language=c, min_proficiency=p) for c, p in languages
        ]
        if kind == "teaching":
            opportunity.sessions = [
                TeachingSession(
                    number=i + 1,
                    starts_at=first.astimezone(UTC) + timedelta(weeks=i),
                    duration_minutes=opportunity.duration_minutes,
                    capacity=capacity,
                )
                for i in range(sessions)
            ]
        self.session.add(opportunity)
        self.session.commit()
        return opportunity

    def engagement(
        self,
        opportunity: Opportunity | None = None,
        user: User | None = None,
        *,
        state: str = "applied",
        **fields,
    ) -> Engagement:
        """An engagement put straight into `state` (services are what tests test)."""
        opportunity = opportunity or self.opportunity()
        user = user or self.profile().user
        now = utcnow()
        engagement = Engagement(
            opportunity=opportunity,
            user=user,
            state=state,
            applied_at=now if state != "interested" else None,
            **fields,
        )
        self.session.add(engagement)
        self.session.commit()
        return engagement

    def coordinator(self, organisation: Organisation | None = None, **fields) -> User:
        """A coordinator: an active membership of a verified charity (or of `organisation`,
        which should be a charity or an NHS trust)."""
        user = self.user(**({"roles": []} | fields))
        if organisation is None:
            self.organisation(owner=user, kind="charity", country="GB")
        else:
            self.session.add(Membership(user=user, organisation=organisation))
            self.session.commit()
            self.second_factor(user)
        return user

    def cohort(
        self,
        organisation: Organisation | None = None,
        *,
        name: str | None = None,
        members: tuple[User, ...] = (),
        created_by: User | None = None,
        **fields,
    ) -> Cohort:
        """A cohort of `organisation` (a new verified charity by default) with these members."""
        organisation = organisation or self.organisation(kind="charity", country="GB")
        cohort = Cohort(
            organisation=organisation,
            name=name or f"Cohort {next(_sequence)}",
            created_by_id=created_by.id if created_by else None,
            **fields,
        )
        self.session.add(cohort)
        for member in members:
            cohort.members.append(CohortMember(user=member))
        self.session.commit()
        return cohort
