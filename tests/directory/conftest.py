"""Viewers of the directory: one of each kind the privacy rules tell apart."""

import pytest

from tests.factories import Factories

VIEWERS = [
    "staff",
    "partner_verified",
    "partner_unverified",
    "coordinator_verified",
    "coordinator_unverified",
    "admin",
]


def make_viewer(make: Factories, kind: str):
    """A signed-up user of the given kind (see VIEWERS), with the organisation that makes it so."""
    if kind == "staff":
        return make.user(roles=["staff"])
    if kind == "admin":
        return make.user(roles=["admin"])
    role, verification = kind.split("_")
    user = make.user(roles=[role])
    org_kind = "charity" if role == "coordinator" else "partner_institution"
    make.organisation(kind=org_kind, verified=verification == "verified", members=(user,))
    return user


@pytest.fixture
def viewer(make):
    """viewer(kind) -> a user of that kind."""
    return lambda kind: make_viewer(make, kind)


@pytest.fixture
def person(make, db):
    """person(name, **profile fields) -> a completed profile (make.profile) for a new user.

    The user is loaded before make.profile reads it: given a user just committed (so expired),
    the shared factory would autoflush a half-linked profile, and SQLAlchemy warns.
    """

    def _person(name: str, **kwargs):
        user = make.user(name=name)
        db.session.refresh(user)
        return make.profile(user, **kwargs)

    return _person
