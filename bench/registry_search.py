"""Directory search at 100,000 and 1,000,000 staff profiles, on SQLite and on PostgreSQL.

bench.registry_data loads a realistic registry; then 200 representative searches (free text,
language and country, profession and grade, skill and level, availability, combinations; mostly
page 1, best match or most recent) run in-process through directory.services.search, the
function the search page calls, as a coordinator of a verified charity, each in a fresh session
as a request would be. A search's time is the service call and the presenters that turn its
results into cards: what the server does for the page apart from rendering the template.

Figures (they name their database, so they are not suffixed; see the bench package):
  registry.search_median_ms.<database>.<size>, registry.search_p95_ms.<database>.<size>
for <size> 100k on both databases and 1m on PostgreSQL (targets: 1m under 100 ms, 100k under
50 ms). BENCH_REGISTRY_PROFILES ("100000,1000000", "2000") chooses the sizes on both; each size
after the first is loaded into a fresh database of the same kind.
  registry.search_queries: the most SQL statements one search ran (from the SQLite run; the
  PostgreSQL run reports its own on stderr). It must not grow with the number of results.
On stderr: per-kind medians, and the plans of the slowest search's statements (EXPLAIN ANALYZE
on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).

Loading a million profiles takes minutes. To measure again without reloading (while changing
the search), `python -m bench.registry_search 1000000` searches the registry already in
BENCH_DATABASE_URL: it loads one only when that database does not hold one of that size, and
migrates it to head first, so a new index is built on the loaded data.
"""

import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.orm import Session

from bench.database import fresh_database, migrate_to_head
from bench.figures import Figure
from bench.registry_data import CITIES, ORIGINS, SPECIALTIES, TODAY, load_registry
from diaspora import create_app
from diaspora.auth.models import User
from diaspora.config import Config
from diaspora.directory import presenters, services
from diaspora.directory.services import Access, Filters
from diaspora.extensions import db
from diaspora.reference.catalogue import skills

# Sizes per database: a million is the continental registry's size, a PostgreSQL target.
PROFILES = {"sqlite": (100_000,), "postgresql": (100_000, 1_000_000)}
SEARCHES = 200
WARM_UP = 10
SEED = 7

KINDS = [
    ("text", 20),
    ("language_country", 20),
    ("profession_grade", 15),
    ("skill_level", 15),
    ("country_kind_verified", 10),
    ("availability", 10),
    ("combined", 10),
]
PROFESSION_GRADES = [
    ("doctor", "consultant"),
    ("doctor", "specialty_registrar"),
    ("adult_nurse", "afc_6"),
    ("adult_nurse", "afc_7"),
    ("midwife", "afc_6"),
    ("physiotherapist", "afc_7"),
    ("pharmacist", "afc_8a"),
    ("mental_health_nurse", "afc_5"),
    ("radiographer", None),
    ("paramedic", None),
]


