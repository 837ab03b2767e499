"""The two-node booking benchmark runs, at a small size, and every booking it makes is right."""

import pytest

from bench import opportunities_nodes
from bench.opportunities_nodes import Shape


@pytest.mark.slow
def test_the_two_node_benchmark_reports_one_node_beside_two(servers, deployed):
    figures = opportunities_nodes.run(
        deployed.url, Shape(clients=2, people_per_client=1, sessions_per_client=2, rounds=1)
    )

    assert [figure.name for figure in figures] == [
        "opportunities.bookings_per_s.1node",
        "opportunities.bookings_per_s.2nodes",
    ]
    assert all(figure.value > 0 and not figure.suffixed for figure in figures)
    assert figures[1].line(".postgresql").startswith("BENCH opportunities.bookings_per_s.2nodes ")


def test_the_two_node_benchmark_measures_nothing_on_sqlite(tmp_path):
    assert opportunities_nodes.run(f"sqlite:///{tmp_path / 'bench.sqlite'}") == []
