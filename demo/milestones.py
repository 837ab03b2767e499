"""Demo plans: the shipped templates, and an MTI plan for the demo staff member, coordinated by
the demo coordinator, a few months in: four milestones done, one overdue. Two Sylhet
volunteers near the end of their plans are due back in Bangladesh within 12 months, so the return
pipeline on the impact pages has people in it. Idempotent."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.milestones import services
from diaspora.milestones.models import Plan, PlanTemplate
from diaspora.opportunities.services import add_months

STAFF_EMAIL = "staff@demo.test"
COORDINATOR_EMAIL = "coordinator@demo.test"
DONE = (
    "Arrive and start work",
    "Starters report sent",
    "Hospital induction",
    "Departmental induction",
)


# (email, template key, months since the plan started, return country): each plan ends within
# the next 12 months, and every milestone due before today is done.
RETURNING = (
    ("staff03@demo.test", "mti", 20, "BD"),
    ("staff02@demo.test", "nursing_elr", 29, "BD"),
)


def load(session: Session) -> None:
    services.load_templates(session)
    _returning(session)
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


def _returning(session: Session) -> None:
    coordinator = session.scalar(select(User).where(User.email == COORDINATOR_EMAIL))
    eligible = dict(services.coordinator_choices(session))
    coordinator_id = coordinator.id if coordinator and coordinator.id in eligible else None
    now = utcnow()
    for email, key, months, country in RETURNING:
        owner = session.scalar(select(User).where(User.email == email))
        template = session.scalar(select(PlanTemplate).where(PlanTemplate.key == key))
        if owner is None or template is None:
            continue
        if session.scalar(select(Plan.id).where(Plan.owner_id == owner.id)):
            continue
        today = services.local_today(owner)
        plan = services.start_plan(
            session,
            owner,
            template,
            services.PlanInput(
                starts_on=add_months(today, -months),
                scheme=template.name,
                return_country=country,
                coordinator_id=coordinator_id,
            ),
        )
        for milestone in plan.milestones:
            if milestone.due_on < today:
                milestone.done_at = now - timedelta(days=(today - milestone.due_on).days)
                milestone.done_note = "Done."
    session.flush()
