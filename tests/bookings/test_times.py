"""Session times across a daylight-saving change: shown in both zones, and the calendar file
parses back to the same UTC instant. UK clocks go forward at 01:00 UTC on 28 March 2027;
Dhaka keeps UTC+6 all year."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from icalendar import Calendar

from diaspora.bookings import services
from diaspora.opportunities.times import local_to_utc
from tests.helpers import sign_in

JOIN = "secret-room-42"


def _series_across_the_change(teaching):
    """Weekly at 14:00 in Dhaka: 21 March 2027 (London on GMT), 28 March 2027 (on BST)."""
    first = local_to_utc(date(2027, 3, 21), time(14, 0), "Asia/Dhaka")
    return teaching(sessions=2, starts_at=first)


def test_a_dhaka_session_on_the_day_uk_clocks_change_is_shown_in_both_zones(
    client, db, teaching, staff
):
    opportunity = _series_across_the_change(teaching)
    on_the_day = opportunity.sessions[1]
    assert on_the_day.starts_at.replace(tzinfo=UTC) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    sign_in(client, staff().email)  # viewer's zone: Europe/London

    page = re.sub(r"\s+", " ", client.get(f"/opportunities/{opportunity.id}").get_data(True))

    assert "Sunday 21 March 2027, 14:00 in Dhaka, 08:00 in London" in page
    assert "Sunday 28 March 2027, 14:00 in Dhaka, 09:00 in London" in page


def test_a_viewer_in_dhaka_sees_their_own_time_once(db, teaching):
    opportunity = _series_across_the_change(teaching)
    assert services.when(opportunity.sessions[1], "Asia/Dhaka") == (
        "Sunday 28 March 2027, 14:00 in Dhaka"
    )


def test_the_calendar_file_parses_back_to_the_same_instant_across_the_change(
    client, db, teaching, staff
):
    opportunity = _series_across_the_change(teaching)
    person = staff()
    sign_in(client, person.email)
    for teaching_session in opportunity.sessions:
        services.begin_change(db.session)
        services.book(db.session, person.id, teaching_session.id)
        db.session.commit()

    expected_lines = (b"DTSTART:20270321T080000Z", b"DTSTART:20270328T080000Z")
    for teaching_session, line, london in zip(
        opportunity.sessions, expected_lines, ("08:00", "09:00"), strict=True
    ):
        response = client.get(f"/sessions/{teaching_session.id}/calendar.ics")
        assert line in response.data
        event = Calendar.from_ical(response.data).events[0]
        expected = teaching_session.starts_at.replace(tzinfo=UTC)
        assert event.start == expected
        assert event.start.utcoffset().total_seconds() == 0
        assert event.start.astimezone(ZoneInfo("Asia/Dhaka")).strftime("%H:%M") == "14:00"
        assert event.start.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M") == london
        assert (event.end - event.start).total_seconds() == 3600


def test_the_feed_keeps_the_instant_too(db, teaching, staff):
    opportunity = _series_across_the_change(teaching)
    person = staff()
    services.begin_change(db.session)
    services.book(db.session, person.id, opportunity.sessions[1].id)
    db.session.commit()
    # No request here, as for the feed's scheduler-free callers: URLs come from the config.
    events = Calendar.from_ical(services.calendar_for(db.session, person)).events
    assert [e.start for e in events] == [datetime(2027, 3, 28, 8, 0, tzinfo=UTC)]
    assert JOIN in str(events[0]["LOCATION"])
