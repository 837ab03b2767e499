from sqlalchemy import select

from demo import milestones as demo
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
