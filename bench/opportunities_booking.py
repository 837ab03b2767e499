"""Booking tele-teaching places with 50 concurrent clients against gunicorn on PostgreSQL.

100 sessions of 10 places each (25 open tele-teaching opportunities of 4 weekly sessions) and
250 staff members with completed profiles. 50 clients, each a thread, sign their 5 people in
through the real sign-in form (each person with their own cookie) and read a CSRF token; once
every client has done so, they all POST bookings the way the "Join the waiting list" button does
(a place if one is left, else the waiting list), one person after another: 8 random sessions
per person, 2,000 bookings for 1,000 places, so half of them queue. Only the booking POSTs are
timed (connect, request, redirect response), and only bookings run while they are: signing in
checks a password hash made deliberately slow, and 250 sign-ins among the bookings would measure
that instead. Each client has one booking in flight at a time, so the latency is what 50
people booking at once wait, queueing for the 2 workers included.

Figures (named with their database, so not suffixed; see the bench package):
  opportunities.booking_p95_ms.postgresql.50c: the 95th percentile of a booking's latency;
  opportunities.overbooked: accepted bookings beyond capacity, summed over every session
  (must be 0; it is checked against the database after the run, not taken from the replies).
SQLite has one writer at a time by design: the scenario yields nothing there.
On stderr: the median, the throughput, the outcome counts, and any session whose `booked`
counter disagrees with its accepted bookings.
"""

import http.client
import random
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, make_url, select

from bench.figures import Figure
from bench.server import HOST, gunicorn
from diaspora import create_app
from diaspora.auth.models import User, UserRole
from diaspora.auth.services import hash_password
from diaspora.config import Config
from diaspora.engagements.models import Engagement
from diaspora.extensions import db
from diaspora.opportunities.models import Opportunity, TeachingSession
from diaspora.organisations.models import MemberRole, Membership, Organisation, Verification
from diaspora.registry.models import StaffProfile

CLIENTS = 50
PEOPLE_PER_CLIENT = 5
OPPORTUNITIES = 25
SESSIONS_PER_OPPORTUNITY = 4
CAPACITY = 10
BOOKINGS_PER_PERSON = 8
PASSWORD = "bench booking password"  # noqa: S105
SEED = 11
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SESSION_COOKIE = re.compile(r"(?:^|,\s*)session=([^;]*)")


@dataclass(frozen=True)
class Size:
    clients: int = CLIENTS
    people_per_client: int = PEOPLE_PER_CLIENT
    opportunities: int = OPPORTUNITIES
    sessions_per_opportunity: int = SESSIONS_PER_OPPORTUNITY
    capacity: int = CAPACITY
    bookings_per_person: int = BOOKINGS_PER_PERSON


