"""Demo plans: the shipped templates, and an MTI plan for the demo staff member, coordinated by
the demo coordinator, a few months in: four milestones done, one overdue. Idempotent."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.milestones import services
from diaspora.milestones.models import Plan, PlanTemplate

STAFF_EMAIL = "staff@demo.test"
COORDINATOR_EMAIL = "coordinator@demo.test"
DONE = (
    "Arrive and start work",
    "Starters report sent",
    "Hospital induction",
    "Departmental induction",
)


def load(session: Session) -> None:
    services.load_templates(session)
    staff = session.scalar(select(User).where(User.email == STAFF_EMAIL))
    if staff is None or session.scalar(select(Plan.id).where(Plan.owner_id == staff.id)):
        return
    mti = session.scalar(select(PlanTemplate).where(PlanTemplate.key == "mti"))
    if mti is None:
        return
    coordinator = session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
    eligible = dict(services.coordinator_choices(session))
    today = services.local_today(staff)
    plan = services.start_plan(
        session,
        staff,
        mti,
        services.PlanInput(
            starts_on=today - timedelta(days=150),
            scheme=mti.name,
            return_country="NG",
            coordinator_id=coordinator.id if coordinator and coordinator.id in eligible else None,
        ),
    )
    now = utcnow()
    for milestone in plan.milestones:
        if milestone.title in DONE:
            milestone.done_at = now - timedelta(days=(today - milestone.due_on).days)
            milestone.done_note = "Done on time."
    session.flush()
