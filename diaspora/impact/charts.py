"""Bar charts as inline SVG, drawn on the server with pygal and made fit for the page.

pygal writes a `<style>` element, a `<script>` with its configuration and a few `style`
attributes; the Content-Security-Policy (`style-src 'self'`, scripts by nonce only) would block
all three, so they are removed and static/impact/impact.css styles the chart by its classes.
The SVG is one `role="img"` element named by its figure's caption; the data table beside it
carries the figures for screen readers and print.
"""

import math
import sys
from collections.abc import Sequence
from xml.etree import ElementTree

import pygal
from flask_babel import gettext
from markupsafe import Markup

# pygal puts a finder with no `find_spec` on sys.meta_path (for map plugins, unused here); on
# Python 3.11 any import that reaches it then fails with AttributeError instead of ImportError,
# which breaks unrelated imports (multiprocessing's, for one). Take it off again.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)
]

SVG = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", SVG)
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def _clean(svg: str, labelled_by: str) -> Markup:
    root = ElementTree.fromstring(svg)  # noqa: S314 (pygal's own output, not input)
    dropped = {f"{{{SVG}}}{tag}" for tag in ("style", "script", "desc", "title")}
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in dropped:
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("style", None)
    root.attrib.pop("id", None)
    root.set("role", "img")
    root.set("aria-labelledby", labelled_by)
    root.set("focusable", "false")
    root.set("class", "pygal-chart app-impact-chart")
    # ElementTree escapes every text and attribute it writes, labels included.
    return Markup(ElementTree.tostring(root, encoding="unicode"))  # noqa: S704


MAX_TICKS = 8


def whole_ticks(largest: float) -> list[int]:
    """Tick values for a count of people: whole numbers from 0 past the largest value, at most
    MAX_TICKS + 1 of them (pygal would put ticks at 0.2, 0.4... under small counts)."""
    step = max(1, math.ceil(largest / MAX_TICKS))
    top = max(1, math.ceil(largest / step)) * step
    return list(range(0, top + 1, step))


def bars(
    labels: Sequence[str],
    name: str,
    values: Sequence[float],
    *,
    labelled_by: str,
    horizontal: bool = False,
    height: int = 320,
    whole: bool = False,
) -> Markup:
    """A bar chart of one series over `labels` (one colour: the table beside it names each
    bar's value). The bars run in the order of `labels`: left to right, or, for a horizontal
    chart, top to bottom, as the table beside it reads (pygal draws the first at the bottom).
    `whole`: the values count things (people), so the value axis has whole-number ticks."""
    if horizontal:
        labels, values = list(reversed(labels)), list(reversed(values))
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        js=[],
        css=[],
        disable_xml_declaration=True,
        show_legend=False,
        width=720,
        height=height,
        x_label_rotation=0 if horizontal else 30,
        truncate_label=-1,
        margin=16,
        print_values=False,
        no_data_text=gettext("No data"),
    )
    chart.x_labels = list(labels)
    if whole:
        chart.y_labels = whole_ticks(max(values, default=0))
    chart.add(name, list(values))
    return _clean(chart.render(is_unicode=True), labelled_by)
