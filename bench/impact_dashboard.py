"""The impact dashboard at 100,000 profiles, 200,000 engagements and 1,000,000 hours logs,
on PostgreSQL (on SQLite `run` returns no figures: the dashboard is an aggregate over the
whole platform, and PostgreSQL is what it runs on).

bench.registry_data loads the registry (its coordinator coordinates charity 1); this module
adds by COPY 50 partner institutions, 4,000 opportunities (half projects, 30% tele-teaching with
four sessions each, 20% return placements), 200,000 engagements, 1,000,000 hours logs over the
last 24 months (80% approved), four cohorts of charity 1 with 5,000 members each, 20,000
earn-learn-return plans and an administrator.

A load is the page's view function in a fresh request context, signed in (administrator for
the platform, the coordinator for the organisation and a cohort), with the default range (the
last 12 months): every query, the presenters, the charts and the template, i.e. the server's
time apart from the HTTP layer. 5 warm-up loads, then 50 measured loads per page.

Figures: dashboard.<page>_median_ms.postgresql and dashboard.<page>_p95_ms.postgresql for
page platform, organisation and cohort; dashboard.cold_first_load_ms.postgresql: the first load
in a process, which loads its copy of the work (impact/work.py);
dashboard.first_load_ms.postgresql: the first load in a process forked from one whose copies
are warm, as gunicorn's workers are forked from the master (gunicorn.conf.py);
dashboard.queries: the most SQL statements one load ran (the same for every load of a page,
whatever the data).

The migrations create the partial covering index the figures read (ix_hours_logs_approved);
the tables are vacuumed and analysed after loading, as a live database would be.
"""

import gc
import os
import random
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_login import login_user
from sqlalchemy import create_engine, event, make_url, text

from bench.figures import Figure
from bench.registry_data import load_registry
from diaspora import create_app
from diaspora.auth.models import User
from diaspora.changelog import mirror
from diaspora.config import Config
from diaspora.extensions import db
from diaspora.impact import views

SEED = 11
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
COUNTRIES = ["BD", "NG", "GH", "PK", "IN", "KE", "ZW", "PH", "LK", "SL", "UG", "EG"]


@dataclass(frozen=True)
class Size:
    profiles: int = 100_000
    engagements: int = 200_000
    hours: int = 1_000_000
    opportunities: int = 4_000
    cohorts: int = 4
    cohort_members: int = 5_000
    plans: int = 20_000
    loads: int = 50
    warm_up: int = 5


COLUMNS = {
    "organisations": "id, name, kind, country, description, verification, created_at",
    "user_roles": "id, user_id, role, granted_at",
    "opportunities": "id, organisation_id, kind, status, title, description, country, region,"
    " modality, recurrence, occurrences, support_travel, support_housing, support_stipend,"
    " created_at, updated_at",
    "teaching_sessions": "id, opportunity_id, number, starts_at, duration_minutes, capacity,"
    " booked, status, uid, sequence",
    "engagements": "id, opportunity_id, session_id, user_id, state, message, decision_message,"
    " end_reason, created_at, updated_at, started_at, ended_at, release_status, release_note",
    "hours_logs": "id, engagement_id, month, minutes, learners_reached, note, status,"
    " decline_reason, created_at",
    "cohorts": "id, organisation_id, name, description, created_at",
    "cohort_members": "id, cohort_id, user_id, joined_at",
    "plans": "id, owner_id, scheme, starts_on, expected_end_on, return_country, created_at,"
    " updated_at",
}


