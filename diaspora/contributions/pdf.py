"""The certificate of contribution as a PDF (fpdf2), with a QR code to its verification page.

Fonts: the Noto fonts shipped in `fonts/` (copied from Debian's fonts-noto-core, under the SIL
Open Font License: `fonts/OFL.txt`). Noto Sans draws Latin, Greek and Cyrillic; one family per
script (`SCRIPT_FACES`) draws the rest. A certificate loads only the families its text needs,
and fpdf2 embeds only the glyphs it draws, so a certificate stays small. HarfBuzz (uharfbuzz)
shapes the text: Bengali and Devanagari conjuncts and vowel signs, Arabic letters joined and
right-to-left text in the right order.

A character no shipped font draws (e.g. Linear B) is never sent to fpdf2: where a plain form can
be drawn it stands in (an accented letter without its accent), anything else is left out, and
the certificate then says that the verification page shows the words in full (web pages draw
every script). A name left with no letters reads "(the name is shown on the verification
page)". So no name ever makes the download fail.
"""

import functools
import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path(__file__).with_name("fonts")


@dataclass(frozen=True)
class Face:
    """A Noto family shipped in `fonts/`: `<family>-Regular.ttf`, and `-Bold.ttf` when `bold`."""

    family: str
    scripts: str
    bold: bool = True

    @property
    def files(self) -> dict[str, Path]:
        """fpdf2 style ("" or "B") -> file."""
        styles = {"": "Regular", "B": "Bold"} if self.bold else {"": "Regular"}
        return {style: FONT_DIR / f"{self.family}-{name}.ttf" for style, name in styles.items()}


BODY_FACE = Face("NotoSans", "Latin, Greek and Cyrillic")
# Searched in this order for a character Noto Sans lacks. Sinhala, Ethiopic, Telugu and
# Kannada ship without bold (their files are the largest): a bold name in those scripts is
# drawn in the regular weight.
SCRIPT_FACES: tuple[Face, ...] = (
    Face("NotoSansBengali", "Bengali"),
    Face("NotoNaskhArabic", "Arabic, Urdu and Persian"),
    Face("NotoSansDevanagari", "Devanagari (Hindi, Marathi, Nepali)"),
    Face("NotoSansGurmukhi", "Gurmukhi (Punjabi)"),
    Face("NotoSansGujarati", "Gujarati"),
    Face("NotoSansTamil", "Tamil"),
    Face("NotoSansMalayalam", "Malayalam"),
    Face("NotoSansSinhala", "Sinhala", bold=False),
    Face("NotoSansTelugu", "Telugu", bold=False),
    Face("NotoSansKannada", "Kannada", bold=False),
    Face("NotoSansEthiopic", "Ethiopic (Amharic, Tigrinya)", bold=False),
    Face("NotoSansThai", "Thai"),
    Face("NotoSansHebrew", "Hebrew"),
)


@functools.cache
def coverage(face: Face) -> frozenset[int]:
    """The code points every shipped style of `face` draws (read once per process)."""
    drawn: frozenset[int] | None = None
    for path in face.files.values():
        with TTFont(path, lazy=True) as font:
            cmap = frozenset(font.getBestCmap())
        drawn = cmap if drawn is None else drawn & cmap
    return drawn or frozenset()


def faces_for(texts: Iterable[str]) -> list[Face]:
    """The script faces needed for the characters of `texts` that Noto Sans lacks."""
    missing = {ord(ch) for text in texts for ch in text} - coverage(BODY_FACE)
    chosen = []
    for face in SCRIPT_FACES:
        if not missing:
            break
        if missing & coverage(face):
            chosen.append(face)
            missing -= coverage(face)
    return chosen


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


@dataclass(frozen=True)
class CertificateWords:
    """The certificate's own words, in English unless the caller gives them in the language of
    the person downloading it (`contributions.presenters.certificate_words`). `contributed` and
    `scan` hold `%(organisation)s` and `%(url)s`."""

    title: str = "Certificate of contribution"
    certifies: str = "This certifies that"
    contributed: str = "contributed to the work of %(organisation)s"
    activity: str = "Activity"
    organisation: str = "Organisation"
    country: str = "Country"
    hours: str = "Approved hours"
    learners: str = "Learners reached"
    dates: str = "Dates"
    issued: str = "Issued"
    code: str = "Certificate code"
    hours_sentence: str = HOURS_SENTENCE
    evidence_sentence: str = EVIDENCE_SENTENCE
    check: str = "Check that this certificate is genuine"
    scan: str = "Scan the QR code or go to %(url)s"
    name_unshown: str = NAME_UNSHOWN
    lossy_note: str = LOSSY_NOTE

    def texts(self) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in self.__dataclass_fields__)


ENGLISH = CertificateWords()


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


