"""The booking pages: the sessions section of an opportunity's page, booking, cancelling, the
calendar file, attendance and the calendar feed."""

import re
from datetime import timedelta

import pytest
from flask import render_template_string
from flask_login import login_user
from icalendar import Calendar
from sqlalchemy import select

from diaspora.bookings import services
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.notifications.models import Notification
from diaspora.opportunities.models import TeachingSession
from tests.helpers import session_csrf_token, sign_in, submit

JOIN = "secret-room-42"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _detail(opportunity) -> str:
    return f"/opportunities/{opportunity.id}"


def _book(client, opportunity, teaching_session, **data):
    return submit(
        client,
        f"/sessions/{teaching_session.id}/book",
        data,
        page=_detail(opportunity),
    )


def _state(db, user) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(Engagement.state).filter_by(user_id=user.id))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Booking from the opportunity's page ------------------------------------------------------------


def test_a_staff_member_books_a_place_from_the_opportunity_page(client, db, teaching, staff):
    opportunity = teaching(capacity=2)
    teaching_session = opportunity.sessions[0]
    person = staff()
    sign_in(client, person.email)

    page = _html(client.get(_detail(opportunity)))
    assert "2 of 2 places left" in page
    assert "Book a place" in page
    assert JOIN not in page

    response = _book(client, opportunity, teaching_session)
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/opportunities/{opportunity.id}#session-{teaching_session.id}"
    )
    assert _state(db, person) == "accepted"

    page = _html(client.get(_detail(opportunity)))
    assert "You have booked a place" in page
    assert "You are booked on this session" in page
    assert "1 of 2 places left" in page
    assert JOIN in page
    assert f"/sessions/{teaching_session.id}/calendar.ics" in page
    assert "Cancel my booking" in page
    assert "Book a place" not in page


def test_a_full_session_offers_the_waiting_list_and_shows_the_position(client, db, teaching, staff):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    first, second, third = staff(), staff(), staff()
    sign_in(client, first.email)
    _book(client, opportunity, teaching_session)

    sign_in(client, second.email)
    page = _html(client.get(_detail(opportunity)))
    assert "This session is full." in page
    assert "Join the waiting list" in page
    assert "Book a place" not in page
    # Booking a place on a full session (e.g. from a page loaded earlier) does not queue anyone.
    response = _book(client, opportunity, teaching_session)
    assert response.status_code == 302
    assert _state(db, second) is None
    assert "This session is full. You can join the waiting list instead." in _html(
        client.get(_detail(opportunity))
    )

    _book(client, opportunity, teaching_session, waiting="yes")
    assert _state(db, second) == "waiting"
    sign_in(client, third.email)
    _book(client, opportunity, teaching_session, waiting="yes")
    page = _html(client.get(_detail(opportunity)))
    assert "You are number 2 on the waiting list" in page
    assert "Full: 2 people are on the waiting list" in page
    assert "Leave the waiting list" in page
    assert JOIN not in page


def test_booking_twice_says_so_kindly(client, db, teaching, staff):
    opportunity = teaching()
    teaching_session = opportunity.sessions[0]
    person = staff()
    sign_in(client, person.email)
    _book(client, opportunity, teaching_session)
    response = _book(client, opportunity, teaching_session)
    assert response.status_code == 302
    assert "You have already booked this session." in _html(client.get(_detail(opportunity)))
    assert db.session.get(TeachingSession, teaching_session.id).booked == 1


def test_past_and_cancelled_sessions_offer_no_booking_and_refuse_one(client, db, teaching, staff):
    opportunity = teaching(sessions=2)
    past, cancelled = opportunity.sessions
    past.starts_at = utcnow() - timedelta(hours=1)
    services.session_cancelled(db.session, cancelled)
    db.session.commit()
    person = staff()
    sign_in(client, person.email)

    page = _html(client.get(_detail(opportunity)))
    assert "Book a place" not in page
    assert "Session cancelled" in page
    for teaching_session, message in ((past, "already started"), (cancelled, "been cancelled")):
        response = _book(client, opportunity, teaching_session, waiting="yes")
        assert response.status_code == 302
        assert message in _html(client.get(_detail(opportunity)))
    assert _state(db, person) is None


