"""The matching engine at 100,000 and 10,000 staff profiles with 10,000 open opportunities.

bench.registry_data loads the registry; then 10,000 open opportunities are added from 20
partner organisations: countries weighted like the registry's country ties, one or two wanted
professions weighted like the registry (one in ten lists none), 0 to 3 wanted skills (often
those of the professions wanted), 0 to 2 wanted languages of the country, projects, tele-teaching
series of 1 to 8 weekly sessions (some booked to capacity) and return placements. Then, each in
a fresh session as a request would be, in-process:
- the 50 best candidates for an opportunity (`engine.candidates`, seen by a coordinator of a
  verified charity), a different opportunity each run;
- the 20 best recommendations for a staff member (`engine.recommendations`), a different
  completed profile each run.
Each is timed from loading the opportunity or the person by id to the ranked list with its
reasons in words.

Figures (they name their database, so they are not suffixed; see the bench package):
  matching.candidates_p95_ms.<database>.<size>, matching.candidates_median_ms.<database>.<size>,
  matching.recommendations_p95_ms.<database>.<size>,
  matching.recommendations_median_ms.<database>.<size>
for <size> 1m and 100k profiles on PostgreSQL, 100k and 10k on SQLite. The second size is loaded
into a fresh database of the same kind. BENCH_MATCHING_PROFILES (e.g. "2000"),
BENCH_MATCHING_OPPORTUNITIES and BENCH_MATCHING_RUNS make a quicker run; the figures then name
that size.
On stderr: median pool sizes and statements per call.
"""

import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, make_url, select

from bench.database import fresh_database
from bench.figures import Figure
from bench.registry_data import (
    ORIGINS,
    OTHER_TIE_COUNTRIES,
    PROFESSIONS,
    SKILL_BOOSTS,
    SPECIALTY_GROUP,
    TODAY,
    load_registry,
)
from diaspora import create_app
from diaspora.auth.models import User
from diaspora.config import Config
from diaspora.extensions import db
from diaspora.matching import engine, scoring
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
    TeachingSession,
)
from diaspora.organisations.models import Organisation
from diaspora.reference.catalogue import skills
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile

# The registry's sizes: a million on PostgreSQL, the production database; a tenth on SQLite.
PROFILES = {"postgresql": (1_000_000, 100_000), "sqlite": (100_000, 10_000)}
OPPORTUNITIES = 10_000
RUNS = 200
WARM_UP = 10
SEED = 23
PARTNERS = 20
KINDS = [("project", 45), ("teaching", 35), ("placement", 20)]
MODALITIES = {
    "project": [("remote", 5), ("hybrid", 3), ("on_site", 2)],
    "teaching": [("remote", 1)],
    "placement": [("on_site", 1)],
}


