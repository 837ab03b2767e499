"""The text of a PDF as a reader copies it, for tests: pdfminer.six reads every glyph's text
(from the PDF's ToUnicode map), position and font; lines are rebuilt here from the glyphs.

Two things a PDF does not store are put back:
- A shaped cluster (a Bengali conjunct, a vowel sign drawn before its consonant) carries its text
  on one glyph; its other glyphs have none, and pdfminer names them "(cid:N)". They add no text.
- Glyphs are placed left to right on the page, so right-to-left text (Arabic, Urdu, Hebrew)
  comes out mirrored. Each line is turned back into reading order: a line with more
  right-to-left glyphs than left-to-right ones reads from the right, and a run of the other
  direction inside a line keeps its own order. The glyph's own text (a ligature's letters) is
  already in reading order, so only the glyphs are reordered.

fpdf2 maps each glyph to the characters it was shaped from, never to Arabic presentation forms,
so NFC is the only normalisation the tests need.
"""

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar

_NO_TEXT = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class Glyph:
    x0: float
    x1: float
    text: str  # "" for a glyph whose cluster's text is on another glyph
    font: str  # the embedded font's name, e.g. "ABCDEF+NotoSansBengali-Bold"
    size: float


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _direction(text: str) -> str:
    """ "R", "L" or "" (neutral: spaces, digits, punctuation) by the first strong character."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return ""


def _runs_reversed(glyphs: list[Glyph], direction: str) -> list[Glyph]:
    """`glyphs` with each run of `direction` (with the neutrals inside it) reversed."""
    out: list[Glyph] = []
    i = 0
    while i < len(glyphs):
        if _direction(glyphs[i].text) != direction:
            out.append(glyphs[i])
            i += 1
            continue
        end = i
        j = i + 1
        while j < len(glyphs) and _direction(glyphs[j].text) in (direction, ""):
            if _direction(glyphs[j].text) == direction:
                end = j
            j += 1
        out.extend(reversed(glyphs[i : end + 1]))
        i = end + 1
    return out


def reading_order(glyphs: list[Glyph]) -> str:
    """The text of one line's glyphs as it is read. The glyphs are put left to right; those
    at the same place (a letter and its mark) keep the order they were drawn in."""
    visual = sorted(glyphs, key=lambda g: round(g.x0, 1))
    spaced: list[Glyph] = []
    for glyph in visual:
        # Text drawn in separate cells (a label and its value) has a gap but no space glyph.
        if spaced and glyph.x0 - spaced[-1].x1 > glyph.size * 0.5:
            spaced.append(Glyph(spaced[-1].x1, glyph.x0, " ", "", glyph.size))
        spaced.append(glyph)
    kinds = [_direction(g.text) for g in spaced]
    if kinds.count("R") > kinds.count("L"):
        ordered = _runs_reversed(list(reversed(spaced)), "L")
    else:
        ordered = _runs_reversed(spaced, "R")
    return nfc(" ".join("".join(g.text for g in ordered).split()))


def _chars(item) -> Iterator[LTChar]:
    """The glyphs under `item` in the order the page draws them."""
    if isinstance(item, LTChar):
        yield item
    elif hasattr(item, "__iter__"):
        for child in item:
            yield from _chars(child)


def glyph_lines(body: bytes) -> list[list[Glyph]]:
    """Every line of every page, top to bottom, as its glyphs in the order they are drawn.
    A line is the glyphs on one baseline (pdfminer's own text boxes split a label from its
    value); a mark that HarfBuzz raised or lowered a little stays on its letter's line."""
    lines: list[list[Glyph]] = []
    for page in extract_pages(io.BytesIO(body)):
        by_baseline: dict[float, list[Glyph]] = {}
        for c in _chars(page):
            glyph = Glyph(c.x0, c.x1, _NO_TEXT.sub("", c.get_text()), c.fontname, c.size)
            y = c.matrix[5]
            line = next((key for key in by_baseline if abs(key - y) <= c.size * 0.2), y)
            by_baseline.setdefault(line, []).append(glyph)
        lines.extend(by_baseline[y] for y in sorted(by_baseline, reverse=True))
    return lines


def text_lines(body: bytes) -> list[str]:
    """Every text line of the PDF, in reading order and NFC."""
    return [reading_order(glyphs) for glyphs in glyph_lines(body)]
