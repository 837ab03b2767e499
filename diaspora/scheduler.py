"""The scheduler process: `flask scheduler run`. Never started by web workers.

One interval job, "tick", runs every minute: first every area's job in JOBS (each creates the
reminder rows that have fallen due, or moves records on), then the delivery of every email that
is due. Reminders are rows in the outbox, not scheduler jobs, so nothing is lost while the
process is down: the first tick after a restart catches up. Several scheduler processes are safe
side by side: each email row is claimed by one of them only (see notifications/jobs.py).
"""

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import AppGroup

from diaspora.api.jobs import token_reminders
from diaspora.cohorts.jobs import forget_old_imports
from diaspora.core.logs import describe_exception
from diaspora.engagements.jobs import complete_finished, expire_unanswered, nudge_unanswered
from diaspora.extensions import db
from diaspora.matching.jobs import prune_changes, weekly_digests
from diaspora.milestones.jobs import credential_reminders, milestone_reminders, session_reminders
from diaspora.notifications.jobs import deliver_due
from diaspora.organisations.jobs import warn_text_budgets

log = logging.getLogger(__name__)

TICK_SECONDS = 60

# Every job the tick runs, in order; each is `def f(now=None) -> int`, commits itself and is
# safe to run twice.
JOBS: list[Callable[..., int]] = [
    # Engagements: nudge organisations about unanswered applications, expire the old ones,
    # complete engagements whose opportunity has ended.
    nudge_unanswered,
    expire_unanswered,
    complete_finished,
    # Plans and reminders: milestone reminders, teaching session reminders, credential expiry.
    milestone_reminders,
    session_reminders,
    credential_reminders,
    # Matching: the weekly digest of new opportunities that match a person strongly; pruning
    # the log of changes that copies of the registry in memory catch up from.
    weekly_digests,
    prune_changes,
    # Accounts: remind owners a week before an API token expires.
    token_reminders,
    # Cohorts: forget uploaded volunteer spreadsheets once they are no longer needed.
    forget_old_imports,
    # Organisations: warn the owners once a month when their texts reach 80 % of the budget.
    warn_text_budgets,
]


def _job_name(job: Callable[..., int]) -> str:
    """A job's name in the tick's results and logs: "module:function"."""
    return f"{job.__module__}:{job.__name__}"


def _log_failure(name: str, error: BaseException) -> None:
    log.error("Job %s failed: %s", name, describe_exception(error))


def run_jobs(now: datetime | None = None) -> dict[str, int | None]:
    """Run each job in JOBS (in an application context); a job that fails is logged, its
    transaction rolled back, and the others still run. Returns what each did (None: failed)."""
    done: dict[str, int | None] = {}
    for job in JOBS:
        name = _job_name(job)
        try:
            done[name] = job(now=now)
        except Exception as error:
            db.session.rollback()
            _log_failure(name, error)
            done[name] = None
    return done


def tick(app: Flask, now: datetime | None = None) -> dict[str, int | None]:
    """One tick: every job, then the delivery of everything due (until nothing is)."""
    started = time.monotonic()
    with app.app_context():
        try:
            done = run_jobs(now)
            try:
                done["deliver"] = deliver_due(now)
            except Exception as error:
                db.session.rollback()
                _log_failure("deliver_due", error)
                done["deliver"] = None
        finally:
            db.session.remove()
    log.info(
        "Tick done in %.1f s: %s",
        time.monotonic() - started,
        ", ".join(f"{path.rpartition(':')[2]}={count}" for path, count in done.items()),
    )
    return done


def build_scheduler(app: Flask) -> BlockingScheduler:
    """The scheduler the process runs: the tick every minute, the first one at once. Late
    ticks (the machine slept, a tick ran long) are coalesced into one and never skipped."""
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=TICK_SECONDS,
        args=[app],
        id="tick",
        name="tick",
        coalesce=True,
        misfire_grace_time=None,
        max_instances=1,
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    return scheduler


scheduler_cli = AppGroup("scheduler", help="Run the scheduled jobs and deliver the outbox.")


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduler until stopped (Ctrl-C or SIGTERM)."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    click.echo(f"Scheduler running: a tick every {TICK_SECONDS} s. Ctrl-C stops it.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@scheduler_cli.command("tick")
def tick_command() -> None:
    """Run one tick now and exit (e.g. from cron, or to catch up by hand)."""
    done = tick(current_app._get_current_object())
    for path, count in done.items():
        click.echo(f"{path}: {'failed' if count is None else count}")