def _pick(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def generate_opportunities(count: int, seed: int = SEED) -> dict[str, list[dict]]:
    """Rows for each table, as dictionaries for an executemany insert."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    skill_codes = list(skills())
    # Countries as the registry's ties fall: origins by weight, a few worked-in countries.
    countries = [(code, weight) for code, (weight, *_rest) in ORIGINS.items()]
    countries += [(code, 0.5) for code in OTHER_TIE_COUNTRIES if code != "GB"]
    languages_of = {code: [lang for lang, _ in value[1]] for code, value in ORIGINS.items()}
    tables: dict[str, list[dict]] = {
        "organisations": [],
        "opportunities": [],
        "professions": [],
        "skills": [],
        "languages": [],
        "sessions": [],
    }
    for n in range(2, PARTNERS + 2):  # organisation 1 is the registry's charity
        tables["organisations"].append(
            {
                "id": n,
                "name": f"Partner hospital {n}",
                "kind": "partner_institution",
                "country": _pick(rng, countries),
                "description": "",
                "verification": "verified",
                "created_at": now,
            }
        )
    session_id = 0
    for n in range(1, count + 1):
        kind = _pick(rng, KINDS)
        country = _pick(rng, countries)
        starts_on = TODAY + timedelta(days=rng.randint(1, 540))
        row = {
            "id": n,
            "organisation_id": rng.randint(2, PARTNERS + 1),
            "kind": kind,
            "status": "open",
            "title": f"{kind.capitalize()} {n}",
            "description": "Help wanted.",
            "country": country,
            "region": "",
            "modality": _pick(rng, MODALITIES[kind]),
            "starts_on": starts_on,
            "ends_on": starts_on + timedelta(days=rng.choice([30, 90, 180, 365])),
            "hours_per_month": rng.choice([None, 4, 8, 12, 20]) if kind == "project" else None,
            "places": rng.randint(1, 6) if kind != "teaching" else None,
            "recurrence": "none",
            "occurrences": 1,
            "published_at": now,
            "host_time_zone": None,
            "duration_minutes": None,
            "capacity": None,
            "join_link": None,
            "host_institution": None,
            "duration_months": None,
        }
        if kind == "placement":
            row |= {"host_institution": f"Partner hospital {n}", "duration_months": 6}
        if kind == "teaching":
            sessions = rng.choice([1, 1, 4, 6, 8])
            first = datetime.combine(starts_on, datetime.min.time(), UTC) + timedelta(hours=9)
            full = rng.random() < 0.1
            row |= {
                "host_time_zone": "UTC",
                "duration_minutes": 60,
                "capacity": 20,
                "join_link": f"https://meet.example.org/{n}",
                "recurrence": "weekly" if sessions > 1 else "none",
                "occurrences": sessions,
                "ends_on": starts_on + timedelta(weeks=sessions - 1),
            }
            for number in range(1, sessions + 1):
                session_id += 1
                tables["sessions"].append(
                    {
                        "id": session_id,
                        "opportunity_id": n,
                        "number": number,
                        "starts_at": first + timedelta(weeks=number - 1),
                        "duration_minutes": 60,
                        "capacity": 20,
                        "booked": 20 if full else rng.randint(0, 20),
                        "status": "scheduled",
                        "uid": f"bench-matching-{session_id}@diaspora",
                        "sequence": 0,
                    }
                )
        tables["opportunities"].append(row)
        wanted = set()
        if rng.random() >= 0.1:
            wanted = {_pick(rng, PROFESSIONS) for _ in range(rng.choice([1, 1, 2]))}
        for profession in sorted(wanted):
            tables["professions"].append({"opportunity_id": n, "profession": profession})
        group = SPECIALTY_GROUP.get(next(iter(sorted(wanted)), ""), "other")
        picked: dict[str, None] = {}
        for _ in range(rng.choice([0, 1, 2, 2, 3])):
            boosted = rng.random() < 0.5
            picked[rng.choice(SKILL_BOOSTS[group]) if boosted else rng.choice(skill_codes)] = None
        for code in picked:
            tables["skills"].append(
                {"opportunity_id": n, "code": code, "min_level": rng.randint(1, 4)}
            )
        spoken = languages_of.get(country, [])
        for code in rng.sample(spoken, rng.randint(0, min(2, len(spoken)))):
            tables["languages"].append(
                {"opportunity_id": n, "language": code, "min_proficiency": rng.randint(1, 3)}
            )
    return tables


TABLES = {
    "organisations": Organisation.__table__,
    "opportunities": Opportunity.__table__,
    "professions": OpportunityProfession.__table__,
    "skills": OpportunitySkill.__table__,
    "languages": OpportunityLanguage.__table__,
    "sessions": TeachingSession.__table__,
}


def load_opportunities(count: int) -> None:
    """Add the opportunities to the app's database (inside an app context)."""
    started = time.perf_counter()
    tables = generate_opportunities(count)
    with db.engine.begin() as connection:
        for name, rows in tables.items():
            if rows:
                connection.execute(TABLES[name].insert(), rows)
        if connection.dialect.name == "postgresql":
            for table in ("organisations", "opportunities", "teaching_sessions"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE"
            )
        else:
            connection.exec_driver_sql("ANALYZE")
    print(
        f"matching: {count} opportunities loaded in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
        flush=True,
    )


def _size_name(profiles: int) -> str:
    if profiles % 1_000_000 == 0:
        return f"{profiles // 1_000_000}m"
    return f"{profiles // 1000}k" if profiles % 1000 == 0 else str(profiles)


def _sizes(backend: str) -> tuple[tuple[int, ...], int, int]:
    profiles = os.environ.get("BENCH_MATCHING_PROFILES")
    return (
        tuple(int(size) for size in profiles.split(",")) if profiles else PROFILES[backend],
        int(os.environ.get("BENCH_MATCHING_OPPORTUNITIES", OPPORTUNITIES)),
        int(os.environ.get("BENCH_MATCHING_RUNS", RUNS)),
    )


def run(
    database_url: str,
    profiles: Sequence[int] | None = None,
    opportunities: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    backend = make_url(database_url).get_backend_name()
    default_profiles, default_opportunities, default_runs = _sizes(backend)
    profiles = profiles or default_profiles
    opportunities = opportunities or default_opportunities
    runs = runs or default_runs
    figures = _measure(database_url, backend, profiles[0], opportunities, runs)
    for size in profiles[1:]:
        with fresh_database(database_url if backend == "postgresql" else None) as url:
            figures += _measure(url, backend, size, opportunities, runs)
    return figures


def _measure(url: str, backend: str, profiles: int, opportunities: int, runs: int) -> list[Figure]:
    coordinator_id = load_registry(url, profiles)
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        load_opportunities(opportunities)
    return measure_loaded(url, backend, profiles, opportunities, runs, coordinator_id)


def measure_loaded(
    url: str, backend: str, profiles: int, opportunities: int, runs: int, coordinator_id: int
) -> list[Figure]:
    """Time the calls on a database the registry and the opportunities are loaded in."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        audience = frozenset(
            privacy.listable_audiences(db.session, db.session.get(User, coordinator_id))
        )
        people = list(
            db.session.scalars(
                select(StaffProfile.user_id)
                .where(StaffProfile.completed_at.is_not(None))
                .order_by(StaffProfile.id)
            )
        )
        db.session.remove()
        if not audience:
            raise RuntimeError("the benchmark's viewer sees no profiles")
        rng = random.Random(SEED)
        opportunity_ids = [rng.randint(1, opportunities) for _ in range(runs + WARM_UP)]
        user_ids = [rng.choice(people) for _ in range(runs + WARM_UP)]
        statements: list[str] = []

        def _count(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith("BEGIN"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _count)
        try:
            suggested = _timed(
                [lambda oid=oid: _candidates(oid, audience) for oid in opportunity_ids],
                statements,
            )
            recommended = _timed(
                [lambda uid=uid: _recommendations(uid) for uid in user_ids], statements
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", _count)
        db.engine.dispose()

    size = _size_name(profiles)
    figures = []
    for name, (timings, counts, found) in (
        ("candidates", suggested),
        ("recommendations", recommended),
    ):
        print(
            f"matching on {backend} at {size} profiles: {name}:"
            f" median {statistics.median(timings):.1f} ms, p95 {_p95(timings):.1f} ms,"
            f" max {max(timings):.1f} ms; statements per call"
            f" {min(counts)}-{max(counts)}; median results {statistics.median(found):.0f}",
            file=sys.stderr,
            flush=True,
        )
        figures += [
            Figure(f"matching.{name}_p95_ms.{backend}.{size}", _p95(timings), "ms", suffixed=False),
            Figure(
                f"matching.{name}_median_ms.{backend}.{size}",
                statistics.median(timings),
                "ms",
                suffixed=False,
            ),
        ]
    return figures


def _candidates(opportunity_id: int, audience: frozenset[str]) -> int:
    opportunity = db.session.get(Opportunity, opportunity_id)
    results = engine.candidates(db.session, opportunity, audience=audience, today=TODAY)
    _words([result.match for result in results])
    return len(results)


def _recommendations(user_id: int) -> int:
    user = db.session.get(User, user_id)
    results = engine.recommendations(db.session, user, today=TODAY)
    _words([result.match for result in results])
    return len(results)


def _words(matches: list[scoring.Match]) -> None:
    labels = engine.labels()
    for match in matches:
        match.reason_texts(labels)
        match.gap_texts(labels)


def _timed(calls, statements: list[str]) -> tuple[list[float], list[int], list[int]]:
    """Run each call in a fresh session; (ms, statements, results) for all but the warm-up
    (whose first call loads the process's copy of the registry or of the open opportunities:
    its time goes to stderr)."""
    timings, counts, found = [], [], []
    for index, call in enumerate(calls):
        statements.clear()
        started = time.perf_counter()
        results = call()
        ms = (time.perf_counter() - started) * 1000
        db.session.remove()
        if index == 0:
            print(f"matching: first call {ms:.0f} ms", file=sys.stderr, flush=True)
        if index >= WARM_UP:
            timings.append(ms)
            counts.append(len(statements))
            found.append(results)
    return timings, counts, found


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    """`python -m bench.matching`: on BENCH_DATABASE_URL (PostgreSQL) when set, else SQLite."""
    with fresh_database(os.environ.get("BENCH_DATABASE_URL")) as database_url:
        for figure in run(database_url):
            print(figure.line(), flush=True)


if __name__ == "__main__":
    main()
