"""The opportunities listing at 10,000 open opportunities, on SQLite and on PostgreSQL.

The database gets 10,000 open opportunities from 60 partner organisations (mixed kinds,
countries weighted towards the WHO safeguards list countries NHS staff come from, professions,
skills and languages wanted, tele-teaching series of 1 to 8 sessions), written with one
executemany per table; then a signed-in staff member's browser asks for the listing page 200
times, in-process through the Flask test client, with a mix of filters (none, kind, country,
modality, profession, skill, language, date range, and combinations; mostly page 1). A
request's time is the whole page: the queries, the presenters and the template.

Figures (they name their database, so they are not suffixed; see the bench package):
  opportunities.listing_median_ms.<database>.10k, opportunities.listing_p95_ms.<database>.10k
  opportunities.listing_queries.10k: the most SQL statements one page ran (from the SQLite run;
  the PostgreSQL run reports its own on stderr). It must not grow with the number of rows.
`run(url, size=...)` loads fewer opportunities (the figures then say so: `.500` for 500).
"""

import random
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import event, make_url, select

from bench.figures import Figure
from diaspora import create_app
from diaspora.auth.models import User, UserRole
from diaspora.auth.services import hash_password
from diaspora.config import Config
from diaspora.extensions import db
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
    TeachingSession,
)
from diaspora.organisations.models import Organisation
from diaspora.reference.catalogue import skills

SIZE = 10_000
REQUESTS = 200
WARM_UP = 10
SEED = 11
ORGANISATIONS = 60
EMAIL = "viewer@bench.example"
PASSWORD = "bench-password-not-secret"  # noqa: S105

# (country, weight, languages wanted there, IANA zone of a host there)
COUNTRIES = [
    ("BD", 14, ["ben", "syl"], "Asia/Dhaka"),
    ("NG", 14, ["yor", "ibo", "hau", "pcm"], "Africa/Lagos"),
    ("GH", 10, ["twi", "ewe"], "Africa/Accra"),
    ("PK", 10, ["urd", "pan"], "Asia/Karachi"),
    ("IN", 8, ["hin", "mal", "tam"], "Asia/Kolkata"),
    ("ZW", 6, ["sna", "nde"], "Africa/Harare"),
    ("KE", 6, ["swa"], "Africa/Nairobi"),
    ("PH", 5, ["tgl", "ceb"], "Asia/Manila"),
    ("SL", 4, ["kri"], "Africa/Freetown"),
    ("UG", 4, ["lug", "swa"], "Africa/Kampala"),
    ("MW", 3, ["nya"], "Africa/Blantyre"),
    ("ET", 3, ["amh"], "Africa/Addis_Ababa"),
    ("NP", 3, ["nep"], "Asia/Kathmandu"),
    ("SO", 2, ["som"], "Africa/Mogadishu"),
    ("LK", 2, ["sin", "tam"], "Asia/Colombo"),
]
PROFESSIONS = [
    ("doctor", 25),
    ("adult_nurse", 20),
    ("midwife", 10),
    ("childrens_nurse", 6),
    ("mental_health_nurse", 4),
    ("pharmacist", 5),
    ("physiotherapist", 4),
    ("paramedic", 3),
    ("radiographer", 3),
    ("biomedical_scientist", 3),
    ("occupational_therapist", 2),
    ("dentist", 2),
    ("manager", 2),
    ("educator", 3),
]
KINDS = [("project", 45), ("teaching", 35), ("placement", 20)]
MODALITIES = {
    "project": [("remote", 5), ("hybrid", 3), ("on_site", 2)],
    "teaching": [("remote", 1)],
    "placement": [("on_site", 1)],
}
SUBJECTS = [
    "neonatal resuscitation",
    "sepsis recognition",
    "emergency triage",
    "safe surgery checklists",
    "antimicrobial stewardship",
    "diabetes care",
    "mental health first aid",
    "infection prevention",
    "maternal health",
    "clinical audit",
]


