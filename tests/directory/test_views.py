"""The directory pages: who gets in, what they see, invalid filters, the export, query counts."""

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.credentials.models import Credential
from diaspora.directory import services
from diaspora.registry.models import AvailabilityWindow
from tests.directory.conftest import VIEWERS
from tests.helpers import error_summary, sign_in, submit

VISIBILITIES = ("private", "coordinators", "verified_organisations")

# privacy.py, per kind of viewer: the visibilities listed (searches, counts, exports), whether
# they may search at all, and whether they may export. Administrators may also open any profile.
LISTED = {
    "staff": set(),
    "partner_verified": {"verified_organisations"},
    "partner_unverified": set(),
    "coordinator_verified": {"coordinators", "verified_organisations"},
    "coordinator_unverified": set(),
    "admin": {"coordinators", "verified_organisations"},
}
EXPORTERS = {"coordinator_verified", "admin"}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _found(response) -> str:
    match = re.search(r'id="results-heading">\s*(.*?)\s*</h2>', _html(response), re.S)
    assert match, "no results heading"
    return match.group(1)


def _export(client, query: dict | None = None):
    return submit(client, "/directory/export", query or {}, page="/")


def _csv(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_anonymous_visitors_are_sent_to_sign_in(client, person):
    profile = person("Someone")
    for path in ("/directory/", f"/directory/{profile.id}", "/directory/?language=ben"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/account/sign-in" in response.headers["Location"]
    response = submit(client, "/directory/export", {}, page="/account/sign-in")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("kind", VIEWERS)
def test_privacy_matrix(client, viewer, person, kind):
    """Each visibility for each kind of viewer: results, count, profile page and CSV export."""
    profiles = {v: person(f"Visible to {v}", visibility=v) for v in VISIBILITIES}
    emails = [profile.user.email for profile in profiles.values()]
    user = viewer(kind)
    sign_in(client, user.email)
    listed = LISTED[kind]

    search = client.get("/directory/")
    if not listed:
        assert search.status_code == 403
        for profile in profiles.values():
            assert client.get(f"/directory/{profile.id}").status_code == 403
        assert _export(client).status_code == 403
        return

    html = _html(search)
    assert search.status_code == 200
    for visibility in VISIBILITIES:
        assert (f"Visible to {visibility}" in html) == (visibility in listed), visibility
    assert _found(search) == ("1 volunteer found" if len(listed) == 1 else "2 volunteers found")
    assert not any(email in html for email in emails)

    for visibility, profile in profiles.items():
        page = client.get(f"/directory/{profile.id}")
        expected = 200 if visibility in listed or kind == "admin" else 404
        assert page.status_code == expected, visibility
        assert not any(email in _html(page) for email in emails)

    export = _export(client)
    if kind not in EXPORTERS:
        assert export.status_code == 403
        assert "Download all" not in html
        return
    assert f"Download all {len(listed)} as a spreadsheet (CSV)" in html
    rows = _csv(export)
    assert {row["Name"] for row in rows} == {f"Visible to {v}" for v in listed}
    assert not any(email in export.get_data(as_text=True) for email in emails)


def test_a_partner_finds_someone_by_language_and_country_and_opens_the_profile(
    client, viewer, person
):
    person("Nasrin Akter", ties=(("BD", "born"),), languages=(("ben", 4),), specialty="Obstetrics")
    person("Kwame Asante", ties=(("GH", "born"),), languages=(("twi", 4),))
    sign_in(client, viewer("partner_verified").email)
    response = client.get("/directory/?language=ben&min_proficiency=3&country=BD")
    html = _html(response)
    assert _found(response) == "1 volunteer found"
    assert "Nasrin Akter" in html and "Kwame Asante" not in html
    assert "Bengali (native)" in html
    assert "WHO safeguards list" in html  # Bangladesh is on the 2023 list
    link = re.search(r'href="(/directory/\d+)[?"]', html).group(1)
    profile = client.get(link)
    assert profile.status_code == 200
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", _html(profile), re.S) == ["Nasrin Akter"]
    assert "<title>Nasrin Akter \N{EN DASH} " in _html(profile)
    assert "Obstetrics" in _html(profile)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("language=xx1", "Select a language from the list"),
        ("country=ZZ", "Select a country from the list"),
        ("profession=wizard", "Select a profession from the list"),
        ("skill=juggling", "Select a skill from the list"),
        ("min_proficiency=9", "Select how well they speak the language from the list"),
        ("modality=teleport", "Select how they can help from the list"),
        ("sort=random", "Select how to sort the results from the list"),
        ("min_hours=lots", "Enter hours a month as a whole number, like 8"),
        ("min_hours=500", "Hours a month must be between 1 and 200"),
        (
            "available_from=2027-02-30&available_to=2027-03-01",
            "Enter a real date for 'available from'",
        ),
        ("available_from=2027-03-01", "Enter the date until which they should be available"),
        (
            "available_from=2027-03-01&available_to=2027-02-01",
            "'Available until' must be the same as or after 'available from'",
        ),
    ],
)
def test_invalid_filters_show_the_error_summary(client, viewer, person, query, message):
    person("Anyone")
    sign_in(client, viewer("coordinator_verified").email)
    response = client.get(f"/directory/?{query}")
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert "<title>Error: Find volunteers" in _html(response)
    assert "Anyone" not in _html(response)


