"""Time zones people are asked for: the one grouped list, sign-up, the account page, and the
browser's older zone names the sign-up script maps to the listed ones."""

import gzip
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from sqlalchemy import select

from diaspora.account import services
from diaspora.auth.models import User
from diaspora.organisations.models import Organisation
from diaspora.reference.places import (
    DEFAULT_TIME_ZONE,
    is_time_zone,
    listed_time_zones,
    time_zone_groups,
    time_zone_label,
)
from diaspora.widgets import TIME_ZONE_PROBLEM
from tests.auth.test_form_errors import shown_value
from tests.helpers import error_summary, submit

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "time-zone.js"
ABOUT_ME = {"display_name": "Rupa Das", "email": "rupa@example.org", "password": "a long enough pw"}


def _user(db, email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _groups(page: str) -> dict[str, list[tuple[str, str]]]:
    """{country: [(zone, city), ...]} as the page's first time-zone list shows them."""
    select_html = re.search(r"<select[^>]*time_zone[^>]*>(.*?)</select>", page, re.S).group(1)
    return {
        label: re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', options)
        for label, options in re.findall(
            r'<optgroup label="([^"]+)">(.*?)</optgroup>', select_html, re.S
        )
    }


# The list -------------------------------------------------------------------------------------


def test_zones_are_grouped_by_country_by_name_with_cities():
    groups = dict(time_zone_groups())
    countries = [country for country, _zones in time_zone_groups()]
    assert countries == sorted(countries)
    assert groups["Bangladesh"] == [("Asia/Dhaka", "Dhaka")]
    assert groups["United Kingdom"] == [("Europe/London", "London")]
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires") in groups["Argentina"]
    assert ("America/Kentucky/Louisville", "Louisville (Kentucky)") in groups["United States"]
    assert ("America/St_Johns", "St John's") in groups["Canada"]
    for country, zones in groups.items():
        cities = [city for _zone, city in zones]
        assert cities == sorted(cities), country
        assert len(set(cities)) == len(cities), f"two zones read the same in {country}"


def test_every_listed_zone_is_a_zone_python_loads_and_nothing_else_is_accepted():
    assert len(listed_time_zones()) > 400
    for zone in listed_time_zones():
        ZoneInfo(zone)
    assert is_time_zone("UTC") and is_time_zone("Asia/Calcutta")  # an older name, kept
    for bogus in ("", None, "Mars/Olympus_Mons", "Asia/dhaka", "Etc/GMT+5x", "localtime"):
        assert not is_time_zone(bogus)


def test_zones_read_as_a_city_and_its_country():
    assert time_zone_label("Asia/Dhaka") == "Dhaka, Bangladesh"
    assert time_zone_label("UTC") == "UTC"
    assert time_zone_label("Asia/Calcutta") == "Asia/Calcutta"


def test_each_older_name_the_script_maps_is_a_link_to_the_listed_zone():
    """Chromium gives Asia/Calcutta for India: the script must pick Asia/Kolkata, the same
    clock."""
    pairs = re.findall(r'"([A-Za-z_/]+)": "([A-Za-z_/]+)"', SCRIPT.read_text())
    assert len(pairs) > 10
    instants = [datetime(year, month, 15, tzinfo=UTC) for year in (1995, 2026) for month in (1, 7)]
    for older, current in pairs:
        assert older in available_timezones() and older not in listed_time_zones(), older
        assert current in listed_time_zones(), current
        for instant in instants:
            assert instant.astimezone(ZoneInfo(older)).utcoffset() == (
                instant.astimezone(ZoneInfo(current)).utcoffset()
            ), f"{older} and {current} differ"


# Sign-up --------------------------------------------------------------------------------------


def test_staff_sign_up_asks_for_the_zone_with_the_default_chosen(client):
    page = client.get("/account/register/staff").get_data(as_text=True)
    assert shown_value(page, "time_zone") == DEFAULT_TIME_ZONE
    assert _groups(page)["Bangladesh"] == [("Asia/Dhaka", "Dhaka")]
    assert "data-browser-time-zone" in page
    assert re.search(r'<script type="module" src="/static/nhsuk/time-zone[^"]*\.js">', page)


def test_staff_sign_up_keeps_the_zone_chosen(client, db):
    response = submit(client, "/account/register/staff", {**ABOUT_ME, "time_zone": "Asia/Dhaka"})
    assert response.status_code == 302
    assert _user(db, "rupa@example.org").time_zone == "Asia/Dhaka"


def test_a_sign_up_without_a_zone_sent_gets_the_default(client, db):
    assert submit(client, "/account/register/staff", ABOUT_ME).status_code == 302
    assert _user(db, "rupa@example.org").time_zone == DEFAULT_TIME_ZONE


def test_a_form_shown_back_keeps_the_choice_and_is_not_filled_in_again(client):
    data = {**ABOUT_ME, "password": "short", "time_zone": "Africa/Lagos"}
    page = submit(client, "/account/register/staff", data).get_data(as_text=True)
    assert shown_value(page, "time_zone") == "Africa/Lagos"
    assert "data-browser-time-zone" not in page  # the script would undo the person's choice


def test_organisation_sign_up_asks_the_persons_and_the_organisations_zone(client, db):
    page = client.get("/account/register/organisation").get_data(as_text=True)
    assert 'data-browser-time-zone="fill"' in page
    assert page.count("<optgroup") > 2 * 200  # two lists: the person's and the organisation's
    assert len(gzip.compress(page.encode())) < 20 * 1024
    data = {
        **ABOUT_ME,
        "person_time_zone": "Europe/London",
        "organisation_choice": "new",
        "name": "Sylhet Clinic",
        "kind": "charity",
        "country": "BD",
        "time_zone": "Asia/Dhaka",
    }
    assert submit(client, "/account/register/organisation", data).status_code == 302
    user = _user(db, "rupa@example.org")
    assert user.time_zone == "Europe/London"
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == data["name"]))
    assert organisation.time_zone == "Asia/Dhaka"


