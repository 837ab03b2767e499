from sqlalchemy import select

from demo import cohorts as demo
from diaspora.cohorts import volunteers
from diaspora.cohorts.models import Cohort, CohortInvitation, CohortMessage, VolunteerImport
from diaspora.notifications.models import Notification


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
    (upload,) = db.session.scalars(select(VolunteerImport))
    assert upload.confirmed_at is not None and upload.invited == len(demo.IMPORTED)
    assert [row["line"] for row in volunteers.problem_rows(upload)] == [6, 7]
    counts = volunteers.counts(db.session, cohort)
    assert (counts.invited, counts.accepted, counts.expired) == (3, 0, 1)
    assert len(db.session.scalars(select(CohortInvitation)).all()) == len(demo.IMPORTED)
    assert db.session.scalars(select(Notification)).all() == []  # loading sends nothing


def test_the_demo_needs_the_charity(db):
    demo.load(db.session)
    assert db.session.scalars(select(Cohort)).all() == []
