"""Benchmarks, run by `make bench` (`python -m bench`).

Every figure prints as one line, `BENCH <name> <value> <unit>`; nothing else printed starts
with BENCH. Each scenario module has `run(database_url) -> list[Figure]` and gets a fresh
database migrated to head (see bench.database); bench.__main__ lists the scenarios.

Figure names: every scenario runs on a temporary SQLite file and prints its plain names
(`app.home_rps`). When BENCH_DATABASE_URL names a PostgreSQL database, every scenario runs
again on it and prints the same names suffixed with the backend (`app.home_rps.postgresql`).
That database's public schema is dropped and recreated first: never point it at real data.
A scenario whose figures name their database themselves (`registry.search_p95_ms.sqlite.100k`,
`...postgresql.100k`) marks them `Figure(..., suffixed=False)`: they print as named.
"""
