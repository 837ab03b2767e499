"""The matching benchmark runs at a small size and names its figures as the issue does."""

import gc

from bench import copies_memory, matching
from bench.database import migrate_to_head
from tests.conftest import own_database


def test_the_matching_benchmark_runs_at_a_small_size(tmp_path):
    url = f"sqlite:///{tmp_path / 'matching.sqlite'}"
    migrate_to_head(url)
    figures = matching.run(url, profiles=(300,), opportunities=150, runs=12)
    by_name = {figure.name: figure for figure in figures}
    assert set(by_name) == {
        "matching.candidates_p95_ms.sqlite.300",
        "matching.candidates_median_ms.sqlite.300",
        "matching.recommendations_p95_ms.sqlite.300",
        "matching.recommendations_median_ms.sqlite.300",
    }
    assert all(figure.value > 0 and figure.unit == "ms" for figure in figures)
    line = by_name["matching.candidates_p95_ms.sqlite.300"].line(".postgresql")
    assert line.startswith("BENCH matching.candidates_p95_ms.sqlite.300 ")


def test_sizes_are_named_in_thousands():
    assert matching._size_name(1_000_000) == "1m"
    assert matching._size_name(100_000) == "100k"
    assert matching._size_name(10_000) == "10k"
    assert matching._size_name(2500) == "2500"


def test_the_copies_memory_benchmark_measures_a_node_on_postgresql(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_COPIES_PROFILES", "300")
    assert copies_memory.run(f"sqlite:///{tmp_path / 'copies.sqlite'}") == []
    with own_database("postgresql", None, "copies_bench") as url:
        figures = {figure.name: figure for figure in copies_memory.run(url)}
    gc.unfreeze()  # the benchmark's process is the master of the node it measured
    assert set(figures) == {"matching.copy_mb_per_node.300", "matching.copy_mb_per_process.300"}
    assert all(figure.unit == "MB" for figure in figures.values())