def representative_searches(count: int, seed: int = SEED) -> list[tuple[str, Filters, int]]:
    """(kind, filters, page) for `count` searches a coordinator would plausibly make."""
    rng = random.Random(seed)
    kinds, weights = zip(*KINDS, strict=True)
    skill_codes = list(skills())
    skill_words = sorted({w for row in skills().values() for w in row["name"].lower().split()})
    skill_words = [w for w in skill_words if len(w) > 4]
    specialty_words = [w.lower() for names in SPECIALTIES.values() for w in names if " " not in w]
    origins = [code for code in ORIGINS if ORIGINS[code][1]]

    def words() -> str:
        family = rng.choice(ORIGINS[rng.choice(origins)][3].split()).lower()
        return rng.choice(
            [
                family,
                rng.choice(skill_words),
                rng.choice(specialty_words),
                rng.choice(list(CITIES.values())).lower(),
                f"{rng.choice(skill_words)} {rng.choice(skill_words)}",
                f"{family} {rng.choice(specialty_words)}",
                family[:4],  # the start of a name
            ]
        )

    searches = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        sort = "recent" if rng.random() < 0.25 else "relevance"
        page = rng.choices([1, 2, 3, 5], [80, 12, 5, 3])[0]
        origin = rng.choice(origins)
        language = ORIGINS[origin][1][0][0]
        if kind == "text":
            filters = Filters(text=words(), sort=sort)
        elif kind == "language_country":
            filters = Filters(
                country=origin, language=language, min_proficiency=rng.randint(1, 3), sort=sort
            )
        elif kind == "profession_grade":
            profession, grade = rng.choice(PROFESSION_GRADES)
            filters = Filters(profession=profession, grade=grade, sort=sort)
        elif kind == "skill_level":
            filters = Filters(
                skill=rng.choice(skill_codes),
                min_level=rng.randint(1, 4),
                modality="remote" if rng.random() < 0.5 else None,
                sort=sort,
            )
        elif kind == "country_kind_verified":
            filters = Filters(
                country=origin,
                tie_kind=rng.choice(["born", "trained", "heritage"]),
                verified_only=True,
                sort=sort,
            )
        elif kind == "availability":
            start = TODAY + timedelta(days=rng.randint(0, 365))
            filters = Filters(
                modality="on_site",
                min_hours=rng.choice([4, 8, 12]),
                available_from=start,
                available_to=start + timedelta(days=rng.choice([14, 30, 60])),
                sort=sort,
            )
        else:
            profession, _ = rng.choice(PROFESSION_GRADES)
            filters = Filters(text=words(), language=language, profession=profession, sort=sort)
        searches.append((kind, filters, page))
    return searches


def run(database_url: str, profiles: Sequence[int] | None = None) -> list[Figure]:
    backend = make_url(database_url).get_backend_name()
    profiles = profiles or _sizes(backend)
    figures = measure(database_url, profiles[0], load_registry(database_url, profiles[0]))
    for size in profiles[1:]:
        with fresh_database(database_url if backend == "postgresql" else None) as url:
            figures += measure(url, size, load_registry(url, size))
    return figures


def _sizes(backend: str) -> tuple[int, ...]:
    chosen = os.environ.get("BENCH_REGISTRY_PROFILES")
    if chosen:
        return tuple(int(size) for size in chosen.split(","))
    return PROFILES[backend]


def size_name(profiles: int) -> str:
    """100k, 1m: the size as figure names give it."""
    if profiles % 1_000_000 == 0:
        return f"{profiles // 1_000_000}m"
    return f"{profiles // 1000}k" if profiles % 1000 == 0 else str(profiles)


