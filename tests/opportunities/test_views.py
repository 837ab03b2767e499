"""The opportunity pages: posting each kind, errors with input kept, who may do what, the
listing's filters, pagination and query counts, the detail page."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from diaspora.opportunities.models import Opportunity
from tests.helpers import error_summary, sign_in, submit
from tests.opportunities.conftest import soon


def _html(response) -> str:
    return response.get_data(as_text=True)


def _count(db) -> int:
    return db.session.scalar(select(func.count(Opportunity.id)))


def _date(name: str, day: date) -> dict:
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


def _common(**changes) -> dict:
    data = {
        "title": "Set up a neonatal resuscitation training programme in Sylhet",
        "description": "Train midwives to lead Helping Babies Breathe courses.",
        "country": "BD",
        "region": "Sylhet",
        "modality": "hybrid",
        "professions": ["midwife", "childrens_nurse"],
        "skill_1": "neonatal_resuscitation",
        "skill_level_1": "3",
        "language_1": "ben",
        "language_level_1": "2",
    }
    data.update(changes)
    return data


def project_form(**changes) -> dict:
    return _common(
        **{
            **_date("starts_on", soon(30)),
            **_date("ends_on", soon(200)),
            "hours_per_month": "8",
            "places": "4",
            **changes,
        }
    )


def teaching_form(**changes) -> dict:
    return _common(
        **{
            "title": "Sepsis recognition for final-year nursing students",
            "modality": "remote",
            **_date("starts_on", soon(14)),
            "start_time": "14:00",
            "host_time_zone": "Asia/Dhaka",
            "duration_minutes": "60",
            "capacity": "20",
            "join_link": "https://meet.example.org/sepsis",
            "audience": "Final-year nursing students",
            "learners_expected": "40",
            "recurrence": "weekly",
            "occurrences": "3",
            **changes,
        }
    )


def placement_form(**changes) -> dict:
    return _common(
        **{
            "title": "Six months in the emergency department in Lagos",
            "country": "NG",
            "modality": "on_site",
            "host_institution": "Lagos University Teaching Hospital",
            "duration_months": "6",
            "support": ["travel", "housing"],
            "service_commitment": "Teach triage to two cohorts.",
            **_date("starts_on", soon(60)),
            **_date("ends_on", soon(120)),
            "places": "2",
            **changes,
        }
    )


FORMS = {"project": project_form, "teaching": teaching_form, "placement": placement_form}


def _new_url(kind: str, organisation) -> str:
    return f"/opportunities/new?kind={kind}&organisation={organisation.id}"


# Posting --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["project", "teaching", "placement"])
def test_a_member_posts_each_kind_as_a_draft(client, db, signed_in_member, kind):
    url = _new_url(kind, signed_in_member.organisation)
    page = client.get(url)
    assert page.status_code == 200
    response = submit(client, url, FORMS[kind]())
    assert response.status_code == 302, error_summary(response)
    opportunity = db.session.scalar(select(Opportunity))
    assert response.headers["Location"] == f"/opportunities/{opportunity.id}"
    assert (opportunity.kind, opportunity.status) == (kind, "draft")
    assert opportunity.organisation_id == signed_in_member.organisation.id
    assert {p.profession for p in opportunity.professions} == {"midwife", "childrens_nurse"}
    assert [(s.code, s.min_level) for s in opportunity.skills] == [("neonatal_resuscitation", 3)]
    if kind == "teaching":
        assert len(opportunity.sessions) == 3
        assert opportunity.join_link == "https://meet.example.org/sepsis"
    if kind == "placement":
        assert (opportunity.support_travel, opportunity.support_stipend) == (True, False)
    detail = _html(client.get(response.headers["Location"]))
    assert "Your opportunity is saved as a draft" in detail


def test_the_kind_comes_first(client, signed_in_member):
    page = _html(client.get("/opportunities/new"))
    assert "What kind of opportunity is it?" in page
    assert f'name="organisation" value="{signed_in_member.organisation.id}"' in page
    missing = client.get(f"/opportunities/new?organisation={signed_in_member.organisation.id}")
    assert error_summary(missing) == ["Select the kind of opportunity"]
    chosen = client.get(_new_url("teaching", signed_in_member.organisation))
    assert "Time zone of the sessions" in _html(chosen) and "Join link" in _html(chosen)


def test_a_member_of_several_organisations_picks_one(client, member):
    first = member(name="Alpha Hospital")
    member(user=first.user, name="Beta Hospital")
    sign_in(client, first.user.email)
    page = _html(client.get("/opportunities/new"))
    assert "Which organisation is it for?" in page
    assert "Alpha Hospital" in page and "Beta Hospital" in page
    response = client.get("/opportunities/new?kind=project")
    assert "Select the organisation the opportunity is for" in error_summary(response)


def test_a_non_https_join_link_shows_the_error_keeps_the_input_and_saves_nothing(
    client, db, signed_in_member
):
    url = _new_url("teaching", signed_in_member.organisation)
    response = submit(client, url, teaching_form(join_link="http://meet.example.org/sepsis"))
    assert response.status_code == 200
    assert error_summary(response) == ["Enter a join link that starts with https://"]
    html = _html(response)
    assert html.count('href="#join_link"') == 1
    assert 'value="http://meet.example.org/sepsis"' in html
    assert 'value="Sepsis recognition for final-year nursing students"' in html
    assert 'value="14:00"' in html
    assert re.search(r'<option value="Asia/Dhaka" selected', html)
    assert "<title>Error: " in html
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        ("project", _date("ends_on", soon(1)), "The end date must be the same as or after"),
        ("project", {"hours_per_month": "250"}, "Hours a month must be between 1 and 200"),
        ("project", {"hours_per_month": "eight"}, "Enter hours a month as a whole number"),
        ("teaching", {"capacity": "0"}, "Capacity must be at least 1 place"),
        ("teaching", _date("starts_on", date.today() - timedelta(days=1)), "in the future"),
        ("teaching", {"host_time_zone": "Moon/Tranquility"}, "Select a time zone"),
        ("teaching", {"duration_minutes": "600"}, "between 15 and 480 minutes"),
        ("teaching", {"start_time": "quarter past"}, "24-hour clock"),
        ("teaching", {"occurrences": "60"}, "between 2 and 52"),
        ("teaching", {"title": ""}, "Enter a title"),
        ("placement", _date("ends_on", soon(30)), "latest start must be the same as or after"),
        ("placement", {"skill_2": "neonatal_resuscitation"}, "chosen this skill twice"),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(
    client, db, signed_in_member, kind, changes, message
):
    url = _new_url(kind, signed_in_member.organisation)
    response = submit(client, url, FORMS[kind](**changes))
    assert response.status_code == 200
    assert any(message in item for item in error_summary(response)), error_summary(response)
    assert _count(db) == 0


def test_a_duplicate_skill_is_reported_on_its_own_row(client, signed_in_member):
    url = _new_url("project", signed_in_member.organisation)
    response = submit(client, url, project_form(skill_3="neonatal_resuscitation"))
    assert 'href="#skill_3"' in _html(response)


def test_a_time_skipped_by_the_clock_change_is_refused(client, db, signed_in_member):
    url = _new_url("teaching", signed_in_member.organisation)
    march = date(date.today().year + 1, 3, 31)
    last_sunday = march - timedelta(days=(march.weekday() + 1) % 7)
    response = submit(
        client,
        url,
        teaching_form(
            **_date("starts_on", last_sunday),
            start_time="01:30",
            host_time_zone="Europe/London",
            recurrence="none",
            occurrences="",
        ),
    )
    assert any("does not exist" in item for item in error_summary(response))
    assert _count(db) == 0


def test_staff_and_unverified_organisations_cannot_post(client, db, make, member):
    staff = make.user(roles=["staff"])
    sign_in(client, staff.email)
    assert client.get("/opportunities/new").status_code == 403
    assert client.get("/opportunities/manage").status_code == 403
    client.post("/account/sign-out")
    unverified = member(verified=False)
    sign_in(client, unverified.user.email)
    assert client.get("/opportunities/new").status_code == 403
    response = client.post(_new_url("project", unverified.organisation), data=project_form())
    assert response.status_code in (400, 403)
    assert _count(db) == 0


def test_nobody_posts_for_another_organisation_through_the_url(
    client, db, signed_in_member, member
):
    other = member()
    url = _new_url("project", other.organisation)
    response = client.get(url)
    assert error_summary(response) == ["Select the organisation from the list"]
    assert _count(db) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, make):
    opportunity = make.opportunity()
    for path in ("/opportunities", f"/opportunities/{opportunity.id}", "/opportunities/new"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/account/sign-in" in response.headers["Location"]


# Who may change what --------------------------------------------------------------------------


def test_another_organisation_cannot_edit_publish_or_cancel(client, db, make, member):
    mine, theirs = member(), member()
    open_one = make.opportunity(theirs.organisation, status="open")
    draft = make.opportunity(theirs.organisation, status="draft")
    sign_in(client, mine.user.email)
    base = f"/opportunities/{open_one.id}"
    assert client.get(f"{base}/edit").status_code == 403
    assert client.get(f"{base}/cancel").status_code == 403
    assert submit(client, f"{base}/publish", {}, page="/opportunities").status_code == 403
    assert (
        submit(client, f"{base}/cancel", {"reason": "x"}, page="/opportunities").status_code == 403
    )
    assert submit(client, f"{base}/close", {}, page="/opportunities").status_code == 403
    assert submit(client, f"{base}/edit", project_form(), page="/opportunities").status_code == 403
    # A draft is not even known to them
    for path in (f"/opportunities/{draft.id}", f"/opportunities/{draft.id}/edit"):
        assert client.get(path).status_code == 404, path
    assert (
        submit(client, f"/opportunities/{draft.id}/publish", {}, page="/opportunities").status_code
        == 404
    )
    db.session.refresh(open_one)
    db.session.refresh(draft)
    assert (open_one.status, draft.status) == ("open", "draft")


def test_drafts_are_hidden_from_staff_but_shown_to_their_organisation(client, make, member):
    someone = member()
    draft = make.opportunity(someone.organisation, status="draft", title="Secret draft")
    staff = make.user(roles=["staff"])
    sign_in(client, staff.email)
    assert client.get(f"/opportunities/{draft.id}").status_code == 404
    assert "Secret draft" not in _html(client.get("/opportunities"))
    client.post("/account/sign-out")
    sign_in(client, someone.user.email)
    page = client.get(f"/opportunities/{draft.id}")
    assert page.status_code == 200 and "This is a draft" in _html(page)


def test_a_member_publishes_edits_and_closes(client, db, make, signed_in_member):
    opportunity = make.opportunity(signed_in_member.organisation, status="draft")
    base = f"/opportunities/{opportunity.id}"
    response = submit(client, f"{base}/publish", {}, page=base)
    assert response.status_code == 302
    db.session.refresh(opportunity)
    assert opportunity.status == "open"

    form = client.get(f"{base}/edit")
    assert form.status_code == 200
    assert f'value="{opportunity.title}"' in _html(form)
    response = submit(client, f"{base}/edit", project_form(title="A new title"))
    assert response.status_code == 302, error_summary(response)
    db.session.refresh(opportunity)
    assert opportunity.title == "A new title"

    assert "Nobody new can apply" in _html(client.get(f"{base}/close"))
    assert submit(client, f"{base}/close", {}).status_code == 302
    db.session.refresh(opportunity)
    assert opportunity.status == "closed"
    response = client.get(f"{base}/edit")
    assert response.status_code == 302
    assert submit(client, f"{base}/edit", project_form(), page=base).status_code == 302
    db.session.refresh(opportunity)
    assert opportunity.title == "A new title"


def test_cancelling_needs_a_reason_and_a_post(client, db, make, signed_in_member):
    opportunity = make.opportunity(signed_in_member.organisation, status="open")
    base = f"/opportunities/{opportunity.id}"
    assert client.get(f"{base}/cancel").status_code == 200
    db.session.refresh(opportunity)
    assert opportunity.status == "open"  # a GET changes nothing
    response = submit(client, f"{base}/cancel", {"reason": ""})
    assert error_summary(response) == ["Enter why you are cancelling the opportunity"]
    response = submit(client, f"{base}/cancel", {"reason": "The funding ended"})
    assert response.status_code == 302
    db.session.refresh(opportunity)
    assert (opportunity.status, opportunity.cancel_reason) == ("cancelled", "The funding ended")
    assert "The funding ended" in _html(client.get(base))


def test_a_member_cancels_one_session_of_a_series(client, db, make, signed_in_member):
    opportunity = make.opportunity(signed_in_member.organisation, kind="teaching", sessions=3)
    second = opportunity.sessions[1]
    url = f"/opportunities/{opportunity.id}/sessions/{second.id}/cancel"
    assert client.get(url).status_code == 200
    assert submit(client, url, {}).status_code == 302
    db.session.refresh(second)
    assert second.status == "cancelled"
    assert [s.status for s in opportunity.sessions if s.id != second.id] == ["scheduled"] * 2


def test_the_manage_page_groups_by_status(client, make, signed_in_member, member):
    organisation = signed_in_member.organisation
    make.opportunity(organisation, status="draft", title="A draft project")
    make.opportunity(organisation, status="open", title="An open project")
    make.opportunity(organisation, kind="teaching", sessions=2, title="A teaching series")
    make.opportunity(member().organisation, title="Someone else's")
    html = _html(client.get("/opportunities/manage"))
    assert html.index("Draft (1)") < html.index("A draft project") < html.index("Open (2)")
    assert "An open project" in html and "A teaching series" in html
    assert "Someone else&#39;s" not in html and "Someone else's" not in html


# The listing ----------------------------------------------------------------------------------


def _titles(response) -> list[str]:
    return re.findall(r'class="nhsuk-card__link"[^>]*>\s*(.*?)\s*</a>', _html(response), re.S)


@pytest.fixture
def varied(make):
    """Five open opportunities that differ in each filtered property, and one draft."""
    organisation = make.organisation(name="Partner Hospital")
    make.opportunity(
        organisation,
        title="Project in Bangladesh",
        country="BD",
        modality="on_site",
        professions=("midwife",),
        skills=(("maternal_newborn", 3),),
        languages=(("ben", 3),),
        starts_on=date(2030, 3, 1),
    )
    make.opportunity(
        organisation,
        kind="teaching",
        title="Teaching from India",
        country="IN",
        professions=("adult_nurse",),
        skills=(("simulation", 2),),
        languages=(("hin", 2),),
        starts_at=datetime(2030, 4, 1, 8, tzinfo=UTC),
    )
    make.opportunity(
        organisation,
        kind="placement",
        title="Placement in Nigeria",
        country="NG",
        modality="on_site",
        professions=("doctor",),
        skills=(("emergency_care", 3),),
        languages=(("yor", 2),),
        starts_on=date(2030, 5, 1),
    )
    make.opportunity(
        organisation,
        title="Project in Ghana",
        country="GH",
        modality="hybrid",
        professions=("pharmacist",),
        skills=(("pharmacy_practice", 2),),
        starts_on=date(2030, 6, 1),
    )
    make.opportunity(organisation, title="Draft in Bangladesh", status="draft", country="BD")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "Project in Bangladesh",
                "Teaching from India",
                "Placement in Nigeria",
                "Project in Ghana",
            ],
        ),
        ("kind=teaching", ["Teaching from India"]),
        ("kind=placement", ["Placement in Nigeria"]),
        ("country=BD", ["Project in Bangladesh"]),
        ("modality=on_site", ["Project in Bangladesh", "Placement in Nigeria"]),
        ("profession=pharmacist", ["Project in Ghana"]),
        ("skill=emergency_care", ["Placement in Nigeria"]),
        ("language=hin", ["Teaching from India"]),
        ("starts_from=2030-04-15", ["Placement in Nigeria", "Project in Ghana"]),
        ("starts_by=2030-04-15", ["Project in Bangladesh", "Teaching from India"]),
        (
            "starts_from=2030-04-01&starts_by=2030-05-01",
            ["Teaching from India", "Placement in Nigeria"],
        ),
        ("country=BD&kind=teaching", []),
    ],
)
def test_each_filter_works(client, login_as, varied, query, expected):
    login_as("staff")
    response = client.get(f"/opportunities?{query}")
    assert response.status_code == 200
    assert _titles(response) == expected


def test_the_filters_keep_their_values(client, login_as, varied):
    login_as("staff")
    html = _html(client.get("/opportunities?country=NG&kind=placement&starts_from=2030-01-01"))
    assert re.search(r'<option value="NG" selected', html)
    assert re.search(r'<option value="placement" selected', html)
    assert 'value="2030-01-01"' in html
    assert "csrf_token" not in html.split('action="/opportunities"')[1].split("</form>")[0]


def test_a_bad_date_range_is_explained(client, login_as, varied):
    login_as("staff")
    response = client.get("/opportunities?starts_from=2030-05-01&starts_by=2030-04-01")
    assert error_summary(response) == [
        "'Starts by' must be the same as or after 'starts on or after'"
    ]
    assert _titles(response) == []


def test_the_safeguards_tag_marks_countries_on_the_who_list(client, login_as, varied):
    login_as("staff")
    for country, tagged in (("BD", True), ("IN", False), ("NG", True)):
        html = _html(client.get(f"/opportunities?country={country}"))
        results = html.split('id="results-heading"')[1]
        tag = re.search(r'nhsuk-tag--orange"\s*>\s*WHO safeguards list\s*</strong>', results)
        assert bool(tag) is tagged, country


def test_a_teaching_row_shows_its_next_session_in_both_zones(client, login_as, varied):
    login_as("staff")
    html = _html(client.get("/opportunities?kind=teaching"))
    # 08:00 UTC on 1 April 2030: 14:00 in Dhaka, 09:00 in London (summer time)
    assert "Monday 1 April 2030, 14:00 in Dhaka, 09:00 in London" in html


def test_pagination_shows_20_a_page(client, login_as, make):
    organisation = make.organisation()
    for n in range(45):
        make.opportunity(
            organisation, title=f"Numbered {n:02d}", starts_on=date(2030, 1, 1) + timedelta(days=n)
        )
    login_as("staff")
    first = client.get("/opportunities")
    assert len(_titles(first)) == 20
    assert _titles(first)[0] == "Numbered 00"
    assert "45 opportunities found" in _html(first)
    assert 'href="/opportunities?page=2"' in _html(first)
    third = client.get("/opportunities?page=3")
    assert _titles(third) == [f"Numbered {n}" for n in range(40, 45)]
    beyond = client.get("/opportunities?page=9")
    assert _titles(beyond) == _titles(third)
    assert 'href="/opportunities?kind=project&amp;page=2"' in _html(
        client.get("/opportunities?kind=project")
    )


def test_the_listing_runs_as_many_queries_for_3_rows_as_for_20(client, login_as, make, queries):
    organisation = make.organisation()
    for n in range(20):
        kind = ("project", "teaching", "placement")[n % 3]
        make.opportunity(organisation, kind=kind, country="GH" if n < 3 else "BD", sessions=2)
    login_as("staff")

    def run(query: str) -> tuple[int, int]:
        with queries.count():
            response = client.get(f"/opportunities?{query}")
        assert response.status_code == 200
        return len(_titles(response)), len(queries)

    (few, few_queries), (many, many_queries) = run("country=GH"), run("country=BD")
    assert (few, many) == (3, 17)
    assert few_queries == many_queries, queries.statements
    assert many_queries <= 10, queries.statements


# Detail ---------------------------------------------------------------------------------------


def test_the_detail_page_shows_everything_but_the_join_link(client, login_as, make):
    opportunity = make.opportunity(
        kind="teaching",
        sessions=2,
        country="BD",
        region="Sylhet",
        starts_at=datetime(2030, 4, 1, 8, tzinfo=UTC),
        languages=(("ben", 3),),
    )
    login_as("staff")
    html = _html(client.get(f"/opportunities/{opportunity.id}"))
    for text in (
        opportunity.title,
        opportunity.organisation.name,
        "Tele-teaching session",
        "Bangladesh",
        "WHO safeguards list",
        "Sylhet",
        "Asia/Dhaka".replace("_", " "),
        "60 minutes",
        "Final-year nursing students",
        "Doctor",
        "Neonatal resuscitation",
        "Bengali (fluent or above)",
        "Monday 1 April 2030, 14:00 in Dhaka, 09:00 in London",
    ):
        assert text in html, text
    assert opportunity.join_link not in html
    assert "Manage this opportunity" not in html


def test_the_detail_page_has_no_safeguards_tag_for_india(client, login_as, make):
    opportunity = make.opportunity(country="IN")
    login_as("staff")
    html = _html(client.get(f"/opportunities/{opportunity.id}"))
    assert "India" in html and "WHO safeguards list" not in html


def test_the_detail_page_of_a_placement(client, login_as, make):
    opportunity = make.opportunity(
        kind="placement", country="NG", support_travel=True, support_stipend=True
    )
    login_as("staff")
    html = _html(client.get(f"/opportunities/{opportunity.id}"))
    for text in ("Return placement", "Sylhet MAG Osmani", "6 months", "Travel costs", "A stipend"):
        assert text in html, text
    assert "Housing" not in html


def test_editing_a_series_through_the_form_moves_its_sessions(client, db, signed_in_member):
    url = _new_url("teaching", signed_in_member.organisation)
    assert submit(client, url, teaching_form()).status_code == 302
    opportunity = db.session.scalar(select(Opportunity))
    base = f"/opportunities/{opportunity.id}"
    assert submit(client, f"{base}/publish", {}, page=base).status_code == 302
    before = {s.id: (s.starts_at, s.sequence) for s in opportunity.sessions}

    form = _html(client.get(f"{base}/edit"))
    assert "https://meet.example.org/sepsis" not in form  # the link is never shown back
    assert 'value="14:00"' in form
    response = submit(client, f"{base}/edit", teaching_form(start_time="15:30", join_link=""))
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    opportunity = db.session.get(Opportunity, opportunity.id)
    assert opportunity.join_link == "https://meet.example.org/sepsis"
    for s in opportunity.sessions:
        old_start, old_sequence = before[s.id]
        assert s.starts_at - old_start == timedelta(minutes=90)
        assert s.sequence > old_sequence  # the bookings area marked each as changed


def test_cancelling_a_series_cancels_its_sessions(client, db, make, signed_in_member):
    opportunity = make.opportunity(signed_in_member.organisation, kind="teaching", sessions=2)
    response = submit(
        client, f"/opportunities/{opportunity.id}/cancel", {"reason": "The tutor is unwell"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    opportunity = db.session.get(Opportunity, opportunity.id)
    assert opportunity.status == "cancelled"
    assert [s.status for s in opportunity.sessions] == ["cancelled", "cancelled"]
