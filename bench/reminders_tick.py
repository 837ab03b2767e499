"""The milestone reminder job at 1,000,000 milestones (100,000 plans of 10), on SQLite and on
PostgreSQL.

Due dates are spread evenly over three years around the benchmark's day, so about one milestone
in a thousand falls due per lead time per day; nine in ten milestones already past are done, and
half the plans name a coordinator. The owners live in five time zones. The job runs once for the
day before (untimed: the outbox then holds what earlier ticks wrote, and the job notes how far
it ran), then is timed 24 hours later writing one day's reminders (every owner's 09:00 came in
between: at 12:00 UTC it is past 09:00 in all five zones), then once more a minute later, when
no zone anyone lives in has reached 09:00: the cost of the scheduler's every-minute tick, which
reads only the zones whose 09:00 has just come and what changed since the last run.

Figures (`<size>` is `1m` at full size; target: the tick under 5 s on each database):
  reminders.tick_s.<size>: one run that writes a day's reminders, in seconds
  reminders.tick_written.<size>: how many reminders that run wrote
  reminders.idle_tick_s.<size>: the next minute's run, with nothing to write
Set BENCH_REMINDER_PLANS for a smaller run (e.g. 1000 plans, 10,000 milestones).
"""

import os
import random
import sys
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, func, make_url, select, text

from bench.figures import Figure
from diaspora import create_app
from diaspora.config import Config
from diaspora.extensions import db
from diaspora.milestones import jobs
from diaspora.notifications.models import Notification

PLANS = 100_000
MILESTONES_PER_PLAN = 10
COORDINATORS = 50
TODAY = date(2027, 6, 1)
SPREAD_DAYS = 3 * 365
ZONES = ["Europe/London", "Asia/Dhaka", "Africa/Lagos", "Asia/Manila", "Africa/Accra"]
SEED = 11

COLUMNS = {
    "users": "id, email, display_name, password_hash, time_zone, active, session_token, created_at",
    "organisations": "id, name, kind, country, description, verification, created_at",
    "memberships": "id, user_id, organisation_id, role, status, created_at",
    "plans": "id, owner_id, scheme, starts_on, expected_end_on, coordinator_id, lead_days,"
    " created_at, updated_at",
    "milestones": "id, plan_id, title, description, due_on, anchor, offset_days, scheduled_at,"
    " done_at, done_note, created_by_user, position, created_at",
}


def generate(plans: int, seed: int = SEED) -> dict[str, list[tuple]]:
    rng = random.Random(seed)
    created = datetime(2024, 1, 1, tzinfo=UTC)
    users, memberships = [], []
    for n in range(1, plans + COORDINATORS + 1):
        users.append(
            (n, f"bench{n}@example.org", f"Person {n}", "x", ZONES[n % len(ZONES)], True,
             f"token-{n}", created)
        )  # fmt: skip
    coordinator_ids = list(range(plans + 1, plans + COORDINATORS + 1))
    for i, user_id in enumerate(coordinator_ids, start=1):
        memberships.append((i, user_id, 1, "member", "active", created))
    organisations = [(1, "Bench charity", "charity", "GB", "", "verified", created)]
    plan_rows, milestone_rows = [], []
    first_due = TODAY - timedelta(days=SPREAD_DAYS // 2)
    milestone_id = 0
    for plan_id in range(1, plans + 1):
        starts = first_due + timedelta(days=rng.randrange(SPREAD_DAYS - 730))
        coordinator = rng.choice(coordinator_ids) if rng.random() < 0.5 else None
        lead_days = "14,3" if rng.random() < 0.05 else None
        plan_rows.append(
            (plan_id, plan_id, "Bench scheme", starts, starts + timedelta(days=730), coordinator,
             lead_days, created, created)
        )  # fmt: skip
        for position in range(MILESTONES_PER_PLAN):
            milestone_id += 1
            due = first_due + timedelta(days=rng.randrange(SPREAD_DAYS))
            done = created if due < TODAY and rng.random() < 0.9 else None
            milestone_rows.append(
                (milestone_id, plan_id, f"Milestone {position + 1}", "", due, "fixed", 0,
                 created, done, "", False, position, created)
            )  # fmt: skip
    return {
        "users": users,
        "organisations": organisations,
        "memberships": memberships,
        "plans": plan_rows,
        "milestones": milestone_rows,
    }


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def load(url: str, tables: dict[str, list[tuple]]) -> None:
    engine = create_engine(url)
    if make_url(url).get_backend_name() == "postgresql":
        with engine.begin() as connection:
            cursor = connection.connection.dbapi_connection.cursor()
            for table, rows in tables.items():
                with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                    {"n": max(row[0] for row in rows)},
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            raw.execute("PRAGMA synchronous = OFF")
            raw.execute("BEGIN")
            for table, rows in tables.items():
                placeholders = ", ".join("?" * (COLUMNS[table].count(",") + 1))
                raw.executemany(
                    f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({placeholders})",
                    ([_sqlite_value(value) for value in row] for row in rows),
                )
            raw.execute("COMMIT")
            raw.execute("ANALYZE")
    engine.dispose()


def _size(milestones: int) -> str:
    if milestones % 1_000_000 == 0:
        return f"{milestones // 1_000_000}m"
    if milestones % 1000 == 0:
        return f"{milestones // 1000}k"
    return str(milestones)


def run(database_url: str, plans: int | None = None) -> Iterable[Figure]:
    plans = plans or int(os.environ.get("BENCH_REMINDER_PLANS", PLANS))
    started = time.perf_counter()
    tables = generate(plans)
    generated = time.perf_counter()
    load(database_url, tables)
    print(
        f"reminders_tick: {plans} plans, {len(tables['milestones'])} milestones: generated in"
        f" {generated - started:.1f}s, loaded in {time.perf_counter() - generated:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    size = _size(len(tables["milestones"]))
    del tables
    noon = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        before = jobs.milestone_reminders(noon - timedelta(days=1))
        db.session.remove()
        started = time.perf_counter()
        written = jobs.milestone_reminders(noon)
        tick = time.perf_counter() - started
        db.session.remove()
        started = time.perf_counter()
        again = jobs.milestone_reminders(noon + timedelta(minutes=1))
        idle = time.perf_counter() - started
        rows = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.channel == "inbox")
        )
        db.session.remove()
        db.engine.dispose()
    print(
        f"reminders_tick: {before} reminders for the day before, {written} for the day,"
        f" {again} on the next tick; {rows} in the inbox",
        file=sys.stderr,
        flush=True,
    )
    if again or rows != before + written:
        raise RuntimeError("the reminder job wrote a reminder twice")
    return [
        Figure(f"reminders.tick_s.{size}", tick, "s"),
        Figure(f"reminders.tick_written.{size}", written, "reminders"),
        Figure(f"reminders.idle_tick_s.{size}", idle, "s"),
    ]