def test_a_staff_member_without_a_profile_is_asked_to_complete_it(client, db, teaching, make):
    opportunity = teaching()
    person = make.user(roles=["staff"])
    sign_in(client, person.email)
    page = _html(client.get(_detail(opportunity)))
    assert "complete your profile" in page
    assert "Book a place" not in page
    _book(client, opportunity, opportunity.sessions[0])
    assert _state(db, person) is None


@pytest.mark.parametrize("role", ["partner", "coordinator", "admin"])
def test_only_staff_may_book(client, db, teaching, login_as, role):
    opportunity = teaching()
    user = login_as(role)
    assert "Book a place" not in _html(client.get(_detail(opportunity)))
    response = _book(client, opportunity, opportunity.sessions[0])
    assert response.status_code == 403
    assert _state(db, user) is None


def test_booking_needs_sign_in_a_post_and_the_csrf_token(client, db, teaching, staff):
    teaching_session = teaching().sessions[0]
    url = f"/sessions/{teaching_session.id}/book"
    for page in ("cancel", "calendar.ics", "attendance"):
        response = client.get(f"/sessions/{teaching_session.id}/{page}")
        assert response.status_code == 302
        assert "/account/sign-in" in response.headers["Location"]
    assert client.post(url).status_code == 400  # no CSRF token without a page
    person = staff()
    sign_in(client, person.email)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 400
    assert _state(db, person) is None