def qr_png(url: str) -> io.BytesIO:
    """The QR code for `url`, as a PNG in memory."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


class _Certificate(FPDF):
    def __init__(self, texts: Iterable[str]) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.lossy = False
        self.faces = faces_for(texts)
        for face in (BODY_FACE, *self.faces):
            for style, path in face.files.items():
                self.add_font(face.family, style, str(path))
        # A script shipped without bold draws a bold name in its regular weight.
        self.set_fallback_fonts([face.family for face in self.faces], exact_match=False)
        self.set_text_shaping(True)
        drawn = coverage(BODY_FACE).union(*(coverage(face) for face in self.faces))
        self.covers = lambda ch: ord(ch) in drawn or ch in " \n"

    def use_font(self, text: str, size: float, *, bold: bool = False) -> None:
        """Set the font for `text`: a script's own family when it draws all of `text` (so its
        spaces and joiners, ZWJ and ZWNJ, stay inside one shaped run: Sinhala's "ශ්‍රී" needs
        that), else Noto Sans, which hands each character it lacks to a script family."""
        face = BODY_FACE
        codes = {ord(ch) for ch in text}
        if not codes <= coverage(BODY_FACE):
            face = next((f for f in self.faces if codes <= coverage(f)), BODY_FACE)
        self.set_font(face.family, "B" if bold and face.bold else "", size)

    def para(self, height: float, text: str, align: str = "L") -> None:
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def text_of(self, value: str) -> str:
        shown, complete = drawable(value, self.covers)
        if not complete:
            self.lossy = True
        return shown

    def centred(self, value: str, *, size: float = 12, bold: bool = False, gap: float = 2) -> None:
        shown = self.text_of(value)
        self.use_font(shown, size, bold=bold)
        self.para(size * 0.5, shown, align="C")
        self.ln(gap)

    def fact(self, label: str, value: str) -> None:
        self.set_font(BODY_FACE.family, "B", 11)
        self.cell(55, 7, label)
        shown = self.text_of(value)
        self.use_font(shown, 11)
        self.para(7, shown)


def render(
    facts: CertificateFacts,
    *,
    compress: bool = True,
    service_name: str = "Diaspora health partnerships",
    words: CertificateWords = ENGLISH,
) -> bytes:
    """The certificate as PDF bytes. `compress=False` leaves page content readable (for tests)."""
    texts = (
        facts.person_name,
        facts.organisation_name,
        facts.country,
        facts.activity,
        facts.hours,
        facts.learners,
        facts.dates,
        facts.issued,
        facts.code,
        facts.verify_url,
        service_name,
        *words.texts(),
    )
    pdf = _Certificate(texts)
    pdf.set_compression(compress)
    pdf.set_title(words.title)
    pdf.set_creator(service_name)
    if facts.issued_at is not None:
        pdf.set_creation_date(facts.issued_at)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    pdf.centred(words.title, size=24, bold=True, gap=8)
    pdf.centred(words.certifies, size=12)
    name = pdf.text_of(facts.person_name)
    if not any(ch.isalnum() for ch in name):
        name = words.name_unshown
    pdf.use_font(name, 20, bold=True)
    pdf.para(10, name, align="C")
    pdf.ln(3)
    pdf.centred(words.contributed % {"organisation": facts.organisation_name}, size=12, gap=8)

    pdf.fact(words.activity, facts.activity)
    pdf.fact(words.organisation, facts.organisation_name)
    pdf.fact(words.country, facts.country)
    pdf.fact(words.hours, facts.hours)
    if facts.learners:
        pdf.fact(words.learners, facts.learners)
    pdf.fact(words.dates, facts.dates)
    pdf.fact(words.issued, facts.issued)
    pdf.fact(words.code, facts.code)
    pdf.ln(4)

    pdf.set_font(BODY_FACE.family, "", 10)
    pdf.para(5, words.hours_sentence)
    pdf.ln(2)
    pdf.para(5, words.evidence_sentence)
    pdf.ln(4)

    top = pdf.get_y()
    pdf.image(qr_png(facts.verify_url), x=pdf.l_margin, y=top, w=35, h=35)
    pdf.set_xy(pdf.l_margin + 40, top + 4)
    pdf.set_font(BODY_FACE.family, "B", 10)
    pdf.para(5, words.check)
    pdf.set_x(pdf.l_margin + 40)
    pdf.set_font(BODY_FACE.family, "", 10)
    pdf.para(5, words.scan % {"url": pdf.text_of(facts.verify_url)})
    pdf.set_y(top + 40)

    service = pdf.text_of(service_name)
    if pdf.lossy:
        pdf.set_font(BODY_FACE.family, "", 9)
        pdf.para(5, words.lossy_note)
    pdf.use_font(service, 9)
    pdf.para(5, service)
    return bytes(pdf.output())