def test_the_service_refuses_a_zone_that_is_not_one(db):
    with pytest.raises(ValueError, match="Mars/Olympus_Mons"):
        services.register_user(
            db.session,
            email="x@example.org",
            display_name="X",
            password="a long enough pw",
            roles=[],
            time_zone="Mars/Olympus_Mons",
        )


# The account page -----------------------------------------------------------------------------


def test_people_change_their_zone_on_their_account(client, login_as, db):
    user = login_as("staff")
    assert "London, United Kingdom" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/details").get_data(as_text=True)
    assert shown_value(page, "time_zone") == DEFAULT_TIME_ZONE
    assert "data-browser-time-zone" not in page  # a choice already made is never overwritten
    data = {"display_name": user.display_name, "time_zone": "Asia/Dhaka"}
    assert submit(client, "/account/details", data).status_code == 302
    assert _user(db, user.email).time_zone == "Asia/Dhaka"
    assert "Dhaka, Bangladesh" in client.get("/account").get_data(as_text=True)


def test_an_older_name_an_account_holds_stays_offered_and_kept(client, login_as, db):
    user = login_as("staff")
    user.time_zone = "Asia/Calcutta"
    db.session.commit()
    page = client.get("/account/details").get_data(as_text=True)
    assert shown_value(page, "time_zone") == "Asia/Calcutta"
    data = {"display_name": "New Name", "time_zone": "Asia/Calcutta"}
    assert submit(client, "/account/details", data).status_code == 302
    assert _user(db, user.email).time_zone == "Asia/Calcutta"


def test_a_made_up_zone_is_refused_on_the_account_page(client, login_as, db):
    user = login_as("staff")
    data = {"display_name": "New Name", "time_zone": "Asia/Atlantis"}
    response = submit(client, "/account/details", data)
    assert error_summary(response) == [TIME_ZONE_PROBLEM]
    assert _user(db, user.email).time_zone == DEFAULT_TIME_ZONE


def test_the_account_page_needs_a_signed_in_person(client):
    response = client.get("/account/details")
    assert response.status_code == 302
    assert "/account/sign-in" in response.location