def test_sessions_of_a_draft_are_hidden_from_outsiders(client, db, teaching, staff):
    opportunity = teaching(status="draft")
    teaching_session = opportunity.sessions[0]
    sign_in(client, staff().email)
    for url in (
        f"/sessions/{teaching_session.id}/cancel",
        f"/sessions/{teaching_session.id}/calendar.ics",
        f"/sessions/{teaching_session.id}/attendance",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/sessions/{teaching_session.id}/book").status_code in (400, 404)


# Cancelling ---------------------------------------------------------------------------------------


def test_cancelling_asks_first_then_promotes_and_tells_the_first_waiting(
    client, db, teaching, staff
):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    booked, waiting = staff(), staff("Wale Waiting")
    sign_in(client, booked.email)
    _book(client, opportunity, teaching_session)
    sign_in(client, waiting.email)
    _book(client, opportunity, teaching_session, waiting="yes")

    sign_in(client, booked.email)
    url = f"/sessions/{teaching_session.id}/cancel"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "<h1>Cancel your booking</h1>" in _html(confirm)
    assert _state(db, booked) == "accepted"  # opening the page changes nothing

    response = submit(client, url, {})
    assert response.status_code == 302
    assert _state(db, booked) == "withdrawn"
    assert _state(db, waiting) == "accepted"
    assert "Your booking is cancelled." in _html(client.get(_detail(opportunity)))
    told = db.session.scalars(
        select(Notification).filter_by(recipient_id=waiting.id, kind="booking_update")
    ).all()
    assert {m.subject for m in told} == {f"You have a place: {opportunity.title}"}
    assert all(m.attachment and "BEGIN:VCALENDAR" in m.attachment for m in told)

    sign_in(client, waiting.email)
    page = _html(client.get(_detail(opportunity)))
    assert "You are booked on this session" in page
    assert JOIN in page
    # Nothing left to cancel for the first person.
    sign_in(client, booked.email)
    assert client.get(url).status_code == 404


def test_leaving_the_waiting_list(client, db, teaching, staff):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    booked, waiting = staff(), staff()
    sign_in(client, booked.email)
    _book(client, opportunity, teaching_session)
    sign_in(client, waiting.email)
    _book(client, opportunity, teaching_session, waiting="yes")
    url = f"/sessions/{teaching_session.id}/cancel"
    assert "<h1>Leave the waiting list</h1>" in _html(client.get(url))
    submit(client, url, {})
    assert _state(db, waiting) == "withdrawn"
    assert _state(db, booked) == "accepted"
    assert "You have left the waiting list." in _html(client.get(_detail(opportunity)))


# The join link ----------------------------------------------------------------------------------


def test_the_join_link_is_on_no_page_for_people_without_a_place(client, db, teaching, staff, make):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    booked, waiting, browsing = staff(), staff(), staff()
    partner = make.user(roles=["partner"])
    sign_in(client, booked.email)
    _book(client, opportunity, teaching_session)
    assert JOIN in _html(client.get(_detail(opportunity)))
    sign_in(client, waiting.email)
    _book(client, opportunity, teaching_session, waiting="yes")
    waiting_booking = db.session.scalar(select(Engagement).filter_by(user_id=waiting.id))

    for person in (waiting, browsing, partner):
        sign_in(client, person.email)
        pages = [_detail(opportunity), "/opportunities", "/engagements"]
        if person is waiting:
            pages.append(f"/engagements/{waiting_booking.id}")
        for url in pages:
            response = client.get(url)
            assert response.status_code in (200, 403), url
            assert JOIN not in _html(response), url
        ics = client.get(f"/sessions/{teaching_session.id}/calendar.ics")
        if person is waiting:
            assert ics.status_code == 200
            assert JOIN not in _html(ics)
        else:
            assert ics.status_code == 404


def test_the_organisation_sees_the_join_link_and_gets_the_file(client, db, teaching, host):
    opportunity = teaching()
    teaching_session = opportunity.sessions[0]
    sign_in(client, host.email)
    assert JOIN in _html(client.get(_detail(opportunity)))
    response = client.get(f"/sessions/{teaching_session.id}/calendar.ics")
    assert response.status_code == 200
    assert JOIN in _html(response)


# The calendar file -----------------------------------------------------------------------------


def test_a_booked_person_downloads_the_calendar_file(client, db, teaching, staff):
    opportunity = teaching()
    teaching_session = opportunity.sessions[0]
    person = staff()
    sign_in(client, person.email)
    _book(client, opportunity, teaching_session)

    response = client.get(f"/sessions/{teaching_session.id}/calendar.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="session-{teaching_session.id}.ics"'
    )
    calendar = Calendar.from_ical(response.data)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    event = calendar.events[0]
    assert str(event["UID"]) == teaching_session.uid
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event.start == teaching_session.starts_at.replace(tzinfo=event.start.tzinfo)
    assert event.end - event.start == timedelta(minutes=60)
    assert str(event["SUMMARY"]) == opportunity.title
    assert str(event["URL"]) == f"http://localhost/opportunities/{opportunity.id}"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert event["ORGANIZER"].params["CN"] == "Sylhet Nursing College"
    assert "Final-year nursing students" in str(event["DESCRIPTION"])
    assert JOIN in str(event["LOCATION"])


def test_after_cancelling_a_session_the_file_is_a_cancellation(client, db, teaching, staff):
    opportunity = teaching()
    teaching_session = opportunity.sessions[0]
    person = staff()
    sign_in(client, person.email)
    _book(client, opportunity, teaching_session)
    services.session_cancelled(db.session, teaching_session)
    db.session.commit()

    calendar = Calendar.from_ical(client.get(f"/sessions/{teaching_session.id}/calendar.ics").data)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.events[0]["STATUS"] == "CANCELLED"
    assert calendar.events[0]["SEQUENCE"] == 1
    assert JOIN not in calendar.to_ical().decode()


# Attendance -------------------------------------------------------------------------------------


def _started(db, teaching_session) -> None:
    teaching_session.starts_at = utcnow() - timedelta(hours=2)
    db.session.commit()


def test_the_host_records_attendance_after_the_session(client, db, teaching, staff, host):
    opportunity = teaching(capacity=3)
    teaching_session = opportunity.sessions[0]
    came, missed = staff("Ada Attended"), staff("Ned Noshow")
    for person in (came, missed):
        sign_in(client, person.email)
        _book(client, opportunity, teaching_session)
    url = f"/sessions/{teaching_session.id}/attendance"

    sign_in(client, host.email)
    early = _html(client.get(url))
    assert "You can record attendance once the session has started" in early
    assert "Save attendance" not in early

    _started(db, teaching_session)
    assert "Record attendance" in _html(client.get(_detail(opportunity)))
    page = _html(client.get(url))
    assert "Ada Attended" in page and "Ned Noshow" in page
    assert came.email not in page
    booking = db.session.scalar(select(Engagement).filter_by(user_id=came.id))
    response = submit(client, url, {"attended": [str(booking.id)]})
    assert response.status_code == 302
    assert _state(db, came) == "completed"
    assert _state(db, missed) == "no_show"

    page = _text(_html(client.get(url)))
    assert "Attendance recorded: 1 attended, 1 did not." in page
    assert "Ada Attended Attended" in page
    assert "Ned Noshow Did not attend" in page
    assert "Save attendance" not in page


def test_attendance_is_for_the_organisation_only(client, db, teaching, staff, make):
    opportunity = teaching()
    teaching_session = opportunity.sessions[0]
    person = staff()
    sign_in(client, person.email)
    _book(client, opportunity, teaching_session)
    _started(db, teaching_session)
    url = f"/sessions/{teaching_session.id}/attendance"

    assert client.get(url).status_code == 403
    booking = db.session.scalar(select(Engagement).filter_by(user_id=person.id))
    assert client.post(url, data={"attended": [str(booking.id)]}).status_code in (400, 403)
    outsider = make.user(roles=["partner"])
    make.organisation(owner=outsider)
    sign_in(client, outsider.email)
    assert client.get(url).status_code == 403
    assert client.get("/sessions/999999/attendance").status_code == 404
    assert _state(db, person) == "accepted"


# The calendar feed ------------------------------------------------------------------------------


def _feed_url(page: str) -> str:
    match = re.search(r'id="feed-url"[^>]*value="([^"]+)"', page)
    assert match, "the new link is not shown"
    return match.group(1)


def test_the_calendar_feed_is_made_shown_once_reset_and_turned_off(client, db, teaching, staff):
    opportunity = teaching()
    teaching_session = opportunity.sessions[0]
    person = staff()
    sign_in(client, person.email)
    _book(client, opportunity, teaching_session)

    page = _html(client.get("/calendar"))
    assert "Create my calendar link" in page
    submit(client, "/calendar/link", {}, page="/calendar")
    page = _html(client.get("/calendar"))
    url = _feed_url(page)
    assert url.startswith("http://localhost/calendar/feed/")
    assert 'id="feed-url"' not in _html(client.get("/calendar"))  # shown once

    path = url.removeprefix("http://localhost")
    submit(client, "/account/sign-out", {}, page="/calendar")  # the feed needs no session
    feed = client.get(path)
    assert feed.status_code == 200
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in feed.headers["Cache-Control"]
    assert "private" in feed.headers["Cache-Control"]
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT4H" in feed.data
    events = Calendar.from_ical(feed.data).events
    assert [str(e["UID"]) for e in events] == [teaching_session.uid]
    assert JOIN in str(events[0]["LOCATION"])

    sign_in(client, person.email)
    submit(client, "/calendar/link", {}, page="/calendar")
    newer = _feed_url(_html(client.get("/calendar")))
    assert newer != url
    assert client.get(path).status_code == 404
    assert client.get(newer.removeprefix("http://localhost")).status_code == 200

    assert "Turn off your calendar link" in _html(client.get("/calendar/turn-off"))
    submit(client, "/calendar/turn-off", {})
    assert client.get(newer.removeprefix("http://localhost")).status_code == 404
    assert "Create my calendar link" in _html(client.get("/calendar"))


def test_the_file_and_the_feed_are_in_their_readers_language(client, db, make, teaching, staff):
    """The file in the language of whoever downloads it; the feed, fetched with no one signed
    in, in its owner's."""
    opportunity = teaching(sessions=2, audience="Final-year nursing students")
    teaching_session = opportunity.sessions[0]
    person = staff()
    person.language = "fr"
    project = make.opportunity(title="Neonatal unit set-up", kind="project")
    make.engagement(project, person, state="accepted")
    db.session.commit()
    sign_in(client, person.email)
    _book(client, opportunity, teaching_session)

    event = Calendar.from_ical(client.get(f"/sessions/{teaching_session.id}/calendar.ics").data)
    event = event.events[0]
    assert str(event["SUMMARY"]) == f"{opportunity.title} (séance 1)"
    description = str(event["DESCRIPTION"])
    assert "Télé-enseignement pour Sylhet Nursing College." in description
    assert "Public : Final-year nursing students." in description
    assert "Rejoindre : https://meet.example.org/secret-room-42" in description
    assert "Tele-teaching" not in description

    submit(client, "/calendar/link", {}, page="/calendar")
    path = _feed_url(_html(client.get("/calendar"))).removeprefix("http://localhost")
    submit(client, "/account/sign-out", {}, page="/calendar")
    feed = Calendar.from_ical(client.get(path, headers={"Accept-Language": "en"}).data)

    assert str(feed["NAME"]) == "Partenariats de santé de la diaspora"
    texts = {str(e["SUMMARY"]): str(e.get("DESCRIPTION", "")) for e in feed.events}
    assert "Télé-enseignement pour" in texts[f"{opportunity.title} (séance 1)"]
    assert texts["Neonatal unit set-up"].startswith("Avec ")


def test_unknown_feeds_are_not_found_and_the_page_needs_sign_in(client, db):
    assert client.get("/calendar/feed/not-a-real-secret.ics").status_code == 404
    response = client.get("/calendar")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_no_secret_is_stored(client, db, staff):
    from diaspora.bookings.models import CalendarFeed

    person = staff()
    sign_in(client, person.email)
    submit(client, "/calendar/link", {}, page="/calendar")
    url = _feed_url(_html(client.get("/calendar")))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.scalar(select(CalendarFeed.token_digest).filter_by(user_id=person.id))
    assert stored != token and token not in stored


# Queries ----------------------------------------------------------------------------------------


# A booking's statements: the signed-in account (with its roles), the second-factor gate, the
# locked session (with its opportunity), the person with their profile and earlier booking,
# the place taken (or not), the booking; with a place, the opportunity's sessions (for the
# page to go back to), the person's preference and the messages (one statement on PostgreSQL,
# one per message on SQLite); on the waiting list, the position and the sessions; then the
# change log's counter and entry. Nothing after the commit.
BOOKING_STATEMENTS = {
    ("postgresql", "place"): 11,
    ("postgresql", "waiting list"): 10,
    ("sqlite", "place"): 12,
    ("sqlite", "waiting list"): 10,
}


@pytest.mark.parametrize("outcome", ["place", "waiting list"])
def test_a_booking_runs_a_fixed_number_of_statements(client, db, teaching, staff, queries, outcome):
    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    if outcome == "waiting list":
        sign_in(client, staff().email)
        _book(client, opportunity, teaching_session)
    person = staff()
    sign_in(client, person.email)
    path, token = f"/sessions/{teaching_session.id}/book", session_csrf_token(client)
    with queries.count():
        response = client.post(path, data={"csrf_token": token, "waiting": "yes"})
    assert response.status_code == 302
    assert _state(db, person) == ("waiting" if outcome == "waiting list" else "accepted")
    limit = BOOKING_STATEMENTS[db.engine.dialect.name, outcome]
    assert len(queries) <= limit, "\n".join(s.split("\n")[0] for s in queries.statements)


def _partial_queries(app, db, queries, user, opportunity) -> tuple[int, str]:
    with app.test_request_context():
        login_user(user)
        db.session.expire_all()
        opportunity = db.session.get(type(opportunity), opportunity.id)
        user.time_zone  # noqa: B018 (loaded, as the request's user is, before counting)
        with queries.count():
            html = render_template_string(
                '{% include "bookings/_sessions.html" %}', opportunity=opportunity
            )
    return len(queries), html


@pytest.mark.parametrize("role", ["staff", "host"])
def test_the_sessions_section_runs_as_many_queries_for_ten_sessions_as_for_one(
    app, db, teaching, staff, host, queries, role
):
    person = staff() if role == "staff" else host
    one, ten = teaching(sessions=1, capacity=1), teaching(sessions=10, capacity=1)
    rival = staff()
    for opportunity in (one, ten):
        for teaching_session in opportunity.sessions:
            services.begin_change(db.session)
            services.book(db.session, rival.id, teaching_session.id)
            db.session.commit()
            if role == "staff":
                services.begin_change(db.session)
                services.book(db.session, person.id, teaching_session.id, join_waiting_list=True)
                db.session.commit()
    db.session.expire_all()

    counted = {}
    for name, opportunity in (("one", one), ("ten", ten)):
        counted[name], html = _partial_queries(app, db, queries, person, opportunity)
        if role == "staff":
            assert html.count("You are number 1 on the waiting list") == len(opportunity.sessions)
    assert counted["one"] == counted["ten"], queries.statements
    assert counted["ten"] <= 6, queries.statements


def test_a_long_series_shows_its_sessions_ten_at_a_time(client, db, teaching, staff):
    opportunity = teaching(sessions=25)
    in_order = sorted(opportunity.sessions, key=lambda s: s.starts_at)
    person = staff()
    sign_in(client, person.email)

    first = _html(client.get(_detail(opportunity)))
    assert f'id="session-{in_order[9].id}"' in first
    assert f'id="session-{in_order[10].id}"' not in first
    assert "25 sessions, in date order. Showing 1 to 10." in first
    assert f"{_detail(opportunity)}?page=2#sessions-heading" in first

    last = _html(client.get(f"{_detail(opportunity)}?page=3"))
    assert "Showing 21 to 25." in last
    assert f'id="session-{in_order[20].id}"' in last
    assert f'id="session-{in_order[19].id}"' not in last
    assert "Showing 21 to 25." in _html(client.get(f"{_detail(opportunity)}?page=9"))

    # Booking the fifteenth session comes back to it, on the second page.
    response = _book(client, opportunity, in_order[14])
    assert response.headers["Location"] == (
        f"{_detail(opportunity)}?page=2#session-{in_order[14].id}"
    )


def test_every_page_of_sessions_runs_the_same_queries(app, db, teaching, staff, queries):
    person = staff()
    opportunity = teaching(sessions=25)
    counted = []
    for page in (1, 3):
        with app.test_request_context(f"/opportunities/{opportunity.id}?page={page}"):
            login_user(person)
            db.session.expire_all()
            found = db.session.get(type(opportunity), opportunity.id)
            person.time_zone  # noqa: B018 (loaded, as the request's user is, before counting)
            with queries.count():
                render_template_string('{% include "bookings/_sessions.html" %}', opportunity=found)
            counted.append(len(queries))
    assert counted[0] == counted[1] <= 6


def test_opening_the_booking_pages_changes_nothing(client, db, teaching, staff, host):
    from tests.core.support import snapshot

    opportunity = teaching(capacity=1)
    teaching_session = opportunity.sessions[0]
    person, waiting = staff(), staff()
    for who, extra in ((person, {}), (waiting, {"waiting": "yes"})):
        sign_in(client, who.email)
        _book(client, opportunity, teaching_session, **extra)
    submit(client, "/calendar/link", {}, page="/calendar")
    feed = _feed_url(_html(client.get("/calendar"))).removeprefix("http://localhost")
    sign_in(client, person.email)
    before = snapshot()
    for url in (
        _detail(opportunity),
        f"/sessions/{teaching_session.id}/cancel",
        f"/sessions/{teaching_session.id}/calendar.ics",
        "/calendar",
        "/calendar/turn-off",
        feed,
    ):
        assert client.get(url).status_code in (200, 302), url
        assert snapshot() == before, f"GET {url} changed the database"
    sign_in(client, host.email)
    _started(db, teaching_session)
    before = snapshot()
    assert client.get(f"/sessions/{teaching_session.id}/attendance").status_code == 200
    assert snapshot() == before


def test_the_sessions_and_the_booking_are_in_the_readers_language(client, db, teaching, staff):
    opportunity = teaching(capacity=2)
    person = staff()
    person.language = "fr"
    db.session.commit()
    sign_in(client, person.email)

    page = _text(_html(client.get(_detail(opportunity))))
    assert "2 places restantes sur 2" in page
    assert "Réserver une place" in page
    assert "Book a place" not in page and "places left" not in page

    _book(client, opportunity, opportunity.sessions[0])
    page = _text(_html(client.get(_detail(opportunity))))
    assert "Vous avez réservé une place :" in page
    assert "Vous avez une place réservée pour cette séance" in page
    assert "Annuler ma réservation" in page
