"""The dashboard benchmark runs at a small size on PostgreSQL and gives no figures on SQLite."""

from bench import impact_dashboard
from bench.impact_dashboard import Size
from tests.conftest import own_database

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


def test_no_figures_on_sqlite(tmp_path):
    assert impact_dashboard.run(f"sqlite:///{tmp_path / 'bench.sqlite'}", SMALL) == []


def test_the_dashboard_benchmark_runs_on_postgresql():
    with own_database("postgresql", None, "impact_bench") as url:
        figures = {figure.name: figure for figure in impact_dashboard.run(url, SMALL)}
    names = {
        f"dashboard.{page}_{stat}_ms.postgresql"
        for page in ("platform", "organisation", "cohort")
        for stat in ("median", "p95")
    }
    names |= {"dashboard.first_load_ms.postgresql", "dashboard.cold_first_load_ms.postgresql"}
    assert set(figures) == names | {"dashboard.queries"}
    assert all(figures[name].value > 0 for name in names)
    assert figures["dashboard.queries"].value > 0
    line = figures["dashboard.platform_p95_ms.postgresql"].line(".postgresql")
    assert line.startswith("BENCH dashboard.platform_p95_ms.postgresql ")
