"""Two web nodes behind nginx and two schedulers on one PostgreSQL database and Redis, started as
production starts them (gunicorn.conf.py, docs/nginx.conf.template, `flask scheduler run`;
docs/operations.md), each a process of its own, driven over HTTP:

- a change made through one node shows on the other at its very next call (the in-memory copy
  of the registry behind suggested candidates catches up through the change log);
- 200 people booking a session of 20 places at once through nginx get 20 places between them;
- both schedulers' ticks side by side send each due reminder, every email, exactly once;
- one node killed (SIGKILL, master and workers) while bookings go on loses nothing: every
  booking acknowledged is in the database, the counts agree, and the bookings carry on
  through the other node.

One test, not four, so that a run with several pytest workers starts this cluster once.
"""

import json
import os
import random
import secrets
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from bench.opportunities_booking import Browser
from bench.server import HOST, Balancer, Node, environment, nginx, running, web_nodes
from diaspora import config
from diaspora.auth.models import User
from diaspora.core.csrf import mask
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement
from diaspora.extensions import db
from diaspora.notifications.models import Notification
from diaspora.opportunities.models import TeachingSession
from tests.deployment.conftest import REDIS
from tests.factories import PASSWORD
from tests.helpers import SmtpSink, second_factor_answer

REDIS_DB = 14  # this test's own, flushed before and after
RACE_PEOPLE, RACE_PLACES = 200, 20
REMINDED = 30
LOAD_CLIENTS, LOAD_PEOPLE_PER_CLIENT, LOAD_SESSIONS, LOAD_CAPACITY = 6, 2, 20, 10
KILL_AFTER = 50  # bookings acknowledged before a node is killed


