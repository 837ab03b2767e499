"""The dashboard benchmark runs at a small size on PostgreSQL and gives no figures on SQLite."""

import os

import pytest
from sqlalchemy import create_engine, make_url, text

from bench import impact_dashboard
from bench.impact_dashboard import Size
from tests.conftest import PG_URL, migrate_to_head

SMALL = Size(
    profiles=300,
    engagements=600,
    hours=3_000,
    opportunities=40,
    cohorts=2,
    cohort_members=50,
    plans=60,
    loads=3,
    warm_up=1,
)


def _on_postgresql(*statements: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_no_figures_on_sqlite(tmp_path):
    assert impact_dashboard.run(f"sqlite:///{tmp_path / 'bench.sqlite'}", SMALL) == []


def test_the_dashboard_benchmark_runs_on_postgresql():
    if not PG_URL:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL to run it (CI does)")
    schema = f"impact_bench_{os.getpid()}"
    _on_postgresql(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    url = (
        make_url(PG_URL)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        migrate_to_head(url)
        figures = {figure.name: figure for figure in impact_dashboard.run(url, SMALL)}
    finally:
        _on_postgresql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    names = {
        f"dashboard.{page}_{stat}_ms.postgresql"
        for page in ("platform", "organisation", "cohort")
        for stat in ("median", "p95")
    }
    names.add("dashboard.first_load_ms.postgresql")
    assert set(figures) == names | {"dashboard.queries"}
    assert all(figures[name].value > 0 for name in names)
    assert figures["dashboard.queries"].value > 0
    line = figures["dashboard.platform_p95_ms.postgresql"].line(".postgresql")
    assert line.startswith("BENCH dashboard.platform_p95_ms.postgresql ")
