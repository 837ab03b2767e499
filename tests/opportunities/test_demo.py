"""The demo opportunities load through the posting rules, open, and only once."""

from sqlalchemy import func, select

from demo import bookings as bookings_demo
from demo import impact as impact_demo
from demo import load_demo
from demo import opportunities as demo
from diaspora.opportunities.models import Opportunity
from diaspora.reference.catalogue import on_safeguards_list

FINISHED = [work.title for work in impact_demo.WORK]  # the impact demo's finished year


def test_demo_opportunities_load_once_and_are_open(db):
    load_demo()
    demo.load(db.session)
    db.session.commit()
    opportunities = db.session.scalars(
        select(Opportunity).where(Opportunity.title.not_in(FINISHED))
    ).all()
    assert len(opportunities) == 10  # nine posted, and the partner's session two days ago
    assert {o.status for o in opportunities} == {"open"}
    assert {o.kind for o in opportunities} == {"project", "teaching", "placement"}
    assert {o.country for o in opportunities} >= {"BD", "NG", "GH", "PK", "KE", "IN"}
    # The WHO safeguards marker tells some of them apart from the others.
    assert {on_safeguards_list(o.country) for o in opportunities} == {True, False}
    series = next(o for o in opportunities if o.title == bookings_demo.SERIES)
    assert len(series.sessions) == 8
    demo.load(db.session)
    db.session.commit()
    assert db.session.scalar(select(func.count(Opportunity.id))) == 10 + len(FINISHED)