def run(database_url: str, size: Size | None = None) -> list[Figure]:
    if make_url(database_url).get_backend_name() != "postgresql":
        print("opportunities_booking: PostgreSQL only; nothing measured", file=sys.stderr)
        return []
    size = size or Size()
    emails, session_ids = _load(database_url, size)
    rng = random.Random(SEED)
    plans = [
        [
            (email, rng.sample(session_ids, min(size.bookings_per_person, len(session_ids))))
            for email in emails[n :: size.clients]
        ]
        for n in range(size.clients)
    ]
    results = Results()
    clock = Clock()
    with gunicorn(database_url) as port:
        started = threading.Barrier(size.clients, action=clock.start)
        threads = [
            threading.Thread(target=_client, args=(port, plan, started, results)) for plan in plans
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = clock.elapsed()
    if results.errors:
        raise RuntimeError(f"{len(results.errors)} requests failed, e.g. {results.errors[0]}")
    overbooked, drift, states = _check(database_url)
    p95 = _p95(results.latencies_ms)
    print(
        f"opportunities_booking: {len(results.latencies_ms)} bookings by {size.clients} clients;"
        f" median {statistics.median(results.latencies_ms):.1f} ms, p95 {p95:.1f} ms;"
        f" {len(results.latencies_ms) / elapsed:.1f} bookings/s;"
        f" bookings now {states};"
        f" sessions whose counter disagrees with their bookings: {drift}",
        file=sys.stderr,
        flush=True,
    )
    return [
        Figure(
            f"opportunities.booking_p95_ms.postgresql.{size.clients}c", p95, "ms", suffixed=False
        ),
        Figure("opportunities.overbooked", overbooked, "bookings", suffixed=False),
    ]


# Data ---------------------------------------------------------------------------------------------


def _load(database_url: str, size: Size) -> tuple[list[str], list[int]]:
    """Staff with completed profiles (one password hash shared, for speed) and open
    tele-teaching opportunities of a verified organisation; returns (emails, session ids)."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url)
    now = datetime.now(UTC)
    first = (now + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    with app.app_context():
        password_hash = hash_password(PASSWORD)
        host = User(
            email="host@bench.example.org",
            display_name="Bench Host",
            password_hash=password_hash,
            email_verified_at=now,
        )
        organisation = Organisation(
            name="Bench Teaching Hospital",
            kind="partner_institution",
            country="BD",
            verification=Verification.VERIFIED,
        )
        db.session.add_all(
            [
                host,
                organisation,
                Membership(user=host, organisation=organisation, role=MemberRole.OWNER),
            ]
        )
        emails = []
        for n in range(size.clients * size.people_per_client):
            user = User(
                email=f"staff{n}@bench.example.org",
                display_name=f"Staff {n}",
                password_hash=password_hash,
                email_verified_at=now,
            )
            user.roles = [UserRole(role="staff")]
            db.session.add_all(
                [user, StaffProfile(user=user, profession="adult_nurse", completed_at=now)]
            )
            emails.append(user.email)
        for n in range(size.opportunities):
            starts = first + timedelta(hours=n)
            opportunity = Opportunity(
                organisation=organisation,
                kind="teaching",
                status="open",
                title=f"Bench teaching {n}",
                description="Teaching.",
                country="BD",
                modality="remote",
                starts_on=starts.date(),
                ends_on=date.fromordinal(starts.date().toordinal() + 7 * 3),
                host_time_zone="Asia/Dhaka",
                duration_minutes=60,
                capacity=size.capacity,
                join_link=f"https://meet.example.org/bench-{n}",
                audience="Nursing students",
                recurrence="weekly",
                occurrences=size.sessions_per_opportunity,
                published_at=now,
            )
            opportunity.sessions = [
                TeachingSession(
                    number=k + 1,
                    starts_at=starts + timedelta(weeks=k),
                    duration_minutes=60,
                    capacity=size.capacity,
                )
                for k in range(size.sessions_per_opportunity)
            ]
            db.session.add(opportunity)
        db.session.commit()
        session_ids = list(db.session.scalars(select(TeachingSession.id)))
        db.session.remove()
        db.engine.dispose()
    return emails, session_ids


def _check(database_url: str) -> tuple[int, int, dict[str, int]]:
    """(accepted bookings beyond capacity, sessions whose `booked` is not their accepted count,
    bookings by state)."""
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        accepted = (
            select(Engagement.session_id, func.count(Engagement.id).label("n"))
            .where(Engagement.state == "accepted", Engagement.session_id.is_not(None))
            .group_by(Engagement.session_id)
            .subquery()
        )
        rows = db.session.execute(
            select(TeachingSession.capacity, TeachingSession.booked, accepted.c.n).outerjoin(
                accepted, accepted.c.session_id == TeachingSession.id
            )
        ).all()
        states = dict(
            db.session.execute(
                select(Engagement.state, func.count(Engagement.id)).group_by(Engagement.state)
            ).all()
        )
        db.session.remove()
        db.engine.dispose()
    overbooked = sum(max((n or 0) - capacity, 0) for capacity, _, n in rows)
    drift = sum(1 for _, booked, n in rows if booked != (n or 0))
    return overbooked, drift, dict(sorted(states.items()))


# The clients --------------------------------------------------------------------------------------


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency_ms: float) -> None:
        with self.lock:
            self.latencies_ms.append(latency_ms)

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Clock:
    """The timed phase: from the moment every client has signed its people in."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def start(self) -> None:
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


class Browser:
    """One person's cookie (Flask's `session`) over plain HTTP/1.1 requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                match = SESSION_COOKIE.search(value)
                if match:
                    self.cookie = match.group(1)
            return response.status, response.getheader("Location", ""), content
        finally:
            connection.close()

    def book(self, session_id: int, token: str):
        """Book a place, or the waiting list once the session is full, as its button does."""
        return self.request(
            "POST", f"/sessions/{session_id}/book", {"csrf_token": token, "waiting": "yes"}
        )

    def csrf(self, path: str) -> str:
        status, _, content = self.request("GET", path)
        match = CSRF.search(content.decode())
        if status != 200 or match is None:
            raise RuntimeError(f"GET {path}: {status}, no CSRF token")
        return match.group(1)


def _client(port: int, plan, started: threading.Barrier, results: Results) -> None:
    """Sign in each of the plan's people, wait for every client to have done so, then book."""
    people = []
    for email, session_ids in plan:
        try:
            people.append((*_sign_in(port, email), session_ids))
        except (OSError, RuntimeError) as error:
            results.fail(f"{email}: {error}")
    started.wait()
    for browser, token, session_ids in people:
        for session_id in session_ids:
            clock = time.perf_counter()
            try:
                status, location, _ = browser.book(session_id, token)
            except OSError as error:
                results.fail(f"booking {session_id}: {error}")
                continue
            latency = (time.perf_counter() - clock) * 1000
            if status != 302 or f"#session-{session_id}" not in location:
                results.fail(f"booking {session_id}: {status} {location}")
                continue
            results.add(latency)


def _sign_in(port: int, email: str) -> tuple[Browser, str]:
    """A browser signed in as `email` through the sign-in form, and a CSRF token for its forms."""
    browser = Browser(port)
    token = browser.csrf("/account/sign-in")
    status, _, _ = browser.request(
        "POST", "/account/sign-in", {"email": email, "password": PASSWORD, "csrf_token": token}
    )
    if status != 302:
        raise RuntimeError(f"sign-in answered {status}")
    return browser, browser.csrf("/calendar")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]
