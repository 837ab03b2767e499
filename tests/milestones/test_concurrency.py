"""Several scheduler processes run the reminder job at once: each reminder is written once."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from diaspora.extensions import db
from diaspora.milestones import jobs, services
from diaspora.milestones.models import Milestone, PlanTemplate
from diaspora.notifications.models import Notification
from tests.factories import Factories
from tests.milestones.conftest import utc

THREADS = 3
MILESTONES = 300


@pytest.mark.slow
def test_three_jobs_at_once_write_each_reminder_once(committed_app):
    with committed_app.app_context():
        make = Factories(db.session)
        services.load_templates(db.session)
        custom = db.session.scalar(select(PlanTemplate).where(PlanTemplate.key == "custom"))
        plans = []
        for _ in range(6):
            owner = make.user(roles=["staff"])
            db.session.refresh(owner)
            details = services.PlanInput(date(2027, 1, 4), date(2029, 1, 4))
            plans.append(services.start_plan(db.session, owner, custom, details))
        db.session.add_all(
            Milestone(
                plan=plans[n % len(plans)],
                title=f"Milestone {n}",
                due_on=date(2027, 6, 8),
                anchor="fixed",
                scheduled_at=utc(2027, 1, 1),
            )
            for n in range(MILESTONES)
        )
        db.session.commit()
        db.session.remove()

    barrier = threading.Barrier(THREADS)
    written: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with committed_app.app_context():
                barrier.wait()
                written.append(jobs.milestone_reminders(utc(2027, 6, 1, 9)))
                db.session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(written) == MILESTONES
    with committed_app.app_context():
        inbox = db.session.execute(
            select(func.count(), func.count(func.distinct(Notification.dedupe_key))).where(
                Notification.channel == "inbox"
            )
        ).one()
        db.session.remove()
    assert tuple(inbox) == (MILESTONES, MILESTONES)