def test_the_search_page_is_one_nhs_page_and_keeps_the_answers(client, viewer):
    sign_in(client, viewer("coordinator_verified").email)
    html = _html(client.get("/directory/?language=yor&min_proficiency=2&q=sickle+cell"))
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert "<title>Find volunteers \N{EN DASH} " in html
    assert re.search(r'<option value="yor" selected\s*>', html)
    assert 'value="sickle cell"' in html
    assert "No volunteers found" in html
    assert 'href="/directory/"' in html  # the "Find volunteers" header link


def test_the_header_link_is_only_for_people_who_can_search(client, viewer):
    sign_in(client, viewer("staff").email)
    assert "Find volunteers" not in _html(client.get("/"))


def test_pages_keep_the_filters(client, viewer, person):
    for n in range(23):
        person(f"Person {n:02}", languages=(("ben", 4),))
    sign_in(client, viewer("coordinator_verified").email)
    first = _html(client.get("/directory/?language=ben"))
    assert "Showing 1 to 20. Page 1 of 2." in first
    assert re.search(r'href="/directory/\?language=ben&amp;page=2"', first)
    second = client.get("/directory/?language=ben&page=2")
    assert "Showing 21 to 23. Page 2 of 2." in _html(second)
    assert _found(second) == "23 volunteers found"


def test_results_show_what_the_audience_may_see(client, viewer, person, db):
    profile = person(
        "Tendai Moyo",
        profession="adult_nurse",
        grade="afc_6",
        specialty="Renal nursing",
        ties=(("ZW", "born"), ("GB", "heritage")),
        languages=(("sna", 4), ("eng", 4)),
        skills=(("clinical_teaching", 4), ("leadership", 2), ("simulation", 3), ("mentoring", 1)),
        hours_per_month=10,
        modality="both",
    )
    profile.windows = [AvailabilityWindow(starts_on=date(2099, 3, 1), ends_on=date(2099, 3, 14))]
    db.session.commit()
    sign_in(client, viewer("coordinator_verified").email)
    html = _html(client.get("/directory/"))
    for shown in (
        "Adult nurse",
        "Band 6",
        "Renal nursing",
        "Zimbabwe (born there)",
        "Shona (native)",
        "Clinical teaching (can teach others)",
        "Simulation training (expert)",
        "10 hours a month, remotely or on site, can travel 1 March 2099 to 14 March 2099",
    ):
        assert shown in html, shown
    assert "Mentoring and supervision (aware)" not in html  # the top three skills only
    tags = re.findall(r"<strong [^>]*nhsuk-tag[^>]*>\s*WHO safeguards list\s*</strong>", html)
    assert len(tags) == 1  # Zimbabwe, not the UK
    assert profile.user.email not in html


def test_the_csv_export_covers_every_page_and_is_audited(client, viewer, person, db):
    for n in range(23):
        person(f"Person {n:02}", languages=(("ben", 4),), specialty="=HYPERLINK(1)")
    person("Not a Bengali speaker", languages=(("eng", 4),))
    coordinator = viewer("coordinator_verified")
    sign_in(client, coordinator.email)
    response = _export(client, {"language": "ben", "q": "person", "sort": "recent"})
    assert response.status_code == 200
    assert 'attachment; filename="volunteers-' in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert len(rows) == 23
    assert "Email" not in ",".join(rows[0]) and "@" not in response.get_data(as_text=True)
    assert rows[0]["Specialty"] == "'=HYPERLINK(1)"  # spreadsheets will not run it
    assert rows[0]["Profile link"].startswith("http://localhost/directory/")
    assert rows[0]["Verified registration"] == "No"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.exported"))
    assert event.actor_id == coordinator.id
    assert event.details == {"count": 23, "filters": ["text", "language"]}


