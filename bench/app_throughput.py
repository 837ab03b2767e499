"""Requests a second for the bare JSON route and for the home page, under the same workers.

GET /health/live returns {"status": "ok"}: the floor any Flask route pays. GET / renders the
NHS.UK home page for an anonymous visitor. app.home_vs_hello_ratio (home / hello) is the
yardstick later pages are judged by. After a warm-up, the two URLs are loaded in alternating
rounds and each figure is its median round, so a burst of background load cannot fall on one URL
only.
"""

import json
import statistics
import sys

from bench.figures import Figure
from bench.server import fetch, gunicorn, requests_per_second

WARM_UP_SECONDS = 2
ROUND_SECONDS = 4
ROUNDS = 3
HELLO, HOME = "/health/live", "/"


def run(database_url: str) -> list[Figure]:
    """Measure /health/live and / under gunicorn on database_url."""
    rounds: dict[str, list[float]] = {HELLO: [], HOME: []}
    with gunicorn(database_url) as port:
        _check_responses(port)
        for path in rounds:
            requests_per_second(port, path, WARM_UP_SECONDS)
        for _ in range(ROUNDS):
            for path, results in rounds.items():
                results.append(requests_per_second(port, path, ROUND_SECONDS))
    for path, results in rounds.items():
        print(f"app_throughput: GET {path} rounds (req/s): {results}", file=sys.stderr, flush=True)
    hello = statistics.median(rounds[HELLO])
    home = statistics.median(rounds[HOME])
    return [
        Figure("app.hello_rps", hello, "req/s"),
        Figure("app.home_rps", home, "req/s"),
        Figure("app.home_vs_hello_ratio", home / hello, "ratio"),
    ]


def _check_responses(port: int) -> None:
    """The routes answer as the figures assume: JSON for /health/live, the HTML page for /."""
    hello = fetch(port, HELLO)
    home = fetch(port, HOME)
    if hello.status != 200 or json.loads(hello.body) != {"status": "ok"}:
        raise RuntimeError(f"GET {HELLO} answered {hello.status}, not 200 {{'status': 'ok'}}")
    if home.status != 200 or not home.content_type.startswith("text/html"):
        raise RuntimeError(f"GET {HOME} answered {home.status}, not a 200 HTML page")
