"""Fixtures for the cohorts tests: a charity, its coordinator, and staff to put in cohorts."""

import pytest


@pytest.fixture
def charity(make):
    return make.organisation(kind="charity", country="GB", name="Sylhet Health Link")


@pytest.fixture
def coordinator(make, charity):
    return make.coordinator(charity, name="Nasreen Chowdhury")


@pytest.fixture
def person(make):
    """A staff member with a completed profile: `person("Name", visibility=..., consent=...)`."""

    def _person(name: str, **profile):
        user = make.user(roles=["staff"], name=name)
        make.profile(user, **profile)
        return user

    return _person
