"""The booking rules, through the service functions."""

from datetime import timedelta

import pytest
from babel.dates import format_date
from icalendar import Calendar
from sqlalchemy import select

from diaspora.bookings import services
from diaspora.bookings.services import AlreadyBooked, BookingError, NotBooked, SessionFull
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.engagements.states import IllegalTransition, can_move, move
from diaspora.notifications.models import Notification
from diaspora.opportunities import times
from diaspora.opportunities.models import TeachingSession


def _book(db, user, teaching_session, *, waiting=False, now=None):
    services.begin_change(db.session)
    try:
        booking = services.book(
            db.session, user.id, teaching_session.id, join_waiting_list=waiting, now=now
        )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return booking


def _cancel(db, user, teaching_session):
    services.begin_change(db.session)
    try:
        result = services.cancel(db.session, user.id, teaching_session.id)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def _booked(db, teaching_session) -> int:
    return db.session.scalar(
        select(TeachingSession.booked).where(TeachingSession.id == teaching_session.id)
    )


def _messages(db, user, kind="booking_update") -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.recipient_id == user.id, Notification.kind == kind)
            .order_by(Notification.id)
        )
    )


def _calendar(text: str) -> Calendar:
    return Calendar.from_ical(text)


# Booking -------------------------------------------------------------------------------------


def test_booking_takes_a_place_and_sends_the_calendar_file(db, teaching, staff):
    opportunity = teaching(capacity=2)
    teaching_session = opportunity.sessions[0]
    person = staff("Ama Mensah")

    booking = _book(db, person, teaching_session)

    assert booking.state == "accepted"
    assert booking.session_id == teaching_session.id
    assert booking.opportunity_id == opportunity.id
    assert _booked(db, teaching_session) == 1
    messages = _messages(db, person)
    assert {m.channel for m in messages} == {"inbox", "email"}
    assert messages[0].subject == f"Your place is booked: {opportunity.title}"
    assert messages[0].link == f"/opportunities/{opportunity.id}#session-{teaching_session.id}"
    event = _calendar(messages[0].attachment).events[0]
    assert str(event["UID"]) == teaching_session.uid
    assert "https://meet.example.org/secret-room-42" in messages[0].body


def test_the_message_and_its_file_are_in_the_bookers_language(app, db, teaching, staff):
    """Whoever causes it (here no one signed in), the time in the message and the file
    attached are in the language of the person booked."""
    teaching_session = teaching(sessions=2).sessions[0]
    person = staff("Ama Mensah")
    person.language = "fr"
    db.session.commit()

    with app.test_request_context(headers={"Accept-Language": "en"}):
        _book(db, person, teaching_session)

    message = _messages(db, person)[0]
    event = _calendar(message.attachment).events[0]
    assert str(event["SUMMARY"]).endswith("(séance 1)")
    assert "Télé-enseignement pour" in str(event["DESCRIPTION"])
    zone = teaching_session.opportunity.host_time_zone or "UTC"
    day = format_date(times.in_zone(teaching_session.starts_at, zone), "full", locale="fr")
    assert f"Quand : {day}, " in message.body


def test_a_full_session_refuses_a_place_unless_asked_for_the_waiting_list(db, teaching, staff):
    teaching_session = teaching(capacity=1).sessions[0]
    first, second = staff(), staff()
    _book(db, first, teaching_session)

    with pytest.raises(SessionFull):
        _book(db, second, teaching_session)
    assert db.session.scalar(select(Engagement).filter_by(user_id=second.id)) is None

    waiting = _book(db, second, teaching_session, waiting=True)
    assert waiting.state == "waiting"
    assert waiting.queued_at is not None
    assert _booked(db, teaching_session) == 1
    assert _messages(db, second) == []  # the page says it; no message for joining the queue


def test_asking_for_the_waiting_list_gets_a_place_when_one_is_free(db, teaching, staff):
    teaching_session = teaching(capacity=1).sessions[0]
    booking = _book(db, staff(), teaching_session, waiting=True)
    assert booking.state == "accepted"


