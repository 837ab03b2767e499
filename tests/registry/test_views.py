"""The profile journey through the test client: pages, redirects, errors, access and escaping."""

import html as html_lib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from diaspora.reference import catalogue
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)
from tests.core.support import snapshot
from tests.helpers import error_summary, submit

WORK = {
    "profession": "doctor",
    "grade": "consultant",
    "specialty": "Obstetrics",
    "nhs_employer": "Barts Health NHS Trust",
    "years_experience": "15",
    "bio": "I trained in Dhaka and teach emergency obstetric care.",
}
AVAILABILITY = {
    "hours_per_month": "8",
    "modality": "both",
    "notice_weeks": "6",
    "unavailable_until-day": "",
    "unavailable_until-month": "",
    "unavailable_until-year": "",
}
WINDOW = {
    "starts_on-day": "1",
    "starts_on-month": "3",
    "starts_on-year": "2099",
    "ends_on-day": "14",
    "ends_on-month": "3",
    "ends_on-year": "2099",
}
WINDOW_DATE = date(2099, 1, 1)
SECTION_PATHS = [
    "/profile/work",
    "/profile/countries",
    "/profile/languages",
    "/profile/skills",
    "/profile/availability",
    "/profile/availability/windows",
    "/profile/privacy",
    "/profile/check",
]
ALL_GET_PATHS = ["/profile", *SECTION_PATHS]
POST_PATHS = [
    *SECTION_PATHS,
    "/profile/countries/1/remove",
    "/profile/languages/1/remove",
    "/profile/skills/1/remove",
    "/profile/availability/windows/1/remove",
]


def page_text(response) -> str:
    return response.get_data(as_text=True)


def main(response) -> str:
    """The page's main content, without the header (which shows the signed-in name)."""
    html = page_text(response)
    return html[html.index('<main class="nhsuk-main-wrapper"') :]


def back_link(response) -> str:
    link = re.search(r"<a\b[^>]*nhsuk-back-link[^>]*>", page_text(response)).group(0)
    return re.search(r'href="([^"]*)"', link).group(1)


def shown_value(page: str, name: str) -> str | None:
    """What the form shows in the field called `name` (text, checked radio, selected option)."""
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(rf'\bname="{re.escape(name)}"', tag) is None:
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if re.search(r'\btype="(radio|checkbox)"', tag):
            if re.search(r"\schecked\b", tag):
                return html_lib.unescape(value.group(1))
            continue
        return html_lib.unescape(value.group(1)) if value else ""
    textarea = re.search(rf'<textarea\b[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    if textarea:
        return html_lib.unescape(textarea.group(1)).strip()
    select_ = re.search(rf'<select\b[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select_:
        chosen = re.search(r'<option value="([^"]*)"\s*selected', select_.group(1))
        return html_lib.unescape(chosen.group(1)) if chosen else None
    return None


def profile_of(db, user) -> StaffProfile | None:
    db.session.expire_all()
    return db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))


def fill_in_everything(client) -> None:
    """Every step of the journey, as a staff member would, up to check your answers."""
    assert submit(client, "/profile/work", WORK).headers["Location"] == "/profile/countries"
    for data in ({"country": "BD", "kind": "born"}, {"country": "FR", "kind": "worked"}):
        response = submit(client, "/profile/countries", data)
        assert response.headers["Location"] == "/profile/countries"
    submit(client, "/profile/languages", {"language": "ben", "proficiency": "4"})
    submit(client, "/profile/languages", {"language": "eng", "proficiency": "3"})
    submit(client, "/profile/skills", {"skill": "neonatal_resuscitation", "level": "4"})
    submit(client, "/profile/skills", {"skill": "", "tag": "Obstetric ultrasound", "level": "2"})
    response = submit(client, "/profile/availability", AVAILABILITY)
    assert response.headers["Location"] == "/profile/availability/windows"
    submit(client, "/profile/availability/windows", WINDOW)
    response = submit(
        client, "/profile/privacy", {"visibility": "coordinators", "consent_to_contact": "y"}
    )
    assert response.headers["Location"] == "/profile/check"


# Access ------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ALL_GET_PATHS:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/account/sign-in?next=%2Fprofile"), path


