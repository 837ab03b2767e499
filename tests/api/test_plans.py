"""The plans API: a staff member reads their plans and keeps their milestones up to date; the
coordinator a plan names reads it and changes nothing; anyone else never finds it."""

from datetime import date

import pytest

from diaspora.milestones.models import Milestone

API = "/api/v1"


@pytest.fixture
def staff(make):
    return make.user(roles=["staff"], name="Sam Staff")


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def _fields(problem: dict) -> dict[str, str]:
    return {e["pointer"].removeprefix("#/"): e["detail"] for e in problem["errors"]}


# Reading -------------------------------------------------------------------------------------


def test_staff_list_their_plans_with_progress(call, make, staff, make_plan, coordinator):
    old = make_plan(staff, starts_on=date(2020, 1, 6), ends_on=date(2030, 1, 6))
    new = make_plan(staff, coordinator=coordinator)
    make_plan(make.user(roles=["staff"]))

    response = call(staff, "GET", "/plans")
    assert response.status_code == 200
    page = response.get_json()
    assert page["total"] == 2 and [p["id"] for p in page["items"]] == [new.id, old.id]
    first = page["items"][0]
    assert first["owner"] == {"id": staff.id, "name": "Sam Staff"}
    assert first["coordinator"] == {"id": coordinator.id, "name": "Carla Coordinator"}
    assert first["yours"] is True and first["starts_on"] == "2027-01-04"
    assert (first["total"], first["done"], first["overdue"]) == (13, 0, 0)
    assert page["items"][1]["overdue"] > 0

    overdue = call(staff, "GET", "/plans?overdue=true").get_json()
    assert [p["id"] for p in overdue["items"]] == [old.id]
    assert call(staff, "GET", "/plans?overdue=false&per_page=1").get_json()["total"] == 1


def test_plans_are_for_staff(call, make):
    _problem(call(make.user(roles=["partner"]), "GET", "/plans"), 403)