def test_booking_twice_is_refused(db, teaching, staff):
    teaching_session = teaching(capacity=1).sessions[0]
    person, other = staff(), staff()
    _book(db, person, teaching_session)
    with pytest.raises(AlreadyBooked, match="already booked"):
        _book(db, person, teaching_session)
    _book(db, other, teaching_session, waiting=True)
    with pytest.raises(AlreadyBooked, match="already on the waiting list"):
        _book(db, other, teaching_session, waiting=True)
    assert _booked(db, teaching_session) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_at": -1}, "already started"),
        ({"status": "cancelled"}, "has been cancelled"),
        ({"opportunity_status": "closed"}, "not taking bookings"),
    ],
)
def test_past_cancelled_and_closed_sessions_cannot_be_booked(db, teaching, staff, change, message):
    opportunity = teaching()
    teaching_session = opportunity.sessions[0]
    if "starts_at" in change:
        teaching_session.starts_at = utcnow() - timedelta(minutes=5)
    if "status" in change:
        teaching_session.status = change["status"]
    if "opportunity_status" in change:
        opportunity.status = change["opportunity_status"]
    db.session.commit()
    person = staff()
    with pytest.raises(BookingError, match=message):
        _book(db, person, teaching_session, waiting=True)
    assert db.session.scalar(select(Engagement).filter_by(user_id=person.id)) is None
    assert _booked(db, teaching_session) == 0


def test_staff_need_a_completed_profile_and_others_cannot_book(db, make, teaching):
    teaching_session = teaching().sessions[0]
    without_profile = make.user(roles=["staff"])
    partner = make.user(roles=["partner"])
    with pytest.raises(BookingError, match="Complete your profile"):
        _book(db, without_profile, teaching_session)
    with pytest.raises(BookingError, match="Only NHS staff"):
        _book(db, partner, teaching_session)
    assert _booked(db, teaching_session) == 0


def test_an_unknown_session_is_a_lookup_error(db, staff):
    person = staff()
    services.begin_change(db.session)
    with pytest.raises(LookupError):
        services.book(db.session, person.id, 999_999)
    db.session.rollback()


# Cancelling and the waiting list ---------------------------------------------------------------


def test_cancelling_promotes_the_first_person_waiting_and_tells_them(db, teaching, staff):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    booked, first, second = staff(), staff("First Waiting"), staff("Second Waiting")
    _book(db, booked, teaching_session)
    _book(db, first, teaching_session, waiting=True)
    _book(db, second, teaching_session, waiting=True)

    result = _cancel(db, booked, teaching_session)

    assert result.had_place
    assert result.booking.state == "withdrawn"
    assert result.promoted.user_id == first.id
    states = {
        e.user_id: e.state
        for e in db.session.scalars(select(Engagement).filter_by(session_id=teaching_session.id))
    }
    assert states == {booked.id: "withdrawn", first.id: "accepted", second.id: "waiting"}
    assert _booked(db, teaching_session) == 1  # the place changed hands
    told = _messages(db, first)
    assert [m.subject for m in told] == [f"You have a place: {opportunity.title}"] * 2
    assert told[0].link == f"/opportunities/{opportunity.id}#session-{teaching_session.id}"
    event = _calendar(told[0].attachment).events[0]
    assert str(event["UID"]) == teaching_session.uid
    assert "secret-room-42" in str(event["LOCATION"])
    assert _messages(db, second) == []
    assert services.waiting_position(db.session, result.promoted) is None


def test_waiting_positions_follow_the_queue(db, teaching, staff):
    teaching_session = teaching(capacity=1).sessions[0]
    booked = staff()
    _book(db, booked, teaching_session)
    queue = [_book(db, staff(), teaching_session, waiting=True) for _ in range(3)]
    assert [services.waiting_position(db.session, e) for e in queue] == [1, 2, 3]

    _cancel(db, queue[0].user, teaching_session)  # leaves the waiting list
    db.session.expire_all()
    assert [services.waiting_position(db.session, e) for e in queue] == [None, 1, 2]


def test_leaving_the_waiting_list_promotes_nobody(db, teaching, staff):
    teaching_session = teaching(capacity=1).sessions[0]
    booked, waiting, behind = staff(), staff(), staff()
    _book(db, booked, teaching_session)
    _book(db, waiting, teaching_session, waiting=True)
    _book(db, behind, teaching_session, waiting=True)

    result = _cancel(db, waiting, teaching_session)

    assert not result.had_place
    assert result.promoted is None
    assert _booked(db, teaching_session) == 1
    assert db.session.scalar(select(Engagement.state).filter_by(user_id=behind.id)) == "waiting"


def test_cancelling_with_nobody_waiting_gives_the_place_back(db, teaching, staff):
    teaching_session = teaching(capacity=3).sessions[0]
    person = staff()
    _book(db, person, teaching_session)
    assert _booked(db, teaching_session) == 1
    _cancel(db, person, teaching_session)
    assert _booked(db, teaching_session) == 0