@pytest.mark.parametrize("role", ["partner", "coordinator", "admin", None])
def test_only_staff_have_a_profile(client, login_as, role):
    login_as(role)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_text(client.get("/")))
    for path in ALL_GET_PATHS:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have permission" in page_text(response)
    for path in POST_PATHS:
        response = client.post(path, data={"csrf_token": token.group(1), "country": "BD"})
        assert response.status_code == 403, path
    assert "Your profile" not in page_text(client.get("/"))


def test_opening_the_pages_creates_nothing(client, login_as, db):
    user = login_as("staff")
    before = snapshot()
    for path in ALL_GET_PATHS:
        assert client.get(path).status_code == 200, path
    assert snapshot() == before
    assert profile_of(db, user) is None


def test_every_page_has_one_heading_a_unique_title_and_a_way_back(client, login_as):
    login_as("staff")
    titles = set()
    for path in ALL_GET_PATHS:
        html = page_text(client.get(path))
        assert len(re.findall(r"<h1\b", html)) == 1, path
        titles.add(re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1))
        if path != "/profile":
            assert "nhsuk-back-link" in html, path
    assert len(titles) == len(ALL_GET_PATHS)


# The journey -----------------------------------------------------------------------------------


def test_the_whole_journey_ends_in_a_saved_profile(client, login_as, db):
    user = login_as("staff", name="Farhana Begum")
    start = page_text(client.get("/profile"))
    assert "Create your profile" in start
    assert 'href="/profile/work"' in start

    fill_in_everything(client)
    check = client.get("/profile/check")
    text = main(check)
    for shown in (
        "Doctor",
        "Consultant",
        "Barts Health NHS Trust",
        "15 years",
        "Bangladesh",
        "Born there",
        "France",
        "Bengali",
        "Native",
        "Neonatal resuscitation",
        "Can teach others",
        "Obstetric ultrasound",
        "8 hours",
        "Remotely or on site",
        "1 March 2099 to 14 March 2099",
        "6 weeks",
        "Volunteer coordinators at verified charities and NHS trusts",
    ):
        assert shown in text, shown
    assert 'href="/profile/countries?from=check"' in text
    assert profile_of(db, user).completed_at is None

    response = submit(client, "/profile/check", {})
    assert response.headers["Location"] == "/profile"
    profile = profile_of(db, user)
    assert profile.completed_at is not None
    assert (profile.visibility, profile.consent_to_contact) == ("coordinators", True)
    assert "farhana begum" in profile.search_text
    assert "obstetric ultrasound" in profile.search_text

    page = client.get("/profile")
    text = main(page)
    assert "Your profile has been saved." in text
    assert "<h1>Your profile</h1>" in text
    assert "Farhana Begum" in text
    assert 'href="/profile/work"' in text
    assert client.get("/profile/check").headers["Location"] == "/profile"


def test_after_saving_each_section_returns_to_the_profile(client, login_as, new_profile, db):
    user = login_as("staff")
    new_profile(user, modality="remote", hours_per_month=4, grade="afc_6", years_experience=3)
    response = submit(client, "/profile/work", WORK)
    assert response.headers["Location"] == "/profile"
    assert "Your changes have been saved." in page_text(client.get("/profile"))
    assert back_link(client.get("/profile/countries")) == "/profile"
    response = submit(client, "/profile/privacy", {"visibility": "private"})
    assert response.headers["Location"] == "/profile"
    profile = profile_of(db, user)
    assert (profile.visibility, profile.consent_to_contact) == ("private", False)
    assert profile.specialty == "Obstetrics"


def test_choosing_on_site_later_leads_to_the_travel_dates(client, login_as, new_profile):
    user = login_as("staff")
    new_profile(user, modality="remote", hours_per_month=4)
    response = submit(client, "/profile/availability", AVAILABILITY)
    assert response.headers["Location"] == "/profile/availability/windows"


def test_remote_only_skips_the_travel_dates(client, login_as):
    login_as("staff")
    response = submit(client, "/profile/availability", dict(AVAILABILITY, modality="remote"))
    assert response.headers["Location"] == "/profile/privacy"
    assert back_link(client.get("/profile/privacy")) == "/profile/availability"


