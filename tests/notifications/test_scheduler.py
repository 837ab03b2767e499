"""The scheduler: its one job, the tick, and the command that runs it."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from diaspora import config, create_app, scheduler
from diaspora.notifications.models import DeliveryState, Notification
from tests.notifications.conftest import message_id

CALLS: list[str] = []
T0 = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)


def first_job(now=None) -> int:
    CALLS.append("first")
    return 1


def failing_job(now=None) -> int:
    CALLS.append("failing")
    raise ValueError("could not remind person@example.org")


def last_job(now=None) -> int:
    CALLS.append(f"last at {now:%H:%M}" if now else "last")
    return 3


@pytest.fixture
def jobs(monkeypatch):
    CALLS.clear()
    monkeypatch.setattr(scheduler, "JOBS", [first_job, failing_job, last_job])


def test_the_scheduler_has_one_tick_job_that_never_skips_a_late_run(app):
    built = scheduler.build_scheduler(app)
    assert isinstance(built, BlockingScheduler)
    assert str(built.timezone) == "UTC"
    [job] = built.get_jobs()
    assert (job.id, job.name) == ("tick", "tick")
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=60)
    assert job.coalesce is True
    assert job.misfire_grace_time is None
    assert job.max_instances == 1
    assert job.func is scheduler.tick
    assert job.args == (app,)
    # the first tick runs at start, not a minute later
    assert job.next_run_time <= datetime.now(UTC)


def test_every_listed_job_is_an_areas_job():
    for job in scheduler.JOBS:
        assert job.__module__.startswith("diaspora.") and job.__module__.endswith(".jobs")


def test_a_tick_runs_every_job_in_order_and_a_failure_stops_nothing(app, db, jobs, caplog):
    with caplog.at_level(logging.INFO):
        done = scheduler.tick(app, now=T0)
    assert CALLS == ["first", "failing", "last at 10:00"]
    assert done[f"{__name__}:first_job"] == 1
    assert done[f"{__name__}:failing_job"] is None
    assert done[f"{__name__}:last_job"] == 3
    assert done["deliver"] == 0
    assert "ValueError" in caplog.text
    assert "person@example.org" not in caplog.text  # no personal data in the logs


def test_flask_scheduler_run_starts_the_scheduler_and_stops_cleanly(app, monkeypatch):
    started = []

    def _start(self):
        started.append([job.id for job in self.get_jobs()])
        raise KeyboardInterrupt

    monkeypatch.setattr(BlockingScheduler, "start", _start)
    result = app.test_cli_runner().invoke(args=["scheduler", "run"])
    assert result.exit_code == 0, result.output
    assert started == [["tick"]]
    assert "Scheduler running" in result.output


def test_web_workers_never_start_a_scheduler(database_url, monkeypatch):
    def _refuse(self):
        raise AssertionError("a scheduler was started")

    monkeypatch.setattr(BlockingScheduler, "start", _refuse)
    web = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    assert web.test_client().get("/").status_code == 200


def test_after_two_hours_down_one_tick_sends_all_that_fell_due_once(committed):
    """500 reminders fall due while nothing runs; the first tick sends them all, none twice,
    and nothing that was cancelled meanwhile."""
    ids = committed.add_due(500, T0)
    with committed.app.app_context():
        from diaspora.extensions import db

        # spread over the two hours; every tenth one is cancelled (done before it was due)
        for n, notification_id in enumerate(ids):
            values = {"due_at": T0 + timedelta(seconds=n * 14)}
            if n % 10 == 0:
                values["state"] = DeliveryState.CANCELLED
            db.session.execute(
                db.update(Notification).where(Notification.id == notification_id).values(values)
            )
        db.session.commit()
        db.session.remove()
    expected = {message_id(i) for n, i in enumerate(ids) if n % 10}

    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        done = scheduler.tick(committed.app)
    assert done["deliver"] == 450
    committed.sink.wait_for(450)
    assert set(committed.sink.ids()) == expected
    assert set(committed.sink.ids().values()) == {1}
    assert committed.states() == {DeliveryState.SENT: 450, DeliveryState.CANCELLED: 50}

    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert scheduler.tick(committed.app)["deliver"] == 0
    assert committed.sink.total == 450
