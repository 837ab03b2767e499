from datetime import date

from diaspora.milestones import services
from tests.api.matrix import Case, everyone


def _plan_of_staff_a(w, *, done: bool = False) -> tuple[int, int]:
    """staff_a's plan naming the coordinator, with one milestone of their own (the world has
    no plans), that milestone done or not: (plan id, milestone id)."""
    details = services.PlanInput(
        starts_on=date(2027, 1, 4),
        expected_end_on=date(2029, 1, 4),
        scheme="Medical Training Initiative",
        coordinator_id=w.coordinator.id,
    )
    plan = services.start_plan(w.make.session, w.staff_a, None, details)
    milestone = services.add_milestone(
        w.make.session, plan, w.staff_a, services.MilestoneInput("Exam", date(2027, 6, 1))
    )
    if done:
        services.mark_done(w.make.session, milestone, w.staff_a)
    w.make.session.commit()
    return plan.id, milestone.id


def _plan(w) -> str:
    return f"/plans/{_plan_of_staff_a(w)[0]}"


def _milestone(w, *, done: bool = False) -> str:
    plan_id, milestone_id = _plan_of_staff_a(w, done=done)
    return f"/plans/{plan_id}/milestones/{milestone_id}"


# The owner and, read only, the coordinator the plan names; anyone else: not found.
READERS = everyone(404, staff_a=200, coordinator=200)
OWNER = everyone(404, staff_a=200, coordinator=403)

CASES = [
    Case(
        "list_plans",
        path=lambda w: "/plans",
        expect=everyone(200, partner_x=403, partner_y=403),
    ),
    Case(
        "list_coordinated_plans",
        path=lambda w: "/plans/coordinated",
        expect=everyone(403, coordinator=200),
    ),
    Case("get_plan", path=_plan, expect=READERS),
    Case("list_milestones", path=lambda w: _plan(w) + "/milestones", expect=READERS),
    Case("get_milestone", path=_milestone, expect=READERS),
    Case(
        "add_milestone",
        path=lambda w: _plan(w) + "/milestones",
        body=lambda w: {"title": "Royal College exam", "due_on": "2027-03-01"},
        expect=everyone(404, staff_a=201, coordinator=403),
    ),
    Case(
        "update_milestone",
        path=_milestone,
        body=lambda w: {"title": "Royal College exam"},
        expect=OWNER,
    ),
    Case(
        "mark_milestone_done",
        path=lambda w: _milestone(w) + "/done",
        body=lambda w: {"note": "Passed"},
        expect=OWNER,
    ),
    Case("reopen_milestone", path=lambda w: _milestone(w, done=True) + "/undo", expect=OWNER),
]
