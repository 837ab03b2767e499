"""Fixtures for the engagements tests: an organisation with two members, staff with completed
profiles, opportunities of each kind, signed-in clients for several people at once."""

import re

import pytest
from sqlalchemy import select

from diaspora.auth.models import User
from diaspora.notifications.models import Notification
from diaspora.registry.models import StaffProfile
from tests.helpers import sign_in


@pytest.fixture
def new_profile(make, db):
    """make.profile with the user loaded first. Given a user just committed (so expired), the
    shared factory autoflushes a half-linked profile while reading it, and SQLAlchemy warns."""

    def _profile(user=None, **kwargs) -> StaffProfile:
        user = user or make.user(roles=["staff"])
        db.session.refresh(user)
        return make.profile(user, **kwargs)

    return _profile


@pytest.fixture
def staff(make, new_profile) -> User:
    """A staff member with a completed profile that verified organisations may see."""
    return new_profile(make.user(roles=["staff"], name="Sadia Rahman")).user


@pytest.fixture
def manager(make) -> User:
    return make.user(roles=["partner"], name="Maya Manager")


@pytest.fixture
def colleague(make) -> User:
    return make.user(roles=["partner"], name="Colin Colleague")


@pytest.fixture
def organisation(make, manager, colleague):
    return make.organisation(owner=manager, members=(colleague,), name="Sylhet Health Trust")


@pytest.fixture
def project(make, organisation):
    """An open, remote project: no employer release needed."""
    return make.opportunity(
        organisation, kind="project", modality="remote", title="Neonatal course"
    )


@pytest.fixture
def placement(make, organisation):
    return make.opportunity(organisation, kind="placement", modality="on_site", title="Placement")


@pytest.fixture
def client_for(app, client):
    """A separate signed-in browser for each person, so a test can switch sides freely."""
    clients: dict[int, object] = {}

    def _client(user: User):
        if user.id not in clients:
            browser = app.test_client()
            sign_in(browser, user.email)
            clients[user.id] = browser
        return clients[user.id]

    return _client


def notes(db, **where) -> list[Notification]:
    """Outbox rows, in-app channel only (each message is also queued by email)."""
    query = select(Notification).where(Notification.channel == "inbox")
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.session.scalars(query.order_by(Notification.id)))


def html(response) -> str:
    return response.get_data(as_text=True)


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", html(response), re.S).group(1).strip()
