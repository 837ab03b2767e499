"""The demo world has a past session of the demo partner's with attendance still to record."""

from sqlalchemy import func, select

from demo import DEMO_PASSWORD, load_demo
from demo import bookings as demo
from diaspora.auth.models import User
from diaspora.bookings import services
from diaspora.core.time import as_utc, utcnow
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.notifications.models import Notification
from diaspora.opportunities.models import Opportunity
from tests.helpers import sign_in


def test_the_partner_has_a_past_session_to_record_attendance_for(db, client):
    load_demo()
    db.session.commit()
    messages = db.session.scalar(select(func.count(Notification.id)))
    demo.load(db.session)  # a second run adds nothing
    db.session.commit()

    (opportunity,) = db.session.scalars(
        select(Opportunity).where(Opportunity.title == demo.PAST_TITLE)
    )
    assert opportunity.organisation.name == demo.PAST_ORGANISATION
    (session,) = opportunity.sessions
    assert as_utc(session.starts_at) < utcnow()
    assert services.attendance_problem(session, utcnow()) is None
    booked = db.session.scalars(select(Engagement).where(Engagement.session_id == session.id)).all()
    assert sorted(e.user.email for e in booked) == sorted(demo.PAST_ATTENDEES)
    assert {e.state for e in booked} == {EngagementState.ACCEPTED}
    assert session.booked == len(demo.PAST_ATTENDEES)
    assert db.session.scalar(select(func.count(Notification.id))) == messages

    partner = db.session.scalar(select(User).where(User.email == demo.PAST_POSTER))
    sign_in(client, partner.email, DEMO_PASSWORD)
    page = client.get(f"/sessions/{session.id}/attendance")
    assert page.status_code == 200
    for engagement in booked:
        assert engagement.user.display_name in page.text
