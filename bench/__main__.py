"""Run every scenario on each database and print its figures (naming: see the bench package)."""

import os
import signal
import sys

from sqlalchemy import make_url

from bench import (
    app_throughput,
    impact_dashboard,
    matching,
    opportunities_booking,
    opportunities_listing,
    registry_search,
    reminders_delivery,
    reminders_tick,
)
from bench.database import fresh_database

SCENARIOS = [
    app_throughput.run,
    registry_search.run,
    opportunities_listing.run,
    opportunities_booking.run,
    reminders_delivery.run,
    reminders_tick.run,
    matching.run,
    impact_dashboard.run,
]


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_cleanly)
    for suffix, postgresql_url in _databases():
        for scenario in SCENARIOS:
            with fresh_database(postgresql_url) as database_url:
                for figure in scenario(database_url):
                    print(figure.line(suffix), flush=True)


def _databases() -> list[tuple[str, str | None]]:
    """(figure name suffix, PostgreSQL URL or None for a temporary SQLite file) pairs."""
    databases: list[tuple[str, str | None]] = [("", None)]
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        if make_url(url).get_backend_name() != "postgresql":
            sys.exit("BENCH_DATABASE_URL must name a PostgreSQL database")
        databases.append((".postgresql", url))
    return databases


def _exit_cleanly(signum: int, _frame: object) -> None:
    """On SIGTERM unwind like Ctrl-C does, so gunicorn and temporary files are cleaned up."""
    sys.exit(128 + signum)


if __name__ == "__main__":
    main()