def _month(months_ago: int) -> date:
    year, month = NOW.year, NOW.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def generate(size: Size, admin_id: int) -> dict[str, list[tuple]]:
    """Rows per table; ids from 1 except organisations (charity 1 is the registry's)."""
    rng = random.Random(SEED)
    t: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
    partners = list(range(2, 52))
    for org in partners:
        t["organisations"].append(
            (
                org,
                f"Partner {org}",
                "partner_institution",
                rng.choice(COUNTRIES),
                "",
                "verified",
                NOW,
            )
        )
    t["user_roles"].append((admin_id, admin_id, "admin", NOW))

    kinds: dict[int, str] = {}
    sessions_of: dict[int, list[int]] = {}
    session_id = 0
    for opp in range(1, size.opportunities + 1):
        kind = rng.choices(["project", "teaching", "placement"], [5, 3, 2])[0]
        kinds[opp] = kind
        t["opportunities"].append(
            (
                opp,
                rng.choice(partners),
                kind,
                "open",
                f"Opportunity {opp}",
                "",
                rng.choice(COUNTRIES),
                "",
                "remote" if kind != "placement" else "on_site",
                "none",
                1,
                False,
                False,
                False,
                NOW,
                NOW,
            )
        )
        if kind == "teaching":
            sessions_of[opp] = []
            for number in range(1, 5):
                session_id += 1
                starts = NOW - timedelta(days=rng.randint(0, 730), hours=rng.randint(0, 23))
                status = "cancelled" if rng.random() < 0.1 else "scheduled"
                t["teaching_sessions"].append(
                    (
                        session_id,
                        opp,
                        number,
                        starts,
                        60,
                        500,
                        0,
                        status,
                        f"{secrets.token_hex(8)}@bench",
                        0,
                    )
                )
                sessions_of[opp].append(session_id)

    seen: set[tuple] = set()
    loggable: list[int] = []
    states = ["completed", "active", "accepted", "applied", "withdrawn", "declined"]
    weights = [40, 20, 10, 15, 8, 7]
    engagement_id = 0
    while engagement_id < size.engagements:
        opp = rng.randint(1, size.opportunities)
        user = rng.randint(1, size.profiles)
        session = rng.choice(sessions_of[opp]) if kinds[opp] == "teaching" else None
        key = (session, user) if session else (opp, user)
        if key in seen:
            continue
        seen.add(key)
        engagement_id += 1
        state = rng.choices(states, weights)[0]
        started = ended = None
        if state in ("completed", "active"):
            started = NOW - timedelta(days=rng.randint(30, 730))
            loggable.append(engagement_id)
        if state == "completed":
            ended = min(NOW, started + timedelta(days=rng.randint(1, 300)))
        t["engagements"].append(
            (
                engagement_id,
                opp,
                session,
                user,
                state,
                "",
                "",
                "",
                NOW,
                NOW,
                started,
                ended,
                "not_needed",
                "",
            )
        )

    statuses = ["approved", "pending", "declined"]
    for log in range(1, size.hours + 1):
        t["hours_logs"].append(
            (
                log,
                rng.choice(loggable),
                _month(rng.randint(0, 23)),
                rng.randint(30, 1200),
                rng.randint(0, 40),
                "",
                rng.choices(statuses, [80, 12, 8])[0],
                "",
                NOW,
            )
        )

    member_id = 0
    for cohort in range(1, size.cohorts + 1):
        t["cohorts"].append((cohort, 1, f"Cohort {cohort}", "", NOW))
        for user in rng.sample(range(1, size.profiles + 1), size.cohort_members):
            member_id += 1
            t["cohort_members"].append((member_id, cohort, user, NOW))

    today = NOW.date()
    for plan, owner in enumerate(rng.sample(range(1, size.profiles + 1), size.plans), start=1):
        end = today + timedelta(days=rng.randint(-60, 540))
        t["plans"].append(
            (plan, owner, "MTI", end - timedelta(days=720), end, rng.choice(COUNTRIES), NOW, NOW)
        )
    return t


def _copy(url: str, tables: dict[str, list[tuple]]) -> None:
    engine = create_engine(url)
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
    engine.dispose()