@pytest.mark.slow
def test_two_nodes_behind_nginx_and_two_schedulers(servers, deployed):
    make = deployed.factories()
    store = redis.Redis(*REDIS, db=REDIS_DB)
    store.flushdb()
    soon = utcnow() + timedelta(days=3)
    partner = make.user(roles=["partner"], name="Parveen Partner")
    organisation = make.organisation(owner=partner, name="Sylhet Nursing College")
    project = make.opportunity(organisation, professions=("doctor",), title="Neonatal care")
    candidate = make.profile(make.user(name="Nadia Nodes"), consent=False).user
    race = make.opportunity(organisation, kind="teaching", capacity=RACE_PLACES, starts_at=soon)
    racers = make.staff_members(RACE_PEOPLE, prefix="racer")
    reminded = _booked_within_the_hour(make, organisation, REMINDED)
    load = [
        make.opportunity(organisation, kind="teaching", sessions=5, capacity=LOAD_CAPACITY)
        for _ in range(LOAD_SESSIONS // 5)
    ]
    loaders = make.staff_members(LOAD_CLIENTS * LOAD_PEOPLE_PER_CLIENT, prefix="loader")
    db.session.commit()

    settings = {
        "RATELIMIT_STORAGE_URI": f"redis://{HOST}:{REDIS[1]}/{REDIS_DB}",
        "PROXY_COUNT": "1",
        "ARGON2_MEMORY_KIB": str(config.TestConfig.ARGON2_MEMORY_KIB),
        "ARGON2_TIME_COST": str(config.TestConfig.ARGON2_TIME_COST),
    }
    sink = SmtpSink()
    sink.start()
    try:
        with ExitStack() as stack:
            a, b = stack.enter_context(web_nodes(deployed.url, 2, **settings))
            balancer = stack.enter_context(nginx([a.port, b.port]))
            mail = {"MAIL_SERVER": HOST, "MAIL_PORT": str(sink.port)}
            schedulers = [
                stack.enter_context(_scheduler(deployed.url, balancer.port, mail)) for _ in range(2)
            ]
            for node in (a, b):  # the rate limits' counts are shared, in Redis
                status, _, body = Browser(node.port).request("GET", "/health/ready")
                assert status == 200 and json.loads(body)["checks"]["redis"] == "ok"

            _a_change_through_one_node_shows_on_the_other(
                deployed, a, b, partner, candidate, project
            )
            _two_hundred_book_twenty_places_through_nginx(deployed, balancer, a, b, racers, race)
            _each_reminder_is_sent_once(schedulers, sink, reminded)
            _a_node_killed_mid_load_loses_nothing(deployed, balancer, a, b, loaders, load)
    finally:
        sink.stop()
        store.flushdb()
        store.close()


# A change through one node, seen by the other -----------------------------------------------------


def _a_change_through_one_node_shows_on_the_other(deployed, a, b, partner, candidate, project):
    page, name = f"/opportunities/{project.id}/candidates", candidate.display_name
    viewers = {node.port: _signed_in(deployed, node, partner.email) for node in (a, b)}

    def shown_on(node: Node) -> bool:
        status, _, body = viewers[node.port].request("GET", page)
        assert status == 200
        return name in body.decode()

    # The copies of the registry load before the change, in whichever workers answer.
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert not any(pool.map(shown_on, [a, b] * 4))
    person = {node.port: _signed_in(deployed, node, candidate.email) for node in (a, b)}

    for writer, reader, consent in ((a, b, True), (b, a, False), (a, b, True)):
        browser = person[writer.port]
        form = {"visibility": "verified_organisations", "csrf_token": _token(deployed, browser)}
        if consent:
            form["consent_to_contact"] = "y"
        status, _, _ = browser.request("POST", "/profile/privacy", form)
        assert status == 302
        assert [shown_on(reader) for _ in range(3)] == [consent] * 3


# The booking race through the balancer ------------------------------------------------------------


def _two_hundred_book_twenty_places_through_nginx(deployed, balancer, a, b, racers, race):
    (occurrence,) = race.sessions
    emails = [user.email for user in racers]
    with ThreadPoolExecutor(max_workers=8) as pool:
        browsers = list(pool.map(lambda email: _signed_in(deployed, balancer, email), emails))
    tokens = [_token(deployed, browser) for browser in browsers]
    start = threading.Barrier(len(browsers))

    def book(browser: Browser, token: str) -> int:
        start.wait(timeout=60)
        status, location, _ = browser.request(
            "POST", f"/sessions/{occurrence.id}/book", {"csrf_token": token, "waiting": "yes"}
        )
        assert location.endswith(f"#session-{occurrence.id}")
        return status

    before = len(balancer.answered_by())
    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        statuses = list(pool.map(book, browsers, tokens))

    assert statuses == [302] * RACE_PEOPLE
    assert _flashed(deployed, browsers) == {"success": RACE_PEOPLE}
    db.session.expire_all()
    states = Counter(
        db.session.scalars(select(Engagement.state).where(Engagement.session_id == occurrence.id))
    )
    assert states == {"accepted": RACE_PLACES, "waiting": RACE_PEOPLE - RACE_PLACES}
    assert db.session.get(TeachingSession, occurrence.id).booked == RACE_PLACES
    answered = set(balancer.answered_by()[before:])
    assert {f"{HOST}:{a.port}", f"{HOST}:{b.port}"} <= answered  # both nodes took bookings


# Two schedulers ------------------------------------------------------------------------------


def _booked_within_the_hour(make, organisation, count: int) -> list[User]:
    """People with a place on a session starting in half an hour: the hour's reminder is due."""
    starts = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
    opportunity = make.opportunity(organisation, kind="teaching", capacity=count, starts_at=starts)
    (occurrence,) = opportunity.sessions
    people = make.staff_members(count, prefix="reminded")
    for person in people:
        make.engagement(opportunity, person, state="accepted", session=occurrence)
    occurrence.booked = count
    return people


@contextmanager
def _scheduler(database_url: str, port: int, mail: dict[str, str]):
    env = environment(database_url) | mail | {"SERVICE_URL": f"http://{HOST}:{port}"}
    command = [sys.executable, "-m", "flask", "--app", "app", "scheduler", "run"]
    with running(command, env) as (process, log):
        yield process, log


def _each_reminder_is_sent_once(schedulers, sink: SmtpSink, reminded: list[User]) -> None:
    """Both schedulers ticked at once when they started (a tick every minute, the first at
    start); each tick sends what is due."""
    deadline = time.monotonic() + 60
    while not all("Tick done" in _output(log) for _, log in schedulers):
        assert all(process.poll() is None for process, _ in schedulers), [
            _output(log) for _, log in schedulers
        ]
        assert time.monotonic() < deadline, "a scheduler did not finish its first tick"
        time.sleep(0.2)

    ids = [message["Message-ID"] for message in sink.messages]
    assert len(ids) == len(set(ids))  # no email twice (a row's Message-ID is made from its id)
    db.session.expire_all()
    sent = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.channel == "email", Notification.state == "sent"
        )
    )
    # Every email recorded as sent arrived; a later tick may be sending more meanwhile.
    assert 0 < sent <= len(sink.messages)
    subjects = Counter(
        (message["To"], message["Subject"].split(":")[0]) for message in sink.messages
    )
    for person in reminded:
        assert subjects[(person.email, "Starting in 1 hour")] == 1


def _output(log) -> str:
    """What the process wrote so far, read without moving the offset it writes at."""
    return os.pread(log.fileno(), os.fstat(log.fileno()).st_size, 0).decode(errors="replace")


# A node killed mid-load -------------------------------------------------------------------


@dataclass
class Outcome:
    user_id: int
    session_id: int
    started: float
    status: int | None  # None: no answer at all
    acknowledged: bool  # answered with the page saying the booking was made


