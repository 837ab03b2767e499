import pytest

from diaspora.registry.models import StaffProfile


@pytest.fixture
def new_profile(make, db):
    """make.profile with the user loaded first. Given a user just committed (so expired), the
    shared factory autoflushes a half-linked profile while reading it, and SQLAlchemy warns."""

    def _profile(user=None, **kwargs) -> StaffProfile:
        user = user or make.user(roles=["staff"])
        db.session.refresh(user)
        return make.profile(user, **kwargs)

    return _profile
