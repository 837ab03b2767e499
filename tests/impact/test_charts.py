"""The impact charts say what their captions say: every month of the range on the month axis,
bars in the order of the caption and table (largest first), whole numbers for people."""

import re
from datetime import date

from diaspora.impact import presenters, services
from diaspora.impact.charts import whole_ticks


def _axis_labels(svg: str, axis: str) -> list[tuple[float, str]]:
    """(position along the axis, text) of each label of the x or y axis group."""
    group = re.search(rf'<g class="axis {axis}[^"]*">(.*?)</g></g>(?=<g class="(axis|series))', svg)
    assert group, f"no {axis} axis"
    coordinate = "y" if axis == "y" else "x"
    return [
        (float(position), text)
        for position, text in re.findall(
            rf'<text [^>]*?{coordinate}="([\d.]+)"[^>]*>([^<]+)</text>', group.group(1)
        )
    ]


def _figures() -> services.Figures:
    figures = services.Figures(approved_minutes=600)
    figures.by_month = [
        (date(2026, 1, 1), 120, 3),
        (date(2026, 2, 1), 0, 0),
        (date(2026, 3, 1), 0, 0),
        (date(2026, 4, 1), 480, 9),
    ]
    figures.by_country = [("NG", 480, 9), ("IN", 90, 2), ("BD", 30, 1)]
    figures.by_profession = [("doctor", 400, 2), ("midwife", 200, 1)]
    return figures


def test_every_month_of_the_range_is_on_the_month_axis():
    (months, _countries, _professions) = presenters.sections(_figures())
    labels = [text for _, text in _axis_labels(str(months["chart"]), "x")]
    assert labels == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]
    assert "4 months of the range, in order, 2 months with approved hours" in months["caption"]
    assert [row[0]["text"] for row in months["table"]["rows"]] == labels


def test_horizontal_charts_draw_the_largest_first_at_the_top_as_captioned():
    sections = presenters.sections(_figures())
    for section, expected in zip(
        sections[1:], (["Nigeria", "India", "Bangladesh"], ["Doctor", "Midwife"]), strict=True
    ):
        assert "largest first" in section["caption"]
        # In a horizontal chart pygal's x axis is the vertical one: sort by y from the top.
        positions = re.findall(
            r'<text [^>]*?y="([\d.]+)"[^>]*>(' + "|".join(expected) + r")</text>",
            str(section["chart"]),
        )
        top_to_bottom = [text for _, text in sorted(positions, key=lambda p: float(p[0]))]
        assert top_to_bottom == expected
        assert [row[0]["text"] for row in section["table"]["rows"]] == expected


def test_people_returning_are_counted_on_whole_numbers():
    today = date(2026, 12, 7)
    months = services.months_from(today.replace(day=1), 12)
    rows = [("BD", months[3], "doctor", 1), ("BD", months[6], "midwife", 2)]
    shown = presenters.pipeline(services.Pipeline(months, rows))
    ticks = [text for _, text in _axis_labels(str(shown["chart"]), "y")]
    assert ticks == ["0", "1", "2"]


def test_whole_ticks_stay_few_and_cover_the_largest_value():
    assert whole_ticks(0) == [0, 1]
    assert whole_ticks(3) == [0, 1, 2, 3]
    assert whole_ticks(17) == [0, 3, 6, 9, 12, 15, 18]
    assert all(len(whole_ticks(n)) <= 9 and whole_ticks(n)[-1] >= n for n in range(200))
