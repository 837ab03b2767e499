from sqlalchemy import select

from demo import cohorts as demo
from diaspora.cohorts.models import Cohort, CohortMessage


def test_the_demo_cohort_loads_once(db, make):
    coordinator = make.user(email=demo.COORDINATOR_EMAIL, roles=["coordinator"])
    make.organisation(kind="charity", name=demo.CHARITY, members=(coordinator,))
    staff = [make.user(email=email) for email in demo.MEMBERS]
    demo.load(db.session)
    db.session.commit()
    demo.load(db.session)
    db.session.commit()
    (cohort,) = db.session.scalars(select(Cohort))
    assert cohort.name == demo.NAME
    assert cohort.created_by_id == coordinator.id
    assert sorted(m.user_id for m in cohort.members) == sorted(u.id for u in staff)
    (message,) = db.session.scalars(select(CohortMessage))
    assert (message.sender_id, message.recipients) == (coordinator.id, 4)


def test_the_demo_needs_the_charity(db):
    demo.load(db.session)
    assert db.session.scalars(select(Cohort)).all() == []