def test_a_plan_reads_with_its_milestones_in_date_order(call, staff, make_plan):
    plan = make_plan(staff)
    response = call(staff, "GET", f"/plans/{plan.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == plan.id and body["scheme"] == plan.scheme
    assert body["return_country"] == "BD" and body["lead_days"] == [30, 7, 1]
    dates = [m["due_on"] for m in body["milestones"]]
    assert len(dates) == body["total"] == 13 and dates == sorted(dates)
    first = body["milestones"][0]
    assert first["plan_id"] == plan.id and first["own"] is False
    assert first["status"] in ("soon", "upcoming") and first["done_at"] is None


def test_milestones_page_and_filter_by_status(call, staff, make_plan, db):
    plan = make_plan(staff, starts_on=date(2020, 1, 6), ends_on=date(2030, 1, 6))
    page = call(staff, "GET", f"/plans/{plan.id}/milestones?per_page=5").get_json()
    assert page["total"] == 13 and len(page["items"]) == 5
    overdue = call(staff, "GET", f"/plans/{plan.id}/milestones?status=overdue").get_json()
    assert overdue["total"] == 8
    assert {m["status"] for m in overdue["items"]} == {"overdue"}
    one = overdue["items"][0]
    got = call(staff, "GET", f"/plans/{plan.id}/milestones/{one['id']}").get_json()
    assert got == one
    problem = _problem(call(staff, "GET", f"/plans/{plan.id}/milestones?status=late"), 422)
    assert [e["parameter"] for e in problem["errors"]] == ["status"]


def test_the_coordinator_reads_the_plans_naming_them(call, make, staff, make_plan, coordinator):
    plan = make_plan(staff, coordinator=coordinator)
    other = make_plan(make.user(roles=["staff"], name="Olu Other"), coordinator=coordinator)
    make_plan(make.user(roles=["staff"]))

    page = call(coordinator, "GET", "/plans/coordinated").get_json()
    assert [p["id"] for p in page["items"]] == [other.id, plan.id]  # by owner's name
    assert page["items"][0]["yours"] is False
    mine = call(coordinator, "GET", f"/plans/coordinated?owner_id={staff.id}").get_json()
    assert [p["id"] for p in mine["items"]] == [plan.id]

    body = call(coordinator, "GET", f"/plans/{plan.id}").get_json()
    assert body["yours"] is False and body["owner"]["name"] == "Sam Staff"
    milestone = plan.milestones[0]
    assert call(coordinator, "GET", f"/plans/{plan.id}/milestones").status_code == 200
    assert (
        call(coordinator, "GET", f"/plans/{plan.id}/milestones/{milestone.id}").status_code == 200
    )


def test_the_coordinator_list_needs_a_current_coordinator(call, make, staff):
    _problem(call(staff, "GET", "/plans/coordinated"), 403)
    _problem(call(make.user(roles=["coordinator"]), "GET", "/plans/coordinated"), 403)


def test_other_peoples_plans_are_not_found(call, make, staff, make_plan, coordinator):
    plan = make_plan(staff)
    milestone = plan.milestones[0]
    for who in (make.user(roles=["staff"]), coordinator, make.user(roles=["admin"])):
        _problem(call(who, "GET", f"/plans/{plan.id}"), 404)
        _problem(call(who, "GET", f"/plans/{plan.id}/milestones"), 404)
        _problem(call(who, "GET", f"/plans/{plan.id}/milestones/{milestone.id}"), 404)
        _problem(call(who, "POST", f"/plans/{plan.id}/milestones/{milestone.id}/done", {}), 404)
    other_plan = make_plan(staff)
    _problem(call(staff, "GET", f"/plans/{other_plan.id}/milestones/{milestone.id}"), 404)
    _problem(call(staff, "GET", "/plans/999999"), 404)


# Changing ------------------------------------------------------------------------------------


def test_mark_a_milestone_done_and_open_it_again(call, staff, make_plan, db):
    plan = make_plan(staff)
    milestone = plan.milestones[1]
    url = f"/plans/{plan.id}/milestones/{milestone.id}"

    response = call(staff, "POST", f"{url}/done", {"note": "Medical staffing confirmed it"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "done" and body["done_note"] == "Medical staffing confirmed it"
    assert body["done_at"].endswith("+00:00")
    db.session.refresh(milestone)
    assert milestone.done_at is not None
    assert call(staff, "GET", f"/plans/{plan.id}").get_json()["done"] == 1

    problem = _problem(call(staff, "POST", f"{url}/done", {}), 409)
    assert "already done" in problem["detail"]

    response = call(staff, "POST", f"{url}/undo")
    assert response.status_code == 200 and response.get_json()["done_at"] is None
    _problem(call(staff, "POST", f"{url}/undo"), 409)

    problem = _problem(call(staff, "POST", f"{url}/done", {"note": "x" * 2001}), 422)
    assert _fields(problem) == {"note": "Note must be 2000 characters or fewer"}
    problem = _problem(call(staff, "POST", f"{url}/done", {"note": 3, "evidence": "x"}), 422)
    assert set(_fields(problem)) == {"note", "evidence"}
    db.session.refresh(milestone)
    assert milestone.done_at is None


def test_add_and_change_an_own_milestone(call, staff, make_plan, db):
    plan = make_plan(staff)
    url = f"/plans/{plan.id}/milestones"

    problem = _problem(call(staff, "POST", url, {"description": "Revise"}), 422)
    assert _fields(problem) == {
        "title": "Enter the title of the milestone",
        "due_on": "Enter the date the milestone is due",
    }
    problem = _problem(call(staff, "POST", url, {"title": "Exam", "due_on": "2027-02-30"}), 422)
    assert set(_fields(problem)) == {"due_on"}

    response = call(staff, "POST", url, {"title": " Royal College exam ", "due_on": "2027-03-01"})
    assert response.status_code == 201
    own = response.get_json()
    assert (own["title"], own["due_on"], own["own"]) == ("Royal College exam", "2027-03-01", True)
    stored = db.session.get(Milestone, own["id"])
    assert (stored.plan_id, stored.anchor, stored.created_by_user) == (plan.id, "fixed", True)

    response = call(staff, "PATCH", f"{url}/{own['id']}", {"due_on": "2027-04-01"})
    assert response.status_code == 200
    changed = response.get_json()
    assert (changed["title"], changed["due_on"]) == ("Royal College exam", "2027-04-01")
    problem = _problem(call(staff, "PATCH", f"{url}/{own['id']}", {"title": "x" * 201}), 422)
    assert _fields(problem) == {"title": "Title must be 200 characters or fewer"}
    problem = _problem(call(staff, "PATCH", f"{url}/{own['id']}", {"title": "a\x00b"}), 422)
    assert set(_fields(problem)) == {"title"}

    scheme_one = plan.milestones[0]
    _problem(call(staff, "PATCH", f"{url}/{scheme_one.id}", {"title": "Mine now"}), 403)
    db.session.refresh(scheme_one)
    assert scheme_one.title != "Mine now"


def test_the_coordinator_changes_nothing(call, staff, make_plan, coordinator, db):
    plan = make_plan(staff, coordinator=coordinator)
    milestone = plan.milestones[0]
    url = f"/plans/{plan.id}/milestones"
    _problem(call(coordinator, "POST", url, {"title": "Theirs", "due_on": "2027-03-01"}), 403)
    _problem(call(coordinator, "PATCH", f"{url}/{milestone.id}", {"title": "Theirs"}), 403)
    _problem(call(coordinator, "POST", f"{url}/{milestone.id}/done", {}), 403)
    _problem(call(coordinator, "POST", f"{url}/{milestone.id}/undo"), 403)
    db.session.refresh(milestone)
    assert milestone.done_at is None and len(plan.milestones) == 13


def test_a_read_only_token_reads_but_does_not_change(call, staff, make_plan, db):
    plan = make_plan(staff)
    milestone = plan.milestones[0]
    assert call(staff, "GET", f"/plans/{plan.id}", scope="read").status_code == 200
    url = f"/plans/{plan.id}/milestones/{milestone.id}/done"
    _problem(call(staff, "POST", url, {}, scope="read"), 403)
    db.session.refresh(milestone)
    assert milestone.done_at is None