def _pick(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def generate(size: int, today: date, seed: int = SEED) -> dict[str, list[dict]]:
    """Rows for each table, as dictionaries for an executemany insert."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    skill_codes = list(skills())
    country_rows = [(c, w) for c, w, _, _ in COUNTRIES]
    by_country = {c: (languages, zone) for c, _, languages, zone in COUNTRIES}
    tables: dict[str, list[dict]] = {
        "organisations": [],
        "opportunities": [],
        "professions": [],
        "skills": [],
        "languages": [],
        "sessions": [],
    }
    for n in range(1, ORGANISATIONS + 1):
        country = _pick(rng, country_rows)
        tables["organisations"].append(
            {
                "id": n,
                "name": f"Partner hospital {n}",
                "kind": "partner_institution",
                "country": country,
                "description": "",
                "verification": "verified",
                "created_at": now,
            }
        )
    session_id = 0
    for n in range(1, size + 1):
        kind = _pick(rng, KINDS)
        country = _pick(rng, country_rows)
        languages, zone = by_country[country]
        starts_on = today + timedelta(days=rng.randint(1, 720))
        row = {
            "id": n,
            "organisation_id": rng.randint(1, ORGANISATIONS),
            "kind": kind,
            "status": "open",
            "title": f"{rng.choice(SUBJECTS).capitalize()} {kind} {n}",
            "description": "Help wanted.",
            "country": country,
            "region": "",
            "modality": _pick(rng, MODALITIES[kind]),
            "starts_on": starts_on,
            "ends_on": starts_on + timedelta(days=rng.choice([30, 90, 180, 365])),
            "hours_per_month": rng.choice([4, 8, 12, 20]) if kind == "project" else None,
            "places": rng.randint(1, 6) if kind != "teaching" else None,
            "recurrence": "none",
            "occurrences": 1,
            "published_at": now,
            "host_time_zone": None,
            "duration_minutes": None,
            "capacity": None,
            "join_link": None,
            "audience": None,
            "learners_expected": None,
            "host_institution": None,
            "duration_months": None,
            "support_travel": False,
            "support_housing": False,
            "support_stipend": False,
            "service_commitment": None,
        }
        if kind == "placement":
            row |= {
                "host_institution": f"Partner hospital {row['organisation_id']}",
                "duration_months": rng.choice([3, 6, 12]),
                "support_travel": True,
            }
        if kind == "teaching":
            count = rng.choice([1, 1, 4, 6, 8])
            first = datetime.combine(starts_on, datetime.min.time(), UTC) + timedelta(
                hours=rng.choice([6, 8, 9, 11, 13])
            )
            row |= {
                "host_time_zone": zone,
                "duration_minutes": 60,
                "capacity": 20,
                "join_link": f"https://meet.example.org/{n}",
                "recurrence": "weekly" if count > 1 else "none",
                "occurrences": count,
                "ends_on": starts_on + timedelta(weeks=count - 1),
            }
            for number in range(1, count + 1):
                session_id += 1
                tables["sessions"].append(
                    {
                        "id": session_id,
                        "opportunity_id": n,
                        "number": number,
                        "starts_at": first + timedelta(weeks=number - 1),
                        "duration_minutes": 60,
                        "capacity": 20,
                        "booked": rng.randint(0, 20),
                        "status": "scheduled",
                        "uid": f"bench-{session_id}@diaspora",
                        "sequence": 0,
                    }
                )
        tables["opportunities"].append(row)
        for profession in {_pick(rng, PROFESSIONS) for _ in range(rng.randint(1, 3))}:
            tables["professions"].append({"opportunity_id": n, "profession": profession})
        for code in rng.sample(skill_codes, rng.randint(0, 3)):
            tables["skills"].append(
                {"opportunity_id": n, "code": code, "min_level": rng.randint(1, 4)}
            )
        for code in rng.sample(languages, rng.randint(0, min(2, len(languages)))):
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


def load(size: int, today: date) -> int:
    """Fill the app's database (inside an app context); return the viewer's user id."""
    started = time.perf_counter()
    tables = generate(size, today)
    with db.engine.begin() as connection:
        for name, rows in tables.items():
            if rows:  # every row of a table has the same keys: one executemany per table
                connection.execute(TABLES[name].insert(), rows)
        if connection.dialect.name == "postgresql":
            for table in ("organisations", "opportunities", "teaching_sessions"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
    viewer = User(email=EMAIL, display_name="Bench Viewer", password_hash=hash_password(PASSWORD))
    viewer.email_verified_at = datetime.now(UTC)
    viewer.roles = [UserRole(role="staff")]
    db.session.add(viewer)
    db.session.commit()
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE"
            )
        else:
            connection.exec_driver_sql("ANALYZE")
    rows = sum(len(rows) for rows in tables.values())
    print(
        f"opportunities_listing: {size} opportunities, {rows} rows loaded in"
        f" {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    return viewer.id


def representative_queries(count: int, today: date, seed: int = SEED) -> list[dict[str, str]]:
    """Query strings a staff member plausibly sends: filters alone and combined."""
    rng = random.Random(seed + 1)
    countries = [c for c, *_ in COUNTRIES]
    professions = [p for p, _ in PROFESSIONS]
    skill_codes = list(skills())
    queries = []
    for _ in range(count):
        args: dict[str, str] = {}
        shape = rng.choices(
            ["none", "kind", "country", "profession", "skill", "language", "dates", "combined"],
            [10, 10, 20, 15, 10, 10, 10, 15],
        )[0]
        if shape in ("kind", "combined"):
            args["kind"] = rng.choice(["project", "teaching", "placement"])
        if shape in ("country", "combined"):
            args["country"] = rng.choice(countries)
        if shape == "profession" or (shape == "combined" and rng.random() < 0.5):
            args["profession"] = rng.choice(professions)
        if shape == "skill":
            args["skill"] = rng.choice(skill_codes)
        if shape == "language":
            args["language"] = rng.choice(["ben", "yor", "urd", "twi", "swa", "hin"])
        if shape == "dates" or (shape == "combined" and rng.random() < 0.3):
            start = today + timedelta(days=rng.randint(0, 500))
            args["starts_from"] = start.isoformat()
            args["starts_by"] = (start + timedelta(days=rng.choice([30, 90, 180]))).isoformat()
        if rng.random() < 0.2 and shape in ("none", "kind", "country"):
            args["modality"] = rng.choice(["remote", "on_site", "hybrid"])
        page = rng.choices([1, 2, 3, 5], [80, 12, 5, 3])[0]
        if page > 1:
            args["page"] = str(page)
        queries.append(args)
    return queries


def _sign_in(client) -> None:
    page = client.get("/account/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    response = client.post(
        "/account/sign-in",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    if response.status_code != 302:
        raise RuntimeError(f"the benchmark viewer could not sign in ({response.status_code})")


def _label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def run(database_url: str, size: int = SIZE, requests: int = REQUESTS) -> list[Figure]:
    backend = make_url(database_url).get_backend_name()
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=False)
    today = date.today()
    with app.app_context():
        load(size, today)
        db.session.remove()
    client = app.test_client()
    with app.app_context():
        _sign_in(client)
        queries = representative_queries(requests, today)
        engine = db.engine
    for args in queries[:WARM_UP]:
        client.get(f"/opportunities?{urlencode(args)}")
    counted: list[str] = []

    def _count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            counted.append(statement)

    timings: list[float] = []
    statements: list[int] = []
    found = 0
    event.listen(engine, "before_cursor_execute", _count)
    try:
        for args in queries:
            counted.clear()
            started = time.perf_counter()
            response = client.get(f"/opportunities?{urlencode(args)}")
            timings.append((time.perf_counter() - started) * 1000)
            statements.append(len(counted))
            if response.status_code != 200:
                raise RuntimeError(f"/opportunities?{urlencode(args)} answered {response.status}")
            found += b"nhsuk-card__link" in response.data
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    with app.app_context():
        total = db.session.scalar(select(db.func.count(Opportunity.id)))
        db.session.remove()
        db.engine.dispose()
    print(
        f"opportunities_listing on {backend}: {len(timings)} pages over {total} opportunities,"
        f" median {statistics.median(timings):.1f} ms, p95 {_p95(timings):.1f} ms,"
        f" max {max(timings):.1f} ms; {found} pages had results;"
        f" queries per page: {sorted(set(statements))}",
        file=sys.stderr,
        flush=True,
    )
    label = _label(size)
    figures = [
        Figure(
            f"opportunities.listing_p95_ms.{backend}.{label}", _p95(timings), "ms", suffixed=False
        ),
        Figure(
            f"opportunities.listing_median_ms.{backend}.{label}",
            statistics.median(timings),
            "ms",
            suffixed=False,
        ),
    ]
    if backend == "sqlite":  # one figure for both databases: the queries do not depend on it
        figures.append(Figure(f"opportunities.listing_queries.{label}", max(statements), "queries"))
    return figures
