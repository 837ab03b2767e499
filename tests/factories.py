"""Factories for test data: plain functions on a session, no magic."""

import itertools

from diaspora.auth.models import User, UserRole
from diaspora.auth.services import hash_password
from diaspora.core.time import utcnow
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
        user.roles = [UserRole(role=role) for role in roles]
        self.session.add(user)
        self.session.commit()
        return user

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