def test_cancelling_without_a_booking_or_after_the_start_is_refused(db, teaching, staff):
    teaching_session = teaching().sessions[0]
    person = staff()
    with pytest.raises(NotBooked):
        _cancel(db, person, teaching_session)
    _book(db, person, teaching_session)
    teaching_session.starts_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(BookingError, match="already started"):
        _cancel(db, person, teaching_session)
    assert db.session.scalar(select(Engagement.state).filter_by(user_id=person.id)) == "accepted"


def test_a_person_who_cancelled_may_book_again(db, teaching, staff):
    teaching_session = teaching(capacity=1).sessions[0]
    person, other = staff(), staff()
    first = _book(db, person, teaching_session)
    _cancel(db, person, teaching_session)
    again = _book(db, person, teaching_session)
    assert again.id == first.id  # the same row: one booking per person and session
    assert again.state == "accepted"
    assert again.ended_at is None

    _book(db, other, teaching_session, waiting=True)
    _cancel(db, other, teaching_session)
    back = _book(db, other, teaching_session, waiting=True)
    assert back.state == "waiting"
    assert services.waiting_position(db.session, back) == 1
    assert _booked(db, teaching_session) == 1


def test_only_a_session_booking_comes_back_from_withdrawn(db, make, teaching, staff):
    project = make.engagement(make.opportunity(), staff(), state="withdrawn")
    assert not can_move(project, "accepted")
    with pytest.raises(IllegalTransition):
        move(project, "applied")
    teaching_session = teaching().sessions[0]
    booking = make.engagement(
        teaching_session.opportunity, staff(), state="withdrawn", session_id=teaching_session.id
    )
    assert can_move(booking, "accepted")
    assert can_move(booking, "waiting")
    assert not can_move(booking, "active")


# Changes made by the organisation ----------------------------------------------------------------


def test_moving_a_session_raises_its_sequence_and_tells_everyone_with_the_new_file(
    db, teaching, staff
):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    booked, waiting, gone = staff(), staff(), staff()
    _book(db, gone, teaching_session)
    _cancel(db, gone, teaching_session)
    _book(db, booked, teaching_session)
    _book(db, waiting, teaching_session, waiting=True)
    before = teaching_session.sequence

    teaching_session.starts_at = teaching_session.starts_at + timedelta(days=1)
    services.session_moved(db.session, teaching_session)
    db.session.commit()

    assert teaching_session.sequence == before + 1
    for person, joins in ((booked, True), (waiting, False)):
        (message, _) = [m for m in _messages(db, person) if m.subject.startswith("Session moved")]
        assert message.subject == f"Session moved: {opportunity.title}"
        event = _calendar(message.attachment).events[0]
        assert event["SEQUENCE"] == before + 1
        assert event.start == teaching_session.starts_at.replace(tzinfo=event.start.tzinfo)
        assert ("secret-room-42" in message.attachment) is joins
        assert ("secret-room-42" in message.body) is joins
    assert [m for m in _messages(db, gone) if m.subject.startswith("Session moved")] == []


def test_cancelling_a_session_cancels_its_bookings_and_sends_a_cancellation(db, teaching, staff):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    booked, waiting = staff(), staff()
    _book(db, booked, teaching_session)
    _book(db, waiting, teaching_session, waiting=True)

    services.session_cancelled(db.session, teaching_session)
    db.session.commit()
    services.session_cancelled(db.session, teaching_session)  # a second call changes nothing
    db.session.commit()

    assert teaching_session.status == "cancelled"
    assert teaching_session.sequence == 1
    assert _booked(db, teaching_session) == 0
    for person in (booked, waiting):
        assert db.session.scalar(select(Engagement.state).filter_by(user_id=person.id)) == (
            "cancelled"
        )
        told = [m for m in _messages(db, person) if m.subject.startswith("Session cancelled")]
        assert len(told) == 2  # in-app and email, once
        calendar = _calendar(told[0].attachment)
        assert calendar["METHOD"] == "CANCEL"
        assert calendar.events[0]["STATUS"] == "CANCELLED"
        assert calendar.events[0]["SEQUENCE"] == 1
        assert "secret-room-42" not in told[0].attachment
    with pytest.raises(BookingError, match="cancelled"):
        _book(db, staff(), teaching_session, waiting=True)