def test_change_links_from_check_your_answers_go_back_there(client, login_as):
    login_as("staff")
    submit(client, "/profile/work", WORK)
    response = submit(client, "/profile/work?from=check", WORK, page="/profile/work")
    assert response.headers["Location"] == "/profile/check"
    response = submit(
        client, "/profile/countries?from=check", {"country": "GH", "kind": "heritage"}
    )
    assert response.headers["Location"] == "/profile/countries?from=check"
    response = client.get("/profile/countries?from=check")
    assert re.search(r'action="/profile/countries/\d+/remove\?from=check"', page_text(response))
    assert back_link(response) == "/profile/check"


def test_saving_an_incomplete_profile_says_what_is_missing(client, login_as, db):
    user = login_as("staff")
    submit(client, "/profile/work", WORK)
    response = submit(client, "/profile/check", {})
    assert response.status_code == 200
    assert error_summary(response) == [
        "Add at least one country you have ties to",
        "Add at least one language you speak",
        "Add at least one skill",
        "Add how many hours you could give and whether remotely or on site",
    ]
    assert re.search(r"<title>\s*Error: ", page_text(response))
    assert 'href="/profile/countries?from=check"' in page_text(response)
    assert profile_of(db, user).completed_at is None


def test_adding_and_removing_items(client, login_as, db):
    user = login_as("staff")
    submit(client, "/profile/languages", {"language": "yor", "proficiency": "4"})
    submit(client, "/profile/languages", {"language": "eng", "proficiency": "3"})
    page = page_text(client.get("/profile/languages"))
    assert "English added." in page
    assert 'Remove<span class="nhsuk-u-visually-hidden"> Yoruba</span>' in page
    yoruba = db.session.scalar(select(LanguageSkill).where(LanguageSkill.language == "yor"))
    response = submit(
        client, f"/profile/languages/{yoruba.id}/remove", {}, page="/profile/languages"
    )
    assert response.headers["Location"] == "/profile/languages"
    assert "Yoruba removed." in page_text(client.get("/profile/languages"))
    assert [item.language for item in profile_of(db, user).languages] == ["eng"]


def test_another_persons_items_cannot_be_removed(client, login_as, new_profile, db):
    login_as("staff")
    submit(client, "/profile/languages", {"language": "eng", "proficiency": "3"})
    theirs = new_profile(ties=(("NG", "born"),), skills=(("surgery", 3),))
    db.session.add(AvailabilityWindow(profile=theirs, starts_on=WINDOW_DATE, ends_on=WINDOW_DATE))
    db.session.commit()
    targets = {
        "countries": theirs.ties[0].id,
        "languages": theirs.languages[0].id,
        "skills": theirs.skills[0].id,
        "availability/windows": theirs.windows[0].id,
    }
    before = snapshot()
    for path, item_id in targets.items():
        response = submit(client, f"/profile/{path}/{item_id}/remove", {}, page="/profile/work")
        assert response.status_code == 404, path
    assert snapshot() == before


def test_removing_before_having_a_profile_is_not_found(client, login_as):
    login_as("staff")
    response = submit(client, "/profile/countries/1/remove", {}, page="/profile/countries")
    assert response.status_code == 404


# Bad input --------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    path: str
    data: dict[str, str]
    messages: list[str]
    kept: dict[str, str] = field(default_factory=dict)


