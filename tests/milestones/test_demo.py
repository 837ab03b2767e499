from datetime import date, timedelta

from sqlalchemy import select

from demo import milestones as demo
from diaspora.impact import services as impact
from diaspora.milestones import services
from diaspora.milestones.models import Plan, PlanTemplate


def test_demo_plans_load_once(db, make):
    staff = make.user(email="staff@demo.test", roles=["staff"])
    coordinator = make.user(email="coordinator@demo.test", roles=["coordinator"])
    make.organisation(kind="charity", members=(coordinator,))
    demo.load(db.session)
    db.session.commit()
    demo.load(db.session)
    db.session.commit()
    assert db.session.query(PlanTemplate).count() == 3
    (plan,) = db.session.scalars(select(Plan))
    assert (plan.owner_id, plan.coordinator_id) == (staff.id, coordinator.id)
    (summary,) = services.plans_of(db.session, staff)
    assert (summary.done, summary.overdue) == (4, 1)


def test_the_command_loads_the_templates_once(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["plans", "load-templates"])
    assert first.exit_code == 0, first.output
    assert "3 added, 3 in all" in first.output
    second = runner.invoke(args=["plans", "load-templates"])
    assert "0 added, 3 in all" in second.output


def test_two_demo_volunteers_are_due_back_within_twelve_months(db, make):
    people = [make.user(email=email) for email, *_ in demo.RETURNING]
    demo.load(db.session)
    db.session.commit()
    demo.load(db.session)
    db.session.commit()
    plans = {plan.owner_id: plan for plan in db.session.scalars(select(Plan))}
    assert set(plans) == {person.id for person in people}
    today = date.today()
    for person in people:
        plan = plans[person.id]
        assert plan.return_country == "BD"
        assert today < plan.expected_end_on < today + timedelta(days=365)
        (summary,) = services.plans_of(db.session, person)
        assert summary.overdue == 0  # everything due before today is done

    pipeline = impact.pipeline(db.session, impact.Scope("platform"), today)
    assert pipeline.total == 2