# Attendance -------------------------------------------------------------------------------------


def test_attendance_completes_who_came_and_records_no_shows(db, teaching, staff, host):
    teaching_session = teaching(capacity=3).sessions[0]
    came, missed, left = staff(), staff(), staff()
    for person in (came, missed, left):
        _book(db, person, teaching_session)
    _cancel(db, left, teaching_session)
    booking = db.session.scalar(select(Engagement).filter_by(user_id=came.id))
    teaching_session.starts_at = utcnow() - timedelta(hours=2)
    db.session.commit()

    services.begin_change(db.session)
    counts = services.record_attendance(db.session, host, teaching_session.id, [booking.id])
    db.session.commit()

    assert counts == (1, 1)
    states = {
        e.user_id: e.state
        for e in db.session.scalars(select(Engagement).filter_by(session_id=teaching_session.id))
    }
    assert states == {came.id: "completed", missed.id: "no_show", left.id: "withdrawn"}
    assert teaching_session.attendance_recorded_at is not None
    services.begin_change(db.session)
    with pytest.raises(BookingError, match="already been recorded"):
        services.record_attendance(db.session, host, teaching_session.id, [])
    db.session.rollback()


def test_attendance_waits_for_the_session_to_start(db, teaching, staff, host):
    teaching_session = teaching().sessions[0]
    _book(db, staff(), teaching_session)
    services.begin_change(db.session)
    with pytest.raises(BookingError, match="once the session has started"):
        services.record_attendance(db.session, host, teaching_session.id, [])
    db.session.rollback()


# The calendar feed --------------------------------------------------------------------------------


def test_a_feed_secret_is_kept_only_as_a_digest_and_resetting_revokes_it(db, staff):
    person = staff()
    token = services.new_feed(db.session, person)
    db.session.commit()
    feed = services.feed_of(db.session, person)
    assert token not in feed.token_digest
    assert len(feed.token_digest) == 64
    assert services.feed_owner(db.session, token).id == person.id

    newer = services.new_feed(db.session, person)
    db.session.commit()
    assert services.feed_owner(db.session, token) is None
    assert services.feed_owner(db.session, newer).id == person.id

    assert services.turn_off_feed(db.session, person)
    db.session.commit()
    assert services.feed_owner(db.session, newer) is None
    assert not services.turn_off_feed(db.session, person)


def test_the_feed_holds_bookings_cancelled_sessions_and_dated_engagements(
    db, make, teaching, staff
):
    person = staff()
    series = teaching(sessions=3, capacity=5)
    booked, cancelled, left = series.sessions
    _book(db, person, booked)
    _book(db, person, cancelled)
    _book(db, person, left)
    _cancel(db, person, left)
    services.session_cancelled(db.session, cancelled)
    project = make.opportunity(title="Neonatal unit set-up", kind="project")
    make.engagement(project, person, state="accepted")
    applied = make.opportunity(title="Applied only", kind="project")
    make.engagement(applied, person, state="applied")
    db.session.commit()

    calendar = _calendar(services.calendar_for(db.session, person))

    events = {str(e["UID"]): e for e in calendar.events}
    project_uid = f"engagement-{_engagement_id(db, project)}@diaspora"
    assert set(events) == {booked.uid, cancelled.uid, project_uid}
    assert events[booked.uid]["STATUS"] == "CONFIRMED"
    assert "secret-room-42" in str(events[booked.uid]["LOCATION"])
    assert events[cancelled.uid]["STATUS"] == "CANCELLED"
    assert "LOCATION" not in events[cancelled.uid]
    project_event = events[project_uid]
    assert project_event.start == project.starts_on
    assert project_event.end == project.ends_on + timedelta(days=1)
    assert calendar["METHOD"] == "PUBLISH"


def _engagement_id(db, opportunity) -> int:
    return db.session.scalar(select(Engagement.id).filter_by(opportunity_id=opportunity.id))


def test_other_areas_add_their_events_through_feed_sources(db, staff, monkeypatch):
    from icalendar import Event

    person = staff()

    def milestones(_session, user):
        yield Event.new(uid=f"milestone-{user.id}@diaspora", summary="Report due")

    monkeypatch.setattr(services, "FEED_SOURCES", [*services.FEED_SOURCES, milestones])
    calendar = _calendar(services.calendar_for(db.session, person))
    assert [str(e["SUMMARY"]) for e in calendar.events] == ["Report due"]