def _a_node_killed_mid_load_loses_nothing(deployed, balancer: Balancer, a, b, loaders, load):
    session_ids = [s.id for opportunity in load for s in opportunity.sessions]
    ids = {user.email: user.id for user in loaders}
    with ThreadPoolExecutor(max_workers=8) as pool:
        browsers = list(pool.map(lambda email: _signed_in(deployed, balancer, email), ids))
    tokens = [_token(deployed, browser) for browser in browsers]
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    acknowledged = threading.Semaphore(0)
    rng = random.Random(7)
    plans = [rng.sample(session_ids, len(session_ids)) for _ in browsers]

    def client(people: list[tuple[str, Browser, str, list[int]]]) -> None:
        for email, browser, token, plan in people:
            for session_id in plan:
                started = time.monotonic()
                try:
                    status, _, _ = browser.book(session_id, token)
                except OSError:
                    status = None
                done = status == 302 and _last_flash(deployed, browser) == "success"
                with lock:
                    outcomes.append(Outcome(ids[email], session_id, started, status, done))
                if done:
                    acknowledged.release()

    people = list(zip(ids, browsers, tokens, plans, strict=True))
    work = [people[n::LOAD_CLIENTS] for n in range(LOAD_CLIENTS)]
    before = len(balancer.answered_by())
    threads = [threading.Thread(target=client, args=(part,)) for part in work]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        assert acknowledged.acquire(timeout=60)
    answered_before_kill = set(balancer.answered_by()[before:])
    a.kill()
    killed_at = time.monotonic()
    for thread in threads:
        thread.join(120)

    node_a, node_b = f"{HOST}:{a.port}", f"{HOST}:{b.port}"
    assert {node_a, node_b} <= answered_before_kill  # both nodes were taking bookings
    assert len(outcomes) == len(loaders) * len(session_ids)
    failed = [o for o in outcomes if not o.acknowledged]
    # Only requests in flight when the node died may fail (a POST that reached it is never
    # sent again, see docs/nginx.conf.template): at most one per client, answered 502.
    assert len(failed) <= LOAD_CLIENTS
    assert all(o.status == 502 for o in failed), failed
    assert all(o.started < killed_at + 1 for o in failed), failed
    assert any(o.acknowledged for o in outcomes if o.started > killed_at)
    assert balancer.answered_by()[-1] == node_b

    db.session.expire_all()
    stored = {
        (user_id, session_id): state
        for user_id, session_id, state in db.session.execute(
            select(Engagement.user_id, Engagement.session_id, Engagement.state).where(
                Engagement.session_id.in_(session_ids)
            )
        )
    }
    for outcome in outcomes:
        if outcome.acknowledged:
            assert stored[(outcome.user_id, outcome.session_id)] in {"accepted", "waiting"}
    assert set(stored) <= {(o.user_id, o.session_id) for o in outcomes}
    for occurrence in db.session.scalars(
        select(TeachingSession).where(TeachingSession.id.in_(session_ids))
    ):
        accepted = sum(
            1
            for (_, session_id), state in stored.items()
            if session_id == occurrence.id and state == "accepted"
        )
        assert occurrence.booked == accepted <= occurrence.capacity


# Browsing -----------------------------------------------------------------------------------


def _signed_in(deployed, server, email: str) -> Browser:
    """A browser signed in through the sign-in form on this node or balancer, with the second
    factor when the account has one."""
    browser = Browser(server.port)
    form = {"email": email, "password": PASSWORD, "csrf_token": _token(deployed, browser)}
    status, location, _ = browser.request("POST", "/account/sign-in", form)
    assert status == 302, f"sign-in of {email} answered {status}"
    if location.endswith("/account/two-factor"):
        db.session.expire_all()  # the factor's last step used, as the nodes left it
        url, code = second_factor_answer(email)
        form = {"code": code, "csrf_token": _token(deployed, browser)}
        status, _, _ = browser.request("POST", url, form)
        assert status == 302, f"second factor of {email} answered {status}"
    return browser


def _token(deployed, browser: Browser) -> str:
    """The CSRF token the browser's next page would show, made as the pages make it (as
    tests.helpers.session_csrf_token does for the test client) rather than read from a page:
    those reads were a third of this test's requests."""
    app = deployed.app
    cookies = app.session_interface.get_signing_serializer(app)
    session = cookies.loads(browser.cookie) if browser.cookie else {}
    raw = session.setdefault("csrf_token", secrets.token_hex(20))
    browser.cookie = cookies.dumps(session)
    return mask(URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw))


def _flashes(deployed, browser: Browser) -> list[str]:
    """The categories of the messages the browser's session holds for its next page."""
    serializer = deployed.app.session_interface.get_signing_serializer(deployed.app)
    return [category for category, _ in serializer.loads(browser.cookie).get("_flashes", [])]


def _last_flash(deployed, browser: Browser) -> str | None:
    flashes = _flashes(deployed, browser)
    return flashes[-1] if flashes else None


def _flashed(deployed, browsers: list[Browser]) -> Counter:
    return Counter(category for browser in browsers for category in _flashes(deployed, browser))
