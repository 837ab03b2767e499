from sqlalchemy import func, select

from demo import engagements as demo
from diaspora.engagements.models import Engagement
from diaspora.notifications.models import Notification


def test_demo_engagements_load_once(db, make, new_profile, organisation):
    for title in (demo.SYLHET, demo.ACCRA, demo.LAGOS):
        make.opportunity(organisation, title=title)
    for email in {d.email for d in demo.DEMOS}:
        new_profile(make.user(email=email))
    demo.load(db.session)
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Engagement))
    assert count == len(demo.DEMOS)
    demo.load(db.session)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == count
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_demo_engagements_wait_for_the_opportunities(db, make):
    make.user(email="staff@demo.test")
    demo.load(db.session)
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 0
