"""Fixtures for the credentials tests: credentials and verifiers, made directly."""

from datetime import timedelta

import pytest

from diaspora.core.time import utcnow
from diaspora.credentials.models import Credential
from diaspora.credentials.services import today
from diaspora.registry.models import StaffProfile


@pytest.fixture
def add_credential(db):
    """Save a credential on a profile; `age_days` backdates it (the queue is oldest first)."""

    def _add(
        profile: StaffProfile,
        *,
        regulator: str = "GMC",
        number: str = "1234567",
        status: str = "unverified",
        expires_in: int | None = None,
        age_days: int = 0,
        **fields,
    ) -> Credential:
        credential = Credential(
            profile=profile,
            regulator=regulator,
            number=number,
            status=status,
            expires_on=today() + timedelta(days=expires_in) if expires_in is not None else None,
            created_at=utcnow() - timedelta(days=age_days),
            **fields,
        )
        db.session.add(credential)
        db.session.commit()
        return credential

    return _add


@pytest.fixture
def coordinator(make):
    """A coordinator of a verified charity: allowed to verify registrations."""
    user = make.user(roles=["coordinator"], name="Carla Coordinator")
    make.organisation(kind="charity", members=(user,))
    return user


@pytest.fixture
def new_profile(make, db):
    """make.profile, with the user loaded first: the shared factory, given a user just committed
    (and so expired), autoflushes a half-linked profile and SQLAlchemy warns."""

    def _profile(user=None, **kwargs) -> StaffProfile:
        user = user or make.user(roles=["staff"])
        db.session.refresh(user)
        return make.profile(user, **kwargs)

    return _profile
