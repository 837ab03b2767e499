"""Monthly tele-teaching series: on the same date, on the nth weekday (the second Tuesday) or on
the last weekday (the last Friday) of each month; across year ends and clock changes, and what
the form and the listing say about them (tests/api/test_opportunities.py: the API)."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from diaspora.opportunities import services
from diaspora.opportunities.models import Opportunity
from diaspora.opportunities.presenters import dates
from diaspora.opportunities.services import (
    occurrence_dates,
    recurrence_choices,
    schedule,
    week_of_month,
)
from tests.auth.test_form_errors import shown_value
from tests.helpers import error_summary, submit
from tests.opportunities.conftest import NOW, form_errors, teaching_input


@pytest.fixture(autouse=True)
def _forms_need_the_app(app):
    """`_errors` asks the forms, which read the application's settings."""


def _errors(data) -> dict[str, str]:
    return form_errors(data, now=NOW)


# The dates ------------------------------------------------------------------------------------


def test_the_nth_weekday_repeats_across_the_year_end():
    # 9 November 2027 is the second Tuesday of November
    assert week_of_month(date(2027, 11, 9)) == 2
    assert occurrence_dates(date(2027, 11, 9), "month_nth", 4) == [
        date(2027, 11, 9),
        date(2027, 12, 14),
        date(2028, 1, 11),
        date(2028, 2, 8),
    ]


def test_the_fourth_weekday_exists_in_every_month():
    # 28 February 2027 is a fourth Sunday; 31 January 2027 (a fifth Sunday) is not the start
    assert occurrence_dates(date(2027, 2, 28), "month_nth", 3) == [
        date(2027, 2, 28),
        date(2027, 3, 28),
        date(2027, 4, 25),
    ]


def test_the_last_weekday_repeats_across_the_year_end_and_a_leap_february():
    assert occurrence_dates(date(2027, 11, 26), "month_last", 4) == [
        date(2027, 11, 26),
        date(2027, 12, 31),
        date(2028, 1, 28),
        date(2028, 2, 25),
    ]


def test_a_fifth_weekday_has_no_nth_series_but_a_last_one():
    # 30 March 2027 is the fifth Tuesday of March; April and May have only four
    with pytest.raises(ValueError, match="fifth Tuesday"):
        occurrence_dates(date(2027, 3, 30), "month_nth", 3)
    assert occurrence_dates(date(2027, 3, 30), "month_last", 3) == [
        date(2027, 3, 30),
        date(2027, 4, 27),
        date(2027, 5, 25),
    ]


def test_a_fifth_weekday_is_refused_for_the_nth_with_the_last_offered():
    errors = _errors(
        teaching_input(starts_on=date(2027, 3, 30), recurrence="month_nth", occurrences=3)
    )
    assert errors == {
        "recurrence": "30 March 2027 is the fifth Tuesday of its month and most months have no "
        "fifth Tuesday: choose every month on the last Tuesday"
    }


def test_the_last_weekday_needs_a_first_date_in_the_last_week():
    errors = _errors(
        teaching_input(starts_on=date(2027, 3, 9), recurrence="month_last", occurrences=3)
    )
    assert errors == {
        "recurrence": "9 March 2027 is not the last Tuesday of March: choose another way to "
        "repeat, or a first date in the last week of its month"
    }
    assert _errors(teaching_input(starts_on=date(2027, 3, 30), recurrence="month_last")) == {
        "occurrences": "Number of sessions must be between 2 and 52"
    }


def test_the_same_date_series_is_unchanged():
    assert occurrence_dates(date(2027, 1, 31), "monthly", 3) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]


# Clock changes --------------------------------------------------------------------------------


def test_the_last_sunday_at_14_00_london_stays_14_00_london_when_the_clocks_change():
    # Clocks go forward on the last Sunday of March and back on the last Sunday of October
    planned = schedule(date(2027, 2, 28), time(14, 0), "Europe/London", "month_last", 3)
    assert planned == [
        (date(2027, 2, 28), datetime(2027, 2, 28, 14, 0, tzinfo=UTC)),  # GMT
        (date(2027, 3, 28), datetime(2027, 3, 28, 13, 0, tzinfo=UTC)),  # BST from that day
        (date(2027, 4, 25), datetime(2027, 4, 25, 13, 0, tzinfo=UTC)),
    ]
    autumn = schedule(date(2027, 9, 26), time(14, 0), "Europe/London", "month_last", 2)
    assert [instant for _day, instant in autumn] == [
        datetime(2027, 9, 26, 13, 0, tzinfo=UTC),  # BST
        datetime(2027, 10, 31, 14, 0, tzinfo=UTC),  # GMT again from that day
    ]


def test_a_last_sunday_series_at_01_30_london_meets_the_hour_that_never_happens():
    errors = _errors(
        teaching_input(
            host_time_zone="Europe/London",
            starts_on=date(2027, 2, 28),
            start_time=time(1, 30),
            recurrence="month_last",
            occurrences=3,
        )
    )
    assert "28 March 2027" in errors["start_time"]
    assert "clocks go forward" in errors["start_time"]