def measure(database_url: str, profiles: int, coordinator_id: int) -> list[Figure]:
    """Search the registry loaded at database_url as its coordinator; the figures."""
    backend = make_url(database_url).get_backend_name()
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        access = services.access_for(db.session, db.session.get(User, coordinator_id))
        db.session.remove()
        if not access.can_export:
            raise RuntimeError("the benchmark's viewer is not a coordinator")
        searches = representative_searches(SEARCHES)
        for _, filters, page in searches[:WARM_UP]:
            _search(access, filters, page)
        timings, statements, totals = [], [], []
        counted: list[str] = []

        def _count(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite's, sent as SQL
                counted.append(statement)

        event.listen(db.engine, "before_cursor_execute", _count)
        try:
            for _, filters, page in searches:
                counted.clear()
                seconds, total = _search(access, filters, page)
                timings.append(seconds * 1000)
                statements.append(len(counted))
                totals.append(total)
        finally:
            event.remove(db.engine, "before_cursor_execute", _count)
        _report(backend, profiles, searches, timings, statements, totals)
        slowest = max(range(len(timings)), key=timings.__getitem__)
        _explain(db.session, access, *searches[slowest][1:], timings[slowest])
        db.session.remove()
        db.engine.dispose()

    size = size_name(profiles)
    figures = [
        Figure(f"registry.search_p95_ms.{backend}.{size}", _p95(timings), "ms", suffixed=False),
        Figure(
            f"registry.search_median_ms.{backend}.{size}",
            statistics.median(timings),
            "ms",
            suffixed=False,
        ),
    ]
    if backend == "sqlite":  # one figure for both databases: the queries do not depend on it
        figures.append(Figure("registry.search_queries", max(statements), "queries"))
    return figures


def _search(access: Access, filters: Filters, page: int) -> tuple[float, int]:
    """One search as the page makes it, in a fresh session: (seconds, results found)."""
    started = time.perf_counter()
    results = services.search(db.session, access, filters, page=page)
    [presenters.card(result, TODAY) for result in results.items]
    seconds = time.perf_counter() - started
    db.session.remove()
    return seconds, results.total


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _report(backend, profiles, searches, timings, statements, totals) -> None:
    by_kind = defaultdict(list)
    for (kind, _, _), ms, total in zip(searches, timings, totals, strict=True):
        by_kind[kind].append((ms, total))
    print(
        f"registry_search on {backend} at {size_name(profiles)}: {len(timings)} searches",
        file=sys.stderr,
    )
    for kind, rows in sorted(by_kind.items()):
        print(
            f"  {kind:<22} n={len(rows):<3} median {statistics.median(r[0] for r in rows):7.1f} ms"
            f"  max {max(r[0] for r in rows):7.1f} ms"
            f"  median results {statistics.median(r[1] for r in rows):>7.0f}",
            file=sys.stderr,
        )
    spread = ", ".join(f"{n} queries: {times}x" for n, times in sorted(Counter(statements).items()))
    print(
        f"  queries per search: {spread} (7: results found, page, 4 collections, badges; 6: ranked"
        f" text, the page query gives the count; fewer: nothing found; 8: past the end of ranked"
        f" text)",
        file=sys.stderr,
        flush=True,
    )


def _explain(session: Session, access: Access, filters: Filters, page: int, ms: float) -> None:
    """The plans of the slowest search's first two statements as the search runs them, on
    stderr: the one that finds the results and the page's (the others load what a result
    shows, by id)."""
    dialect = session.get_bind().dialect
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) " if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    )
    print(f"Slowest search ({ms:.1f} ms): {filters}, page {page}", file=sys.stderr)
    executed: list[tuple[str, object]] = []

    def _record(_conn, _cursor, statement, parameters, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            executed.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", _record)
    try:
        services.search(session, access, filters, page=page)
    finally:
        event.remove(db.engine, "before_cursor_execute", _record)
    for number, (statement, parameters) in enumerate(executed[:2], start=1):
        plan = session.connection().exec_driver_sql(prefix + statement, parameters).all()
        print(f"-- statement {number}: {statement.split()[1][:40]}...", file=sys.stderr)
        for row in plan:
            print("   " + " | ".join(str(value) for value in row), file=sys.stderr)
    sys.stderr.flush()


def _loaded(database_url: str, profiles: int) -> int:
    """The coordinator of the registry of that size already at database_url, or a new one.

    The database is migrated to head first; one holding another registry (or none) is emptied
    and loaded afresh."""
    migrate_to_head(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        held = connection.scalar(text("SELECT count(*) FROM staff_profiles"))
        coordinator = connection.scalar(
            text("SELECT id FROM users WHERE email = 'coordinator@bench.example'")
        )
    engine.dispose()
    if held == profiles and coordinator == profiles + 1:
        print(f"registry_search: {profiles} profiles already loaded", file=sys.stderr)
        return coordinator
    with fresh_database(database_url) as url:
        return load_registry(url, profiles)


if __name__ == "__main__":
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or make_url(url).get_backend_name() != "postgresql":
        sys.exit("BENCH_DATABASE_URL must name a PostgreSQL database (its data is replaced)")
    size = int(sys.argv[1]) if len(sys.argv) > 1 else PROFILES["postgresql"][-1]
    for figure in measure(url, size, _loaded(url, size)):
        print(figure.line(), flush=True)
