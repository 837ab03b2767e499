import re
from datetime import date

import pytest
from sqlalchemy import select

from diaspora.milestones.models import Milestone, Plan, PlanTemplate, TemplateMilestone
from tests.helpers import error_summary, sign_in, submit


def _html(response) -> str:
    return response.get_data(as_text=True)


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", _html(response), re.S).group(1).strip()


def _h1_count(response) -> int:
    return len(re.findall(r"<h1[ >]", _html(response)))


def _date(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def _plans(db) -> list[Plan]:
    return list(db.session.scalars(select(Plan).order_by(Plan.id)))


def test_pages_need_sign_in(client, staff, make_plan):
    plan = make_plan(staff)
    for url in (
        "/plans",
        "/plans/new",
        f"/plans/{plan.id}",
        "/plans/coordinating",
        "/plans/templates",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/sign-in" in response.headers["Location"]


def test_a_staff_member_creates_an_mti_plan_and_sees_its_timeline(
    client, login_as, db, templates, coordinator
):
    me = login_as("staff")
    page = client.get("/plans")
    assert "You do not have a plan yet" in _html(page)
    choose = client.get("/plans/new")
    assert "Medical Training Initiative (MTI)" in _html(choose)
    assert "This scheme is closing." in _html(choose)
    chosen = client.get("/plans/new", query_string={"template": templates["mti"].id})
    assert chosen.status_code == 302
    form_url = chosen.headers["Location"]
    form = client.get(form_url)
    assert "This scheme is closing" in _html(form)
    assert "31 March 2026" in _html(form)
    assert "Carla Coordinator, Sylhet Link" in _html(form)
    response = submit(
        client,
        form_url,
        {
            "scheme": "MTI in anaesthesia",
            **_date("starts_on", date(2027, 1, 4)),
            "return_country": "BD",
            "coordinator_id": str(coordinator.id),
        },
    )
    assert response.status_code == 302
    (plan,) = _plans(db)
    assert (plan.owner_id, plan.scheme, plan.coordinator_id) == (
        me.id,
        "MTI in anaesthesia",
        coordinator.id,
    )
    assert plan.expected_end_on == date(2029, 1, 4)
    timeline = client.get(response.headers["Location"])
    html = _html(timeline)
    assert _title(timeline).startswith("MTI in anaesthesia plan")
    assert _h1_count(timeline) == 1
    assert "0 of 13 done" in html
    assert (
        html.index("Arrive and start work")
        < html.index("Starters report sent")
        < html.index("Check-in 12 months after returning")
    )
    assert "Bangladesh" in html and "Carla Coordinator" in html


def test_templates_are_chosen_in_the_readers_language_and_copied_in_it(
    client, login_as, db, templates
):
    """The shipped words come in the reader's language; a plan made from them keeps them in the
    language it was made in, and what an editor changed shows as typed."""
    templates["mti"].milestones[0].title = "Arrive in Leeds and start work"
    me = login_as("staff")
    me.language = "fr"
    db.session.commit()
    choose = _html(client.get("/plans/new"))
    assert "Initiative de formation médicale (MTI)" in choose
    assert "Medical Training Initiative" not in choose
    form_url = f"/plans/new/{templates['mti'].id}"
    assert "Initiative de formation médicale (MTI)" in _html(client.get(form_url))

    response = submit(client, form_url, _date("starts_on", date(2027, 1, 4)))
    assert response.status_code == 302
    (plan,) = _plans(db)
    assert plan.scheme == "Initiative de formation médicale (MTI)"
    titles = [m.title for m in plan.milestones]
    assert "Arrive in Leeds and start work" in titles
    assert "Rapport de début de poste envoyé" in titles
    assert "Starters report sent" not in titles


def test_the_plan_form_keeps_input_and_shows_errors(client, login_as, db, templates):
    login_as("staff")
    url = f"/plans/new/{templates['custom'].id}"
    response = submit(
        client,
        url,
        {
            "scheme": "My own scheme",
            **_date("starts_on", date(2027, 5, 1)),
            **_date("expected_end_on", date(2027, 4, 1)),
        },
    )
    assert response.status_code == 200
    assert error_summary(response) == ["Expected end date must be after the start date"]
    assert 'value="My own scheme"' in _html(response)
    assert _title(response).startswith("Error: ")
    assert _plans(db) == []


def test_a_retired_template_cannot_start_a_plan(client, login_as, db, templates):
    login_as("staff")
    templates["nursing_elr"].status = "retired"
    db.session.commit()
    assert "Earn, learn and return: nursing" not in _html(client.get("/plans/new"))
    url = f"/plans/new/{templates['nursing_elr'].id}"
    assert client.get(url).status_code == 404
    response = submit(client, url, _date("starts_on", date(2027, 1, 4)), page="/plans/new")
    assert response.status_code == 404
    assert _plans(db) == []


def test_mark_done_with_a_note_and_undo(client, db, staff, make_plan):
    plan = make_plan(staff)
    sign_in(client, staff.email)
    milestone = plan.milestones[1]
    url = f"/plans/{plan.id}/milestones/{milestone.id}/done"
    page = client.get(url)
    assert _title(page).startswith("Mark as done: Starters report sent")
    response = submit(client, url, {"note": "Medical staffing confirmed it went"})
    assert response.status_code == 302
    db.session.refresh(milestone)
    assert (
        milestone.done_at is not None
        and milestone.done_note == "Medical staffing confirmed it went"
    )
    html = _html(client.get(f"/plans/{plan.id}"))
    assert "1 of 13 done" in html
    assert "Medical staffing confirmed it went" in html
    response = submit(
        client, f"/plans/{plan.id}/milestones/{milestone.id}/undo", {}, page=f"/plans/{plan.id}"
    )
    assert response.status_code == 302
    db.session.refresh(milestone)
    assert milestone.done_at is None


def test_overdue_milestones_are_flagged_in_words(client, db, staff, make_plan):
    plan = make_plan(staff, starts_on=date(2020, 1, 6), ends_on=date(2030, 1, 6))
    sign_in(client, staff.email)
    html = _html(client.get(f"/plans/{plan.id}"))
    assert len(re.findall(r"nhsuk-tag--red[^>]*>\s*Overdue\s*</strong>", html)) == 8
    assert re.search(r"<h2>Overdue</h2>", html)


def test_own_milestones_are_added_changed_and_deleted(client, db, staff, make_plan):
    plan = make_plan(staff)
    sign_in(client, staff.email)
    url = f"/plans/{plan.id}/milestones/new"
    response = submit(client, url, {"title": "", **_date("due_on", date(2027, 3, 1))})
    assert error_summary(response) == ["Enter the title of the milestone"]
    response = submit(
        client, url, {"title": "Royal College exam", **_date("due_on", date(2027, 3, 1))}
    )
    assert response.status_code == 302
    own = db.session.scalar(select(Milestone).where(Milestone.title == "Royal College exam"))
    assert (own.anchor, own.created_by_user, own.due_on) == ("fixed", True, date(2027, 3, 1))
    edit = f"/plans/{plan.id}/milestones/{own.id}/edit"
    assert (
        submit(
            client, edit, {"title": "Royal College exam", **_date("due_on", date(2027, 4, 1))}
        ).status_code
        == 302
    )
    db.session.refresh(own)
    assert own.due_on == date(2027, 4, 1)
    scheme_one = plan.milestones[0]
    assert client.get(f"/plans/{plan.id}/milestones/{scheme_one.id}/delete").status_code == 403
    assert submit(client, f"/plans/{plan.id}/milestones/{own.id}/delete", {}).status_code == 302
    assert db.session.get(Milestone, own.id) is None


def test_lead_times_are_checked_and_saved(client, db, staff, make_plan):
    plan = make_plan(staff)
    sign_in(client, staff.email)
    url = f"/plans/{plan.id}/reminders"
    page = client.get(url)
    assert 'value="30, 7, 1"' in _html(page)
    for bad, message in (
        ("400", "Each number of days must be 365 or fewer"),
        ("1,2,3,4,5,6", "Enter 5 reminders or fewer"),
        ("a week", "Enter whole numbers of days separated by commas, like 30, 7, 1"),
    ):
        response = submit(client, url, {"lead_days": bad})
        assert response.status_code == 200
        assert error_summary(response) == [message]
        assert f'value="{bad}"' in _html(response)
    response = submit(client, url, {"lead_days": "14, 3"})
    assert response.status_code == 302
    db.session.refresh(plan)
    assert plan.lead_days == "14,3"


def test_changing_the_start_moves_the_milestones(client, db, staff, make_plan):
    plan = make_plan(staff, starts_on=date(2027, 1, 4))
    sign_in(client, staff.email)
    response = submit(
        client,
        f"/plans/{plan.id}/edit",
        {
            "scheme": plan.scheme,
            **_date("starts_on", date(2027, 2, 1)),
            **_date("expected_end_on", date(2029, 1, 4)),
        },
    )
    assert response.status_code == 302
    db.session.refresh(plan)
    assert plan.milestones[0].due_on == date(2027, 2, 1)


def test_other_peoples_plans_are_not_found(client, login_as, db, make, make_plan, coordinator):
    owner = make.user(roles=["staff"])
    db.session.refresh(owner)
    plan = make_plan(owner, coordinator=coordinator)
    milestone = plan.milestones[0]
    for role in ("staff", "admin", "partner"):
        login_as(role)
        for url in (
            f"/plans/{plan.id}",
            f"/plans/{plan.id}/edit",
            f"/plans/{plan.id}/reminders",
            f"/plans/{plan.id}/milestones/{milestone.id}/done",
        ):
            assert client.get(url).status_code == 404, (role, url)


def test_the_coordinator_sees_the_plan_read_only_and_the_overdue_list(
    client, db, make, make_plan, coordinator
):
    first = make.user(roles=["staff"], name="Amina Begum")
    second = make.user(roles=["staff"], name="Bola Adeyemi")
    db.session.refresh(first)
    db.session.refresh(second)
    old = make_plan(
        first, starts_on=date(2020, 1, 6), ends_on=date(2030, 1, 6), coordinator=coordinator
    )
    make_plan(second, starts_on=date(2021, 1, 4), ends_on=date(2030, 1, 6), coordinator=coordinator)
    make_plan(make.user(roles=["staff"], name="Not Mine"), starts_on=date(2020, 1, 6))
    sign_in(client, coordinator.email)
    page = client.get("/plans/coordinating")
    html = _html(page)
    assert page.status_code == 200
    assert "Amina Begum" in html and "Bola Adeyemi" in html and "Not Mine" not in html
    overdue = re.search(r"<h2>Overdue milestones</h2>(.*?)<h2>Plans</h2>", html, re.S).group(1)
    people = re.findall(
        r'>Person </span><bdi dir="auto">(Amina Begum|Bola Adeyemi)</bdi></td>', overdue
    )
    assert people[0] == "Amina Begum" and people[-1] == "Bola Adeyemi"
    assert people == sorted(people)
    assert overdue.index("Arrive and start work") < overdue.index("Starters report sent")
    timeline = client.get(f"/plans/{old.id}")
    assert timeline.status_code == 200
    assert "Only they can change it" in _html(timeline)
    assert "Mark as done" not in _html(timeline)
    milestone = old.milestones[0]
    assert client.get(f"/plans/{old.id}/milestones/{milestone.id}/done").status_code == 403
    assert client.get(f"/plans/{old.id}/edit").status_code == 403


def test_the_coordinator_list_needs_a_verified_coordinator(client, login_as):
    login_as("staff")
    assert client.get("/plans/coordinating").status_code == 403
    login_as("coordinator")  # the role without a verified charity or trust
    assert client.get("/plans/coordinating").status_code == 403


def test_the_plans_page_runs_as_many_queries_for_one_plan_as_for_five(
    client, db, staff, make_plan, queries, coordinator
):
    make_plan(staff, coordinator=coordinator)
    sign_in(client, staff.email)

    def count() -> int:
        with queries.count():
            assert client.get("/plans").status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        make_plan(staff, coordinator=coordinator)
    assert count() == one


def test_the_coordinator_page_runs_as_many_queries_for_two_people_as_for_six(
    client, db, make, make_plan, coordinator, queries
):
    def add_person():
        person = make.user(roles=["staff"])
        db.session.refresh(person)
        make_plan(
            person, starts_on=date(2020, 1, 6), ends_on=date(2030, 1, 6), coordinator=coordinator
        )

    add_person()
    add_person()
    sign_in(client, coordinator.email)

    def count() -> int:
        with queries.count():
            assert client.get("/plans/coordinating").status_code == 200
        return len(queries)

    two = count()
    for _ in range(4):
        add_person()
    assert count() == two


# Templates -----------------------------------------------------------------------------------


def test_staff_may_not_edit_templates(client, login_as, templates):
    login_as("staff")
    assert client.get("/plans/templates").status_code == 403
    assert client.get("/plans/templates/new").status_code == 403
    assert client.get(f"/plans/templates/{templates['mti'].id}").status_code == 403


@pytest.mark.parametrize("who", ["admin", "coordinator"])
def test_admins_and_coordinators_edit_templates(client, login_as, db, templates, coordinator, who):
    if who == "admin":
        login_as("admin")
    else:
        sign_in(client, coordinator.email)
    page = client.get("/plans/templates")
    assert page.status_code == 200
    assert "Medical Training Initiative (MTI)" in _html(page)
    response = submit(
        client,
        "/plans/templates/new",
        {"name": "", "scheme": "X", "months": "two", "status": "active"},
    )
    assert set(error_summary(response)) == {
        "Enter the name of the template",
        "Typical length must be a whole number of months",
    }
    response = submit(
        client,
        "/plans/templates/new",
        {"name": "Midwifery return", "scheme": "MW", "months": "12", "status": "active"},
    )
    assert response.status_code == 302
    template = db.session.scalar(
        select(PlanTemplate).where(PlanTemplate.name == "Midwifery return")
    )
    url = f"/plans/templates/{template.id}/milestones/new"
    response = submit(client, url, {"title": "Return home", "anchor": "end", "offset_days": "-7"})
    assert response.status_code == 302
    (item,) = db.session.scalars(
        select(TemplateMilestone).where(TemplateMilestone.template_id == template.id)
    )
    assert (item.anchor, item.offset_days) == ("end", -7)
    assert "7 days before the expected end" in _html(client.get(f"/plans/templates/{template.id}"))
    response = submit(
        client,
        f"/plans/templates/{template.id}",
        {"name": "Midwifery return", "scheme": "MW", "months": "12", "status": "retired"},
    )
    assert response.status_code == 302
    db.session.refresh(template)
    assert template.status == "retired"
