from sqlalchemy import func, select

from demo import matching as demo
from diaspora.matching.models import AlertSetting, Invitation


def test_demo_matching_loads_once(db, make):
    staff = make.user(email="staff@demo.test", roles=["staff"])
    make.profile(staff)
    for _ in range(3):
        make.profile()
    partner = make.user(email="partner@demo.test", roles=["partner"])
    organisation = make.organisation(owner=partner)
    opportunity = make.opportunity(organisation)
    make.opportunity(organisation, status="closed")
    for _ in range(2):
        demo.load(db.session)
        db.session.commit()
    assert db.session.scalar(select(AlertSetting.frequency)) == "weekly"
    invited = db.session.scalars(select(Invitation)).all()
    assert len(invited) == demo.INVITED_EACH
    assert {i.opportunity_id for i in invited} == {opportunity.id}
    assert db.session.scalar(select(func.count(AlertSetting.id))) == 1
