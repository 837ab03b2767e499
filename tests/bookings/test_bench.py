"""The booking benchmark runs, at a small size, and finds no overbooking."""

from bench import opportunities_booking
from bench.opportunities_booking import Size

SMALL = Size(
    clients=4,
    people_per_client=2,
    opportunities=2,
    sessions_per_opportunity=2,
    capacity=2,
    bookings_per_person=3,
)


def test_the_booking_benchmark_runs_on_postgresql_only(committed_database):
    figures = opportunities_booking.run(committed_database.url, SMALL)
    if committed_database.backend == "sqlite":
        assert figures == []
        return
    by_name = {figure.name: figure for figure in figures}
    assert set(by_name) == {
        "opportunities.booking_p95_ms.postgresql.4c",
        "opportunities.overbooked",
    }
    assert by_name["opportunities.booking_p95_ms.postgresql.4c"].value > 0
    assert by_name["opportunities.overbooked"].value == 0
    assert by_name["opportunities.overbooked"].line(".postgresql") == (
        "BENCH opportunities.overbooked 0 bookings"
    )
    assert (
        by_name["opportunities.booking_p95_ms.postgresql.4c"]
        .line(".postgresql")
        .startswith("BENCH opportunities.booking_p95_ms.postgresql.4c ")
    )