def test_the_csv_export_is_in_the_readers_language(client, viewer, person, db):
    person("Nasrin Akter", profession="midwife", ties=(("BD", "born"),), languages=(("ben", 4),))
    coordinator = viewer("coordinator_verified")
    coordinator.language = "fr"
    db.session.commit()
    sign_in(client, coordinator.email)
    [row] = _csv(_export(client, {"language": "ben"}))
    assert row["Nom"] == "Nasrin Akter"
    assert row["Profession"] == "Sage-femme"
    assert row["Inscription vérifiée"] == "Non"
    assert row["Liens avec des pays"].startswith("Bangladesh (")
    assert "Name" not in row


def test_an_export_with_invalid_filters_shows_the_errors(client, viewer, db):
    sign_in(client, viewer("admin").email)
    response = _export(client, {"language": "klingon"})
    assert response.status_code == 200
    assert error_summary(response) == ["Select a language from the list"]
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.exported"))
        is None
    )


def test_the_export_needs_its_csrf_token(client, viewer):
    sign_in(client, viewer("coordinator_verified").email)
    assert client.post("/directory/export", data={}).status_code == 400


def test_an_unknown_profile_is_not_found(client, viewer):
    sign_in(client, viewer("admin").email)
    assert client.get("/directory/999999").status_code == 404


@pytest.mark.parametrize("sort", ["relevance", "recent"])
@pytest.mark.parametrize(
    ("five", "fifty"),
    [
        ("language=yor", "language=ben"),
        ("q=five", "q=other"),
        ("skill=simulation&min_level=3", "skill=leadership&min_level=2"),
        ("country=NG&verified_only=y", "country=BD"),
    ],
    ids=["language", "text", "skill", "country"],
)
def test_the_search_page_runs_as_many_queries_for_5_results_as_for_50(
    client, viewer, person, queries, db, sort, five, fifty
):
    for n in range(55):
        one_of_five = n < 5
        profile = person(
            f"{'Five' if one_of_five else 'Other'} {n}",
            languages=(("yor", 4), ("eng", 3)) if one_of_five else (("ben", 4), ("eng", 3)),
            skills=(("simulation", 4), ("mentoring", 2)) if one_of_five else (("leadership", 3),),
            ties=(("NG", "born"), ("GB", "worked")) if one_of_five else (("BD", "born"),),
        )
        profile.windows = [AvailabilityWindow(starts_on=date(2099, 1, 1), ends_on=date(2099, 2, 1))]
        if one_of_five:
            db.session.add(Credential(profile=profile, regulator="GMC", number="1234567"))
            profile.credentials[-1].status = "verified"
    db.session.commit()
    sign_in(client, viewer("coordinator_verified").email)

    def run(query: str) -> tuple[str, int]:
        with queries.count():
            response = client.get(f"/directory/?{query}&sort={sort}")
        assert response.status_code == 200
        return _found(response), len(queries)

    (found_five, queries_five), (found_fifty, queries_fifty) = run(five), run(fifty)
    assert (found_five, found_fifty) == ("5 volunteers found", "50 volunteers found")
    assert queries_five == queries_fifty, queries.statements
    assert queries_fifty <= 12, queries.statements


def test_a_profile_links_back_to_the_same_search(client, viewer, person):
    profile = person("Back Link", languages=(("ben", 4),))
    sign_in(client, viewer("coordinator_verified").email)
    results = _html(client.get("/directory/?language=ben&evil=1&page=1"))
    link = f'href="/directory/{profile.id}?language=ben&amp;page=1"'
    assert link in results
    page = _html(client.get(f"/directory/{profile.id}?language=ben&page=1"))
    assert 'href="/directory/?language=ben&amp;page=1"' in page


@pytest.mark.parametrize("sort", ["relevance", "recent"])
def test_past_the_count_limit_the_page_says_more_than_in_as_many_queries(
    client, viewer, person, queries, monkeypatch, sort
):
    """A search with more results than the directory counts says so, in the same number of
    queries as one that counts every result."""
    for n in range(services.PER_PAGE + 2):
        person(f"Person {n}", skills=(("simulation", 4 if n < 2 else 2),))
    monkeypatch.setattr(services, "COUNT_LIMIT", 3)  # it counts the first page and one more
    sign_in(client, viewer("coordinator_verified").email)

    def run(query: str) -> tuple[str, str, int]:
        with queries.count():
            response = client.get(f"/directory/?{query}&sort={sort}")
        assert response.status_code == 200
        return _found(response), _html(response), len(queries)

    broad, broad_page, broad_queries = run("skill=simulation")
    narrow, narrow_page, narrow_queries = run("skill=simulation&min_level=4")
    assert (broad, narrow) == ("More than 20 volunteers found", "2 volunteers found")
    assert "Showing 1 to 20 of more than 20." in broad_page
    assert "Download them all as a spreadsheet (CSV)" in broad_page
    assert "Download all 2 as a spreadsheet (CSV)" in narrow_page
    assert broad_queries == narrow_queries, queries.statements
