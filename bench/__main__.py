"""Run every scenario on each database and print its figures (naming: see the bench package).

`python -m bench web_bandwidth app_throughput` (`make bench BENCH="..."`) runs only the scenarios
named, by module name."""

import os
import signal
import sys

from sqlalchemy import make_url

from bench import (
    app_throughput,
    copies_memory,
    i18n_render,
    impact_dashboard,
    matching,
    notify_sms,
    opportunities_booking,
    opportunities_listing,
    opportunities_nodes,
    registry_search,
    reminders_delivery,
    reminders_tick,
    web_bandwidth,
)
from bench.database import fresh_database

SCENARIOS = [
    app_throughput.run,
    registry_search.run,
    opportunities_listing.run,
    opportunities_booking.run,
    opportunities_nodes.run,
    reminders_delivery.run,
    notify_sms.run,
    reminders_tick.run,
    matching.run,
    copies_memory.run,
    impact_dashboard.run,
    web_bandwidth.run,
    i18n_render.run,
]


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_cleanly)
    scenarios = _chosen(sys.argv[1:])
    for suffix, postgresql_url in _databases():
        for scenario in scenarios:
            with fresh_database(postgresql_url) as database_url:
                for figure in scenario(database_url):
                    print(figure.line(suffix), flush=True)


def _chosen(names: list[str]) -> list:
    """The scenarios whose modules are named (`web_bandwidth`), or all of them."""
    by_name = {scenario.__module__.rpartition(".")[2]: scenario for scenario in SCENARIOS}
    unknown = sorted(set(names) - set(by_name))
    if unknown:
        sys.exit(f"unknown scenario {', '.join(unknown)}: choose from {', '.join(by_name)}")
    return [by_name[name] for name in names] if names else SCENARIOS


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