def test_a_dhaka_series_keeps_its_local_time_whatever_london_does():
    planned = schedule(date(2027, 2, 9), time(14, 0), "Asia/Dhaka", "month_nth", 3)
    assert planned == [
        (date(2027, 2, 9), datetime(2027, 2, 9, 8, 0, tzinfo=UTC)),
        (date(2027, 3, 9), datetime(2027, 3, 9, 8, 0, tzinfo=UTC)),
        (date(2027, 4, 13), datetime(2027, 4, 13, 8, 0, tzinfo=UTC)),
    ]


# What people read -----------------------------------------------------------------------------


def test_the_choices_say_what_will_happen_once_the_first_date_is_known():
    assert dict(recurrence_choices(date(2027, 3, 9))) == {
        "none": "A single session",
        "weekly": "Every week on Tuesdays",
        "monthly": "Every month on the 9th",
        "month_nth": "Every month on the second Tuesday",
    }
    # a fifth Tuesday: the last Tuesday is offered instead of the fifth
    assert dict(recurrence_choices(date(2027, 3, 30))) == {
        "none": "A single session",
        "weekly": "Every week on Tuesdays",
        "monthly": "Every month on the 30th (or the last day of a shorter month)",
        "month_last": "Every month on the last Tuesday",
    }
    # the fourth Tuesday of February is also its last: both are offered
    both = dict(recurrence_choices(date(2027, 2, 23)))
    assert both["month_nth"] == "Every month on the fourth Tuesday"
    assert both["month_last"] == "Every month on the last Tuesday"
    assert set(dict(recurrence_choices(None))) == {
        "none",
        "weekly",
        "monthly",
        "month_nth",
        "month_last",
    }


def test_the_listing_names_the_day_of_a_monthly_series(db, member):
    someone = member()
    data = teaching_input(starts_on=date(2027, 3, 9), recurrence="month_nth", occurrences=3)
    opportunity = services.create(db.session, someone.organisation, someone.user, data, now=NOW)
    db.session.commit()
    assert [s.starts_at.date() for s in opportunity.sessions] == [
        date(2027, 3, 9),
        date(2027, 4, 13),
        date(2027, 5, 11),
    ]
    assert dates(opportunity) == (
        "Monthly on the second Tuesday, 3 sessions from 9 March 2027 to 11 May 2027"
    )


# The form and the API -------------------------------------------------------------------------


def _form(organisation, **changes) -> dict:
    data = {
        "title": "Monthly case review: emergency obstetric care",
        "description": "A case review with our residents.",
        "country": "GH",
        "modality": "remote",
        "professions": "midwife",
        "starts_on-day": "30",
        "starts_on-month": "3",
        "starts_on-year": "2027",
        "start_time": "12:00",
        "host_time_zone": organisation.time_zone,
        "duration_minutes": "90",
        "capacity": "4",
        "join_link": "https://meet.example.org/review",
        "recurrence": "month_last",
        "occurrences": "3",
    }
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def _before_the_dates_used():
    """The form and the API judge dates against the clock: it reads NOW here."""
    with time_machine.travel(NOW, tick=False):
        yield


def _new_teaching(organisation) -> str:
    return f"/opportunities/new?organisation={organisation.id}&kind=teaching"


def test_the_new_form_starts_in_the_organisations_zone(client, signed_in_member, db):
    signed_in_member.organisation.time_zone = "Africa/Accra"
    db.session.commit()
    page = client.get(_new_teaching(signed_in_member.organisation)).get_data(as_text=True)
    assert shown_value(page, "host_time_zone") == "Africa/Accra"
    assert "Every month on the same weekday, for example the second Tuesday" in page


def test_a_last_weekday_series_is_posted_from_the_form(client, signed_in_member, db):
    organisation = signed_in_member.organisation
    organisation.time_zone = "Africa/Accra"
    db.session.commit()
    response = submit(client, _new_teaching(organisation), _form(organisation))
    assert response.status_code == 302
    opportunity = db.session.scalars(db.select(Opportunity)).one()
    assert opportunity.host_time_zone == "Africa/Accra"
    assert opportunity.recurrence == "month_last"
    assert [s.starts_at.replace(tzinfo=UTC) for s in opportunity.sessions] == [
        datetime(2027, 3, 30, 12, 0, tzinfo=UTC),
        datetime(2027, 4, 27, 12, 0, tzinfo=UTC),
        datetime(2027, 5, 25, 12, 0, tzinfo=UTC),
    ]


def test_a_fifth_weekday_on_the_form_is_shown_back_with_the_last_offered(
    client, signed_in_member, db
):
    organisation = signed_in_member.organisation
    response = submit(
        client, _new_teaching(organisation), _form(organisation, recurrence="month_nth")
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        "30 March 2027 is the fifth Tuesday of its month and most months have no fifth "
        "Tuesday: choose every month on the last Tuesday"
    ]
    page = response.get_data(as_text=True)
    assert "Every month on the last Tuesday" in page
    assert "Every month on the fifth Tuesday" not in page
    assert db.session.scalars(db.select(Opportunity)).first() is None