CASES = [
    Case(
        "work-empty",
        "/profile/work",
        {},
        ["Select your profession", "Select your grade or band", "Enter your years of experience"],
    ),
    Case(
        "work-unknown-and-out-of-range",
        "/profile/work",
        dict(WORK, profession="astronaut", grade="band_99", years_experience="71"),
        [
            "Select a profession from the list",
            "Select a grade or band from the list",
            "Years of experience must be between 0 and 70",
        ],
        kept={"years_experience": "71", "specialty": "Obstetrics", "bio": WORK["bio"]},
    ),
    Case(
        "work-not-a-number",
        "/profile/work",
        dict(WORK, years_experience="fifteen", specialty="x" * 121),
        [
            "Specialty must be 120 characters or fewer",
            "Years of experience must be a whole number, like 12",
        ],
        kept={"years_experience": "fifteen", "profession": "doctor", "grade": "consultant"},
    ),
    Case(
        "country-unknown",
        "/profile/countries",
        {"country": "XX", "kind": "born"},
        ["Select a country from the list"],
        kept={"kind": "born"},
    ),
    Case(
        "country-empty",
        "/profile/countries",
        {},
        ["Select a country", "Select how you are tied to the country"],
    ),
    Case(
        "language-unknown",
        "/profile/languages",
        {"language": "xx1", "proficiency": "9"},
        ["Select a language from the list", "Select how well you speak the language"],
    ),
    Case(
        "language-level-missing",
        "/profile/languages",
        {"language": "urd"},
        ["Select how well you speak the language"],
        kept={"language": "urd"},
    ),
    Case(
        "skill-unknown",
        "/profile/skills",
        {"skill": "juggling", "level": "2"},
        ["Select a skill from the list"],
        kept={"level": "2"},
    ),
    Case(
        "skill-both",
        "/profile/skills",
        {"skill": "surgery", "tag": "Robotic surgery", "level": "5"},
        [
            "Select a skill from the list or type your own, not both",
            "Select your level in this skill",
        ],
        kept={"skill": "surgery", "tag": "Robotic surgery"},
    ),
    Case(
        "skill-tag-too-long",
        "/profile/skills",
        {"tag": "y" * 61, "level": "1"},
        ["Your own skill must be 60 characters or fewer"],
        kept={"tag": "y" * 61, "level": "1"},
    ),
    Case(
        "availability-out-of-range",
        "/profile/availability",
        dict(
            AVAILABILITY,
            hours_per_month="201",
            notice_weeks="-1",
            **{"unavailable_until-day": "31", "unavailable_until-month": "2"},
        ),
        [
            "Hours a month must be between 0 and 200",
            "Notice must be a whole number of weeks, like 4",
            "The date you are available from must include a year",
        ],
        kept={
            "hours_per_month": "201",
            "modality": "both",
            "notice_weeks": "-1",
            "unavailable_until-day": "31",
            "unavailable_until-month": "2",
        },
    ),
    Case(
        "availability-empty",
        "/profile/availability",
        {},
        [
            "Enter how many hours a month you could give",
            "Select whether you can help remotely, on site or both",
        ],
    ),
    Case(
        "availability-not-a-real-date",
        "/profile/availability",
        dict(
            AVAILABILITY,
            **{
                "unavailable_until-day": "31",
                "unavailable_until-month": "2",
                "unavailable_until-year": "2027",
            },
        ),
        ["The date you are available from must be a real date"],
        kept={"unavailable_until-day": "31", "unavailable_until-year": "2027"},
    ),
    Case(
        "window-end-before-start",
        "/profile/availability/windows",
        dict(WINDOW, **{"ends_on-day": "28", "ends_on-month": "2"}),
        ["Window end must be the same as or after its start"],
        kept={"starts_on-day": "1", "ends_on-day": "28", "ends_on-month": "2"},
    ),
    Case(
        "window-not-real-dates",
        "/profile/availability/windows",
        dict(WINDOW, **{"starts_on-month": "13", "ends_on-year": "99"}),
        ["Start date must be a real date", "Year must include 4 numbers"],
        kept={"starts_on-month": "13", "ends_on-year": "99"},
    ),
    Case(
        "window-empty",
        "/profile/availability/windows",
        {},
        ["Enter the date the window starts", "Enter the date the window ends"],
    ),
    Case(
        "privacy-unknown",
        "/profile/privacy",
        {"visibility": "everyone", "consent_to_contact": "y"},
        ["Select who can see your profile"],
        kept={"consent_to_contact": "y"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_shown_back_with_errors_and_nothing_saved(client, login_as, case):
    login_as("staff")
    before = snapshot()
    response = submit(client, case.path, case.data)
    assert response.status_code == 200
    assert error_summary(response) == case.messages
    page = page_text(response)
    assert re.search(r"<title>\s*Error: ", page)
    for name, value in case.kept.items():
        assert shown_value(page, name) == value, f"{name} lost what was typed"
    hrefs = re.findall(r'<a href="#([^"]+)"', page.split("nhsuk-error-summary__list")[1])
    for field_id in hrefs:
        assert re.search(rf'<(input|select|textarea)\b[^>]*\bid="{field_id}"', page), field_id
    assert snapshot() == before, "a refused form changed the database"


def test_a_refused_change_keeps_what_was_saved_before(client, login_as, new_profile, db):
    user = login_as("staff")
    new_profile(user, specialty="Paediatrics", years_experience=9)
    before = snapshot()
    response = submit(client, "/profile/work", dict(WORK, years_experience="200"))
    assert response.status_code == 200
    assert snapshot() == before
    assert profile_of(db, user).specialty == "Paediatrics"


def test_adding_the_same_thing_twice_is_refused(client, login_as, db):
    user = login_as("staff")
    submit(client, "/profile/countries", {"country": "PK", "kind": "heritage"})
    submit(client, "/profile/skills", {"tag": "Kangaroo care", "level": "3"})
    before = snapshot()
    response = submit(client, "/profile/countries", {"country": "PK", "kind": "heritage"})
    assert error_summary(response) == ["You have already added Pakistan (family heritage)"]
    assert shown_value(page_text(response), "country") == "PK"
    response = submit(client, "/profile/skills", {"tag": "kangaroo  CARE", "level": "1"})
    assert error_summary(response) == [
        "You have already added Kangaroo care. Remove it first to change the level"
    ]
    assert snapshot() == before
    submit(client, "/profile/countries", {"country": "PK", "kind": "born"})
    assert len(profile_of(db, user).ties) == 2


# The WHO safeguards list -----------------------------------------------------------------------

WHO_TAG = re.compile(r'<strong class="nhsuk-tag[^"]*">\s*WHO safeguards list\s*</strong>')


def _row_for(html: str, country: str) -> str:
    """The table row or summary list row naming the country."""
    for row in re.findall(
        r"<tr\b.*?</tr>|<div class=\"nhsuk-summary-list__row.*?</dd>", html, re.S
    ):
        if country in row:
            return row
    raise AssertionError(f"{country} is not shown")


def test_countries_on_the_who_list_carry_the_marker_wherever_shown(client, login_as):
    login_as("staff")
    fill_in_everything(client)
    for path in ("/profile/countries", "/profile/check"):
        html = main(client.get(path))
        assert WHO_TAG.search(_row_for(html, "Bangladesh")), path
        assert not WHO_TAG.search(_row_for(html, "France")), path
    submit(client, "/profile/check", {})
    html = main(client.get("/profile"))
    assert WHO_TAG.search(_row_for(html, "Bangladesh"))
    assert not WHO_TAG.search(_row_for(html, "France"))
    assert "What the WHO safeguards list tag means" in html


# Any script, and HTML as text -------------------------------------------------------------------

BENGALI_NAME = "ফারহানা বেগম"
BIO = "আমি ঢাকায় প্রশিক্ষণ নিয়েছি। درّبت في القاهرة. میں نے لاہور میں کام کیا"
YORUBA_DECOMPOSED = unicodedata.normalize("NFD", "Ìṣẹ́ abẹ ọmọdé")


def test_names_and_text_in_any_script_are_stored_and_shown(client, login_as, db):
    user = login_as("staff", name=BENGALI_NAME)
    data = dict(WORK, bio=BIO, specialty=YORUBA_DECOMPOSED)
    assert submit(client, "/profile/work", data).status_code == 302
    submit(client, "/profile/skills", {"tag": "রক্তক্ষরণ ব্যবস্থাপনা", "level": "3"})
    profile = profile_of(db, user)
    assert profile.bio == BIO
    assert profile.specialty == unicodedata.normalize("NFC", YORUBA_DECOMPOSED)
    assert profile.skills[0].tag == "রক্তক্ষরণ ব্যবস্থাপনা"
    assert BENGALI_NAME.lower() in profile.search_text

    html = page_text(client.get("/profile/check"))
    for shown in (BIO, "Ìṣẹ́ abẹ ọmọdé", "রক্তক্ষরণ ব্যবস্থাপনা"):
        assert unicodedata.normalize("NFC", shown) in html
    assert BENGALI_NAME in html


def test_html_typed_into_any_field_is_shown_as_text(client, login_as, db):
    script = "<script>alert(1)</script>"
    login_as("staff", name='<img src=x onerror="alert(2)">')
    data = dict(
        WORK,
        specialty="<b>Obstetrics</b>",
        nhs_employer="<i>Trust</i>",
        bio=f"Hello {script}",
    )
    submit(client, "/profile/work", data)
    submit(client, "/profile/skills", {"tag": '<a href="https://evil.example">x</a>', "level": "1"})
    submit(client, "/profile/languages", {"language": "eng", "proficiency": "3"})
    for path in ("/profile/check", "/profile/skills"):
        html = main(client.get(path))
        assert (
            "<script>" not in html
            and "<b>Obstetrics" not in html
            and '<a href="https://evil' not in html
        )
    html = main(client.get("/profile/check"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Obstetrics&lt;/b&gt;" in html
    assert "&lt;a href=&#34;https://evil.example&#34;&gt;x&lt;/a&gt;" in html
    response = submit(client, "/profile/work", dict(data, years_experience="x"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_text(response)
    assert script not in page_text(response)


# Queries ------------------------------------------------------------------------------------------

COUNTRIES = ["BD", "NG", "GH", "PK", "IN", "KE", "UG", "ZA", "ZW", "ZM"]
LANGUAGES = "ben eng yor urd hin swa fra ara por spa deu ita nld tur fas pan guj tam tel mar"
SKILLS = list(catalogue.skills())[:20]


def _profile_page_queries(client, login_as, new_profile, queries, db, size: int) -> int:
    user = login_as("staff")
    ties = [(country, kind) for country in COUNTRIES for kind in ("born", "worked")][:size]
    languages = [(code, 1 + n % 4) for n, code in enumerate(LANGUAGES.split())][:size]
    skills = [(code, 1 + n % 4) for n, code in enumerate(SKILLS)][:size]
    profile = new_profile(
        user, ties=tuple(ties), languages=tuple(languages), skills=tuple(skills), modality="both"
    )
    for n in range(size):
        day = WINDOW_DATE.replace(month=1 + n % 12, day=1 + n // 12)
        db.session.add(AvailabilityWindow(profile=profile, starts_on=day, ends_on=day))
    db.session.commit()
    db.session.expire_all()
    with queries.count():
        response = client.get("/profile")
    assert response.status_code == 200
    assert main(response).count("nhsuk-summary-list__row") >= 3 * size
    return len(queries)


def test_the_profile_page_runs_as_many_queries_for_2_items_as_for_20(
    client, login_as, new_profile, queries, db
):
    few = _profile_page_queries(client, login_as, new_profile, queries, db, 2)
    client.post("/account/sign-out", data={"csrf_token": _token(client)})
    many = _profile_page_queries(client, login_as, new_profile, queries, db, 20)
    assert few == many, f"{few} queries for 2 items, {many} for 20"


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text(client.get("/"))).group(1)


def test_the_stored_rows_match_what_was_typed(client, login_as, db):
    """The journey writes exactly the rows the person added, with the codes the lists hold."""
    user = login_as("staff")
    fill_in_everything(client)
    profile = profile_of(db, user)
    assert [(t.country, t.kind) for t in profile.ties] == [("BD", "born"), ("FR", "worked")]
    assert [(item.language, item.proficiency) for item in profile.languages] == [
        ("ben", 4),
        ("eng", 3),
    ]
    assert [(s.code, s.tag, s.level) for s in profile.skills] == [
        ("neonatal_resuscitation", None, 4),
        ("tag:obstetric-ultrasound", "Obstetric ultrasound", 2),
    ]
    assert [(w.starts_on.isoformat(), w.ends_on.isoformat()) for w in profile.windows] == [
        ("2099-03-01", "2099-03-14")
    ]
    assert (profile.hours_per_month, profile.modality, profile.notice_weeks) == (8, "both", 6)
    assert db.session.scalar(select(CountryTie.id).where(CountryTie.country == "XX")) is None
    assert db.session.scalar(select(ProfileSkill.id).where(ProfileSkill.level > 4)) is None


def test_changing_your_name_updates_what_search_finds(client, login_as, make):
    user = login_as("staff")
    profile = make.profile(user)
    response = submit(
        client, "/account/details", {"display_name": "Rumana Islam", "time_zone": "Asia/Dhaka"}
    )
    assert response.status_code == 302
    assert "rumana islam" in profile.search_text
