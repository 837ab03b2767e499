"""The certificate of contribution as a PDF (fpdf2), with a QR code to its verification page.

Fonts: a Unicode TrueType font (DejaVu Sans, from Debian's fonts-dejavu-core) is embedded when
it is installed, else the PDF core font Helvetica (Latin-1 only). Either way, a character the
font cannot draw (e.g. Bengali script, which DejaVu lacks) is never sent to fpdf2: accented
letters lose their accents, typographic dashes and quotes become plain ones, and anything else
is left out. When a fact loses characters, the certificate says that the verification page
shows it in full (web pages draw every script). So no name ever makes the download fail.
"""

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# (regular, bold) pairs, first found wins.
FONT_CANDIDATES: tuple[tuple[Path, Path], ...] = (
    (DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"),
)

EVIDENCE_SENTENCE = (
    "The person named may use this certificate as supporting information for their appraisal "
    "and revalidation, for example as a record of continuing professional development. "
    "Whether it counts is for their appraiser and regulator to decide."
)
HOURS_SENTENCE = "The hours shown were logged by the person named and approved by the organisation."
NAME_UNSHOWN = "(the name is shown on the verification page)"
LOSSY_NOTE = (
    "Some words are written in a script this document cannot show. "
    "The verification page shows them in full."
)

_PLAIN = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u00a0": " ",
}
# Letters with no decomposition to a base letter; like accents dropped, these change the
# name, so the certificate points to the verification page for the original.
_LETTERS = {
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0126": "H",
    "\u0127": "h",
    "\u0131": "i",
    "\u0152": "OE",
    "\u0153": "oe",
}


@dataclass(frozen=True)
class CertificateFacts:
    """Everything the certificate says, as text (dates already in words)."""

    code: str
    person_name: str
    organisation_name: str
    country: str
    activity: str
    hours: str
    learners: str  # empty when none were reported
    dates: str
    issued: str
    verify_url: str
    issued_at: datetime | None = None  # the PDF's creation date, so downloads match


def long_date(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def date_range(starts_on: date | None, ends_on: date | None) -> str:
    if starts_on and ends_on and starts_on != ends_on:
        return f"{long_date(starts_on)} to {long_date(ends_on)}"
    if starts_on or ends_on:
        return long_date(starts_on or ends_on)
    return "Not recorded"


def drawable(text: str, covers: Callable[[str], bool]) -> tuple[str, bool]:
    """`text` with only the characters the font covers, and whether nothing was lost."""
    out = []
    complete = True
    for ch in text:
        if covers(ch):
            out.append(ch)
            continue
        plain = _PLAIN.get(ch)
        if plain is not None and all(covers(c) for c in plain):
            out.append(plain)
            continue
        complete = False
        base = _LETTERS.get(ch) or "".join(
            c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
        )
        if base and base != ch and all(covers(c) for c in base):
            out.append(base)
    result = " ".join("".join(out).split())
    for empty in ("()", "[]", "( )"):
        result = result.replace(empty, "")
    return " ".join(result.split()), complete


def core_font_covers(ch: str) -> bool:
    code = ord(ch)
    return 32 <= code <= 126 or 160 <= code <= 255


def available_fonts(candidates: Sequence[tuple[Path, Path]] = FONT_CANDIDATES):
    for regular, bold in candidates:
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    return None


def qr_png(url: str) -> io.BytesIO:
    """The QR code for `url`, as a PNG in memory."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


class _Certificate(FPDF):
    def para(self, height: float, text: str, align: str = "L") -> None:
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def __init__(self, fonts) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.lossy = False
        if fonts is not None:
            regular, bold = fonts
            self.add_font("body", "", str(regular))
            self.add_font("body", "B", str(bold))
            self.body_family = "body"
            cmap = set(self.fonts["body"].cmap) & set(self.fonts["bodyB"].cmap)
            self.covers = lambda ch: ord(ch) in cmap or ch in " \n"
        else:
            self.body_family = "helvetica"
            self.covers = core_font_covers

    def text_of(self, value: str) -> str:
        shown, complete = drawable(value, self.covers)
        if not complete:
            self.lossy = True
        return shown

    def centred(self, value: str, *, size: float = 12, bold: bool = False, gap: float = 2) -> None:
        self.set_font(self.body_family, "B" if bold else "", size)
        self.para(size * 0.5, self.text_of(value), align="C")
        self.ln(gap)

    def fact(self, label: str, value: str) -> None:
        self.set_font(self.body_family, "B", 11)
        self.cell(55, 7, label)
        self.set_font(self.body_family, "", 11)
        self.para(7, self.text_of(value))


def render(
    facts: CertificateFacts,
    *,
    fonts: tuple[Path, Path] | bool | None = True,
    compress: bool = True,
    service_name: str = "Diaspora health partnerships",
) -> bytes:
    """The certificate as PDF bytes. `fonts=True` finds a Unicode font (Helvetica if none);
    `fonts=None` forces Helvetica; `compress=False` leaves page content readable (for tests)."""
    chosen = available_fonts() if fonts is True else fonts
    pdf = _Certificate(chosen)
    pdf.set_compression(compress)
    pdf.set_title("Certificate of contribution")
    pdf.set_creator(service_name)
    if facts.issued_at is not None:
        pdf.set_creation_date(facts.issued_at)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    pdf.centred("Certificate of contribution", size=24, bold=True, gap=8)
    pdf.centred("This certifies that", size=12)
    name = pdf.text_of(facts.person_name)
    pdf.set_font(pdf.body_family, "B", 20)
    pdf.para(10, name if any(ch.isalnum() for ch in name) else NAME_UNSHOWN, align="C")
    pdf.ln(3)
    pdf.centred(f"contributed to the work of {facts.organisation_name}", size=12, gap=8)

    pdf.fact("Activity", facts.activity)
    pdf.fact("Organisation", facts.organisation_name)
    pdf.fact("Country", facts.country)
    pdf.fact("Approved hours", facts.hours)
    if facts.learners:
        pdf.fact("Learners reached", facts.learners)
    pdf.fact("Dates", facts.dates)
    pdf.fact("Issued", facts.issued)
    pdf.fact("Certificate code", facts.code)
    pdf.ln(4)

    pdf.set_font(pdf.body_family, "", 10)
    pdf.para(5, HOURS_SENTENCE)
    pdf.ln(2)
    pdf.para(5, EVIDENCE_SENTENCE)
    pdf.ln(4)

    top = pdf.get_y()
    pdf.image(qr_png(facts.verify_url), x=pdf.l_margin, y=top, w=35, h=35)
    pdf.set_xy(pdf.l_margin + 40, top + 4)
    pdf.set_font(pdf.body_family, "B", 10)
    pdf.para(5, "Check that this certificate is genuine")
    pdf.set_x(pdf.l_margin + 40)
    pdf.set_font(pdf.body_family, "", 10)
    pdf.para(5, f"Scan the QR code or go to {pdf.text_of(facts.verify_url)}")
    pdf.set_y(top + 40)

    if pdf.lossy:
        pdf.set_font(pdf.body_family, "", 9)
        pdf.para(5, LOSSY_NOTE)
    pdf.set_font(pdf.body_family, "", 9)
    pdf.para(5, service_name)
    return bytes(pdf.output())