def _admin(url: str, admin_id: int) -> None:
    """An administrator account to load the platform's page as."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, display_name, password_hash, time_zone, active,"
                " email_verified_at, session_token, created_at) VALUES (:id, :email, 'Bench"
                " Admin', 'x', 'Europe/London', true, :now, :token, :now)"
            ),
            {"id": admin_id, "email": "admin@bench.example", "now": NOW, "token": "t" * 32},
        )
    engine.dispose()


def run(database_url: str, size: Size | None = None) -> list[Figure]:
    if make_url(database_url).get_backend_name() != "postgresql":
        return []
    size = size or Size()
    coordinator_id, admin_id = load_world(database_url, size)
    return measure(database_url, size, coordinator_id, admin_id)


def load_world(database_url: str, size: Size) -> tuple[int, int]:
    """Fill the migrated database; return the coordinator's and the administrator's ids."""
    coordinator_id = load_registry(database_url, size.profiles)
    admin_id = coordinator_id + 1
    _admin(database_url, admin_id)
    started = time.perf_counter()
    tables = generate(size, admin_id)
    generated = time.perf_counter()
    _copy(database_url, tables)
    print(
        f"impact_dashboard: {sum(len(rows) for rows in tables.values())} rows generated in"
        f" {generated - started:.1f}s, loaded in {time.perf_counter() - generated:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    return coordinator_id, admin_id


def measure(database_url: str, size: Size, coordinator_id: int, admin_id: int) -> list[Figure]:
    """Time the three dashboards on a loaded database."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, SERVER_NAME="bench.example")
    pages = [
        ("platform", admin_id, "/impact/", lambda: views.platform()),
        (
            "organisation",
            coordinator_id,
            "/impact/organisations/1",
            lambda: views.organisation(1),
        ),
        ("cohort", coordinator_id, "/impact/cohorts/1", lambda: views.cohort(1)),
    ]
    figures: list[Figure] = []
    most_statements = 0
    with app.app_context():
        counted: list[str] = []

        def _count(_conn, _cursor, statement, *_args):
            counted.append(statement)

        for name, user_id, path, view in pages:
            timings = []
            for n in range(size.warm_up + size.loads):
                counted.clear()
                seconds = _load(app, user_id, path, view, listen=n == size.warm_up, hook=_count)
                if n == size.warm_up:
                    most_statements = max(most_statements, len(counted))
                if n >= size.warm_up:
                    timings.append(seconds * 1000)
                elif n == 0 and not figures:
                    forked = _first_load_in_a_forked_worker(app, user_id, path, view)
                    figures += [
                        Figure(
                            "dashboard.cold_first_load_ms.postgresql",
                            seconds * 1000,
                            "ms",
                            suffixed=False,
                        ),
                        Figure(
                            "dashboard.first_load_ms.postgresql",
                            forked * 1000,
                            "ms",
                            suffixed=False,
                        ),
                    ]
            median, p95 = statistics.median(timings), _p95(timings)
            print(
                f"impact_dashboard: {name} median {median:.1f} ms, p95 {p95:.1f} ms",
                file=sys.stderr,
                flush=True,
            )
            figures += [
                Figure(f"dashboard.{name}_median_ms.postgresql", median, "ms", suffixed=False),
                Figure(f"dashboard.{name}_p95_ms.postgresql", p95, "ms", suffixed=False),
            ]
        db.engine.dispose()
    figures.append(Figure("dashboard.queries", most_statements, "queries", suffixed=False))
    return figures


def _load(app, user_id: int, path: str, view, *, listen: bool, hook) -> float:
    """One page load in a fresh request context and session; seconds."""
    with app.test_request_context(path):
        user = db.session.get(User, user_id)
        login_user(user)
        if listen:
            event.listen(db.engine, "before_cursor_execute", hook)
        started = time.perf_counter()
        try:
            body, status = view()
        finally:
            seconds = time.perf_counter() - started
            if listen:
                event.remove(db.engine, "before_cursor_execute", hook)
        if status != 200 or "Summary" not in body:
            raise RuntimeError(f"{path} answered {status}")
        db.session.remove()
    return seconds


def _first_load_in_a_forked_worker(app, user_id: int, path: str, view) -> float:
    """The first load in a process forked from this one once its copies are warm, as gunicorn
    forks its workers from a preloaded master (gunicorn.conf.py); seconds."""
    mirror.before_fork(app)
    gc.unfreeze()  # this process goes on measuring as before
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the worker: one load, its time to the pipe, and out
        status = 1
        try:
            os.write(write, repr(_load(app, user_id, path, view, listen=False, hook=None)).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    _, status = os.waitpid(child, 0)
    answer = os.read(read, 64)
    os.close(read)
    if status != 0:
        raise RuntimeError(f"the forked worker failed to load {path}")
    return float(answer)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]
