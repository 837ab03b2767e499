"""The delivery benchmark runs, at a small size, and reports no duplicates."""

from bench import reminders_delivery
from bench.database import fresh_database


def test_the_delivery_benchmark_runs_with_a_small_size():
    with fresh_database(None) as url:
        figures = {f.name: f for f in reminders_delivery.run(url, size=60)}
    assert figures["reminders.delivery_per_s"].value > 0
    assert figures["reminders.delivery_ratio_vs_smtplib"].value > 0
    assert figures["reminders.duplicates"].value == 0
    assert figures["reminders.duplicates"].line() == "BENCH reminders.duplicates 0 messages"
