"""The log of changes on a database whose commits are real, with writers side by side: unrelated
writers never wait on each other, a copy misses nothing that commits late under an older
version, and an old transaction left open costs a copy nothing more."""

import threading

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from diaspora.extensions import db
from diaspora.matching import engine
from diaspora.matching.staff_pool import StaffPool
from diaspora.opportunities.models import Opportunity
from diaspora.registry.models import StaffProfile
from tests.factories import Factories
from tests.helpers import QueryCounter
from tests.matching.test_engine import AUDIENCE, TODAY

WAIT_SECONDS = 10


def postgresql_only(kind: str) -> None:
    if kind != "postgresql":
        pytest.skip("SQLite has one writer at a time: writers cannot overlap there")


def profile(session: Session) -> int:
    """A completed profile tied to Bangladesh, committed by `session`; its user's id."""
    person = Factories(session).profile()
    session.commit()
    return person.user_id


def chosen(pool: StaffPool, opportunity_id: int) -> set[int]:
    """The users the copy keeps in the opportunity's pool, after catching up."""
    opportunity = db.session.get_one(Opportunity, opportunity_id)
    need = engine.need_of(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    ids = pool.choose(db.session, need, TODAY, for_candidate=False, limit=100)
    users = set(db.session.scalars(select(StaffProfile.user_id).where(StaffProfile.id.in_(ids))))
    db.session.commit()
    return users


@pytest.fixture
def opportunity(committed) -> int:
    made = Factories(db.session).opportunity(country="BD", modality="remote")
    db.session.commit()
    return made.id


def test_writers_of_different_rows_do_not_wait_for_each_other(committed, opportunity):
    postgresql_only(committed)
    held, go_on = threading.Event(), threading.Event()
    first = Session(db.engine)

    def hold(connection) -> None:  # the first writer has logged its change and not committed
        held.set()
        go_on.wait(WAIT_SECONDS)

    Factories(first).profile()
    event.listen(first.connection(), "commit", hold)
    writer = threading.Thread(target=first.commit)
    writer.start()
    try:
        assert held.wait(WAIT_SECONDS)
        second = Session(db.engine)
        second.execute(text("SET LOCAL lock_timeout = '3s'"))
        profile(second)  # no shared row to queue on: it commits while the first waits
        second.close()
    finally:
        go_on.set()
        writer.join()
        first.close()


def test_a_change_that_commits_late_under_an_older_version_is_seen(committed, opportunity):
    postgresql_only(committed)
    pool = StaffPool()
    assert chosen(pool, opportunity) == set()
    early = Session(db.engine)
    early.execute(select(func.pg_current_xact_id()))  # the older transaction, by its id
    late = Session(db.engine)
    late_user = profile(late)  # a younger transaction, committed first
    assert chosen(pool, opportunity) == {late_user}
    early_user = profile(early)  # logged under the older version, below what the copy has read
    assert chosen(pool, opportunity) == {late_user, early_user}
    early.close()
    late.close()


def test_an_old_transaction_left_open_costs_a_copy_nothing_more(committed, opportunity):
    postgresql_only(committed)
    pool = StaffPool()
    chosen(pool, opportunity)
    idle = Session(db.engine)
    idle.execute(select(func.pg_current_xact_id()))  # holds the horizon back while open
    users = {profile(db.session) for _ in range(3)}
    assert chosen(pool, opportunity) == users
    queries = QueryCounter(db.engine)
    with queries.count(), pool.lock:
        pool.refresh(db.session)  # the log since the old transaction: read, not reloaded
    assert len(queries) == 1
    idle.rollback()
    idle.close()
