"""Bookings per second through nginx in front of two web nodes, and in front of one, on PostgreSQL.

The data of bench.opportunities_booking (staff with completed profiles, open tele-teaching
sessions of 10 places), 16 clients of 2 people each. Each client books only sessions of its
own, its people one after the other, 12 sessions each: no two bookings in flight are of the
same session, so what one booking waits for is the machine and whatever every write shares,
never another booking's place. A run signs everyone in (not timed), then times every client's
bookings from the first request to the last answer: 384 bookings. Runs alternate, one node,
two nodes, one, two, each on sessions of its own in the same database, and each figure is the
better of its two runs, so that a burst of other work on a shared machine spoils one run of
each rather than one figure.

Nodes run as production runs them (bench.server.web_nodes: gunicorn.conf.py, 2 workers of 4
threads each) behind nginx with docs/nginx.conf.template, one upstream or two. On the 2-core
benchmark machine two nodes share the same two cores with nginx, PostgreSQL and the clients:
the second figure shows what splitting the work over two masters costs or gains on one
machine, not what a second machine would add.

Figures (PostgreSQL only, named as they are; see the bench package):
  opportunities.bookings_per_s.1node, opportunities.bookings_per_s.2nodes.
On stderr: the bookings made and any session whose `booked` counter disagrees with them.
SQLite has one writer at a time by design: the scenario yields nothing there.
"""

import sys
import threading
import time
from dataclasses import dataclass

from sqlalchemy import make_url

from bench.figures import Figure
from bench.opportunities_booking import Browser, Size, _check, _load, _sign_in
from bench.server import nginx, web_nodes

CLIENTS = 16
PEOPLE_PER_CLIENT = 2
SESSIONS_PER_CLIENT = 12
ROUNDS = 2  # one node, two nodes, and again: each figure is the better of its two runs


@dataclass(frozen=True)
class Shape:
    clients: int = CLIENTS
    people_per_client: int = PEOPLE_PER_CLIENT
    sessions_per_client: int = SESSIONS_PER_CLIENT
    rounds: int = ROUNDS


def run(database_url: str, shape: Shape | None = None) -> list[Figure]:
    if make_url(database_url).get_backend_name() != "postgresql":
        print("opportunities_nodes: PostgreSQL only; nothing measured", file=sys.stderr)
        return []
    shape = shape or Shape()
    runs = (1, 2) * shape.rounds
    per_run = shape.clients * shape.sessions_per_client
    size = Size(
        clients=shape.clients,
        people_per_client=shape.people_per_client,
        opportunities=-(-per_run * len(runs) // 4),
        sessions_per_opportunity=4,
    )
    emails, session_ids = _load(database_url, size)
    best: dict[int, float] = {}
    for number, nodes in enumerate(runs):
        chosen = session_ids[number * per_run : (number + 1) * per_run]
        plans = [
            (
                emails[n :: shape.clients],
                chosen[n * shape.sessions_per_client : (n + 1) * shape.sessions_per_client],
            )
            for n in range(shape.clients)
        ]
        made, seconds = _bookings(database_url, nodes, plans)
        best[nodes] = max(best.get(nodes, 0), made / seconds)
        print(
            f"opportunities_nodes: {made} bookings through {nodes} node(s) in {seconds:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    figures = [
        Figure(f"opportunities.bookings_per_s.{name}", best[nodes], "bookings/s", suffixed=False)
        for nodes, name in ((1, "1node"), (2, "2nodes"))
    ]
    overbooked, drift, states = _check(database_url)
    print(
        f"opportunities_nodes: bookings now {states}; overbooked {overbooked}; sessions whose"
        f" counter disagrees with their bookings: {drift}",
        file=sys.stderr,
        flush=True,
    )
    if overbooked or drift:
        raise RuntimeError("bookings and counters disagree after the run")
    return figures


def _bookings(
    database_url: str, nodes: int, plans: list[tuple[list[str], list[int]]]
) -> tuple[int, float]:
    """(bookings made, seconds) by one client a plan, through nginx in front of `nodes`."""
    errors: list[str] = []
    with web_nodes(database_url, nodes) as started, nginx([n.port for n in started]) as balancer:
        clients = [[_sign_in(balancer.port, email) for email in people] for people, _ in plans]
        start = threading.Barrier(len(plans) + 1)

        def client(people: list[tuple[Browser, str]], session_ids: list[int]) -> None:
            start.wait()
            for browser, token in people:
                for session_id in session_ids:
                    try:
                        status, location, _ = browser.book(session_id, token)
                    except OSError as error:
                        errors.append(f"booking {session_id}: {error}")
                        continue
                    if status != 302 or f"#session-{session_id}" not in location:
                        errors.append(f"booking {session_id}: {status} {location}")

        threads = [
            threading.Thread(target=client, args=(people, session_ids))
            for people, (_, session_ids) in zip(clients, plans, strict=True)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        clock = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - clock
    if errors:
        raise RuntimeError(f"{len(errors)} bookings failed, e.g. {errors[0]}")
    made = sum(len(people) * len(session_ids) for people, session_ids in plans)
    return made, seconds
