"""The certificate PDF prints names and other facts in every script the shipped Noto fonts
cover, shaped by HarfBuzz, and says so when a script is not covered. The text is checked as a
reader copies it out of the PDF (tests/contributions/pdftext.py)."""

import re
from collections import Counter

import pytest

from diaspora.contributions import codes, pdf
from tests.contributions.pdftext import glyph_lines, nfc, reading_order, text_lines

BENGALI = "রহিম উদ্দিন"
ARABIC = "محمد عبد الله"
URDU = "عائشہ پروین"
DEVANAGARI = "अनीता शर्मा"
LATIN = "Zoë Łukasz Nguyễn Thị Đặng"

# (name, the family that must draw its letters)
NAMES = [
    (BENGALI, "NotoSansBengali"),
    (ARABIC, "NotoNaskhArabic"),
    (URDU, "NotoNaskhArabic"),
    ("علی‌رضا احمدی", "NotoNaskhArabic"),  # Persian, with a zero-width non-joiner
    (DEVANAGARI, "NotoSansDevanagari"),
    (LATIN, "NotoSans"),
    ("Νίκος Παπαδόπουλος", "NotoSans"),
    ("Олена Шевченко", "NotoSans"),
    ("ਹਰਪ੍ਰੀਤ ਕੌਰ", "NotoSansGurmukhi"),
    ("પ્રિયા પટેલ", "NotoSansGujarati"),
    ("முருகன் சுப்பிரமணியம்", "NotoSansTamil"),
    ("അനു ജോസഫ്", "NotoSansMalayalam"),
    ("ශ්‍රී ලංකා පෙරේරා", "NotoSansSinhala"),  # "Sri" joins through a zero-width joiner
    ("వెంకట రావు", "NotoSansTelugu"),
    ("ರಾಘವೇಂದ್ರ", "NotoSansKannada"),
    ("ሰላም ተስፋዬ", "NotoSansEthiopic"),
    ("สมชาย ใจดี", "NotoSansThai"),
    ("שרה לוי", "NotoSansHebrew"),
]


def _facts(name: str = "Nadia Rahman", **fields) -> pdf.CertificateFacts:
    values = {
        "code": codes.new_code(),
        "person_name": name,
        "organisation_name": "Sylhet MAG Osmani Medical College",
        "country": "Bangladesh",
        "activity": "Tele-teaching session: Neonatal care",
        "hours": "2 hours",
        "learners": "",
        "dates": "3 March 2026",
        "issued": "4 March 2026",
        "verify_url": "http://localhost/certificates/X",
    } | fields
    return pdf.CertificateFacts(**values)


def _family(font: str) -> str:
    """The family of an embedded font: "MPDFAA+NotoSansBengaliBold" -> "NotoSansBengali"."""
    return font.split("+")[-1].removesuffix("Bold")


def _name_line(body: bytes) -> list:
    """The glyphs of the line after "This certifies that"."""
    lines = glyph_lines(body)
    texts = [reading_order(line) for line in lines]
    return lines[texts.index("This certifies that") + 1]


@pytest.mark.parametrize(("name", "family"), NAMES, ids=[family for _, family in NAMES])
def test_a_name_in_any_covered_script_is_printed_as_typed(name, family):
    body = pdf.render(_facts(name))
    lines = text_lines(body)
    assert nfc(name) in lines, lines[:4]
    assert pdf.NAME_UNSHOWN not in lines
    assert not any("verification page shows them" in line for line in lines)
    # Every letter of the name is drawn by its script's family (none by a box for a missing
    # glyph): the fonts used on the name's line are that family (and Noto Sans for spaces).
    letters = [g for g in _name_line(body) if g.text.strip()]
    assert {_family(g.font) for g in letters} == {family}


@pytest.mark.parametrize("name", [ARABIC, URDU], ids=["arabic", "urdu"])
def test_right_to_left_names_run_from_the_right(name):
    """Independent of the reading-order helper: on the page, the name's first letter is the
    rightmost glyph and its last letter the leftmost."""
    glyphs = [g for g in _name_line(pdf.render(_facts(name))) if g.text.strip()]
    by_x = sorted(glyphs, key=lambda g: g.x0)
    assert by_x[-1].text[0] == name[0]
    assert by_x[0].text[-1] == name[-1]


def test_bengali_conjuncts_are_shaped():
    """দ্দ (da, virama, da) becomes one conjunct glyph only when HarfBuzz shapes the text;
    unshaped, each of the three characters would be a glyph of its own."""
    texts = [g.text for g in _name_line(pdf.render(_facts(BENGALI)))]
    assert any("দ্দ" in text for text in texts), texts


def test_arabic_letters_join():
    """A letter written three times in a row takes its initial, medial and final forms: three
    different glyphs in the embedded font. Unshaped, all three would be the same glyph."""
    body = pdf.render(_facts("ممم"), compress=False)
    glyphs = [g for g in _name_line(body) if g.text == "م"]
    assert len(glyphs) == 3
    widths = {round(g.x1 - g.x0, 2) for g in glyphs}
    assert len(widths) > 1, widths


def test_other_facts_in_any_script_are_printed():
    facts = _facts(
        BENGALI,
        organisation_name="ঢাকা মেডিকেল কলেজ",
        activity="Tele-teaching session: নবজাতকের যত্ন",
        country="বাংলাদেশ",
        dates="৩ মার্চ ২০২৬",
    )
    lines = text_lines(pdf.render(facts))
    for expected in (
        BENGALI,
        "contributed to the work of ঢাকা মেডিকেল কলেজ",
        "Organisation ঢাকা মেডিকেল কলেজ",
        "Activity Tele-teaching session: নবজাতকের যত্ন",
        "Country বাংলাদেশ",
        "Dates ৩ মার্চ ২০২৬",
    ):
        assert nfc(expected) in lines, (expected, lines)


def test_right_to_left_organisation_within_an_english_sentence():
    lines = text_lines(pdf.render(_facts(ARABIC, organisation_name="مستشفى الأمل")))
    assert nfc("contributed to the work of مستشفى الأمل") in lines
    assert nfc("Organisation مستشفى الأمل") in lines


def test_a_name_in_scripts_of_its_own_mixes_fonts():
    name = "Zo\u00eb \u0141ukasz \u2013 \u201cDr\u201d নাদিয়া"
    body = pdf.render(_facts(name))
    assert nfc(name) in text_lines(body)
    families = Counter(_family(g.font) for g in _name_line(body) if g.text.strip())
    assert set(families) == {"NotoSans", "NotoSansBengali"}


def test_an_uncovered_script_keeps_what_can_be_shown():
    """Linear B has no shipped font: its characters are left out, the rest is printed, and
    the certificate points to the verification page."""
    lines = text_lines(pdf.render(_facts("\U00010000\U00010001 Nadia")))
    assert "Nadia" in lines
    assert pdf.NAME_UNSHOWN not in lines
    assert any("verification page shows them in full" in line for line in lines)


def test_a_name_wholly_in_an_uncovered_script_points_to_the_verification_page():
    lines = text_lines(pdf.render(_facts("\U00010000\U00010001\U00010002")))
    assert pdf.NAME_UNSHOWN in lines
    assert any("verification page shows them in full" in line for line in lines)


def test_a_certificate_embeds_only_the_fonts_it_needs():
    latin = pdf.render(_facts(), compress=False)
    fonts = set(re.findall(rb"/BaseFont /[A-Z]{6}\+(\w+)", latin))
    assert fonts == {b"NotoSans", b"NotoSansBold"}

    many = pdf.render(
        _facts(BENGALI, organisation_name=ARABIC, activity=DEVANAGARI), compress=False
    )
    fonts = set(re.findall(rb"/BaseFont /[A-Z]{6}\+(\w+)", many))
    assert {_family(f.decode()) for f in fonts} == {
        "NotoSans",
        "NotoSansBengali",
        "NotoNaskhArabic",
        "NotoSansDevanagari",
    }


def test_a_certificate_in_several_scripts_stays_small():
    """fpdf2 embeds only the glyphs drawn, so four scripts cost tens of kilobytes, not the
    megabytes of the font files."""
    body = pdf.render(_facts(BENGALI, organisation_name=ARABIC, activity=DEVANAGARI))
    assert len(body) < 100_000
    assert sum(path.stat().st_size for path in pdf.FONT_DIR.glob("*.ttf")) > 1_000_000


def test_faces_are_chosen_by_the_characters_of_the_text():
    assert pdf.faces_for(["Nadia Rahman", "Zoë Łukasz", "Олена"]) == []
    assert [f.family for f in pdf.faces_for([BENGALI, "Dhaka"])] == ["NotoSansBengali"]
    assert [f.family for f in pdf.faces_for([URDU, DEVANAGARI])] == [
        "NotoNaskhArabic",
        "NotoSansDevanagari",
    ]
    assert pdf.faces_for(["\U00010000"]) == []


def test_every_shipped_font_file_is_used_and_licensed():
    faces = (pdf.BODY_FACE, *pdf.SCRIPT_FACES)
    used = {path.name for face in faces for path in face.files.values()}
    shipped = {path.name for path in pdf.FONT_DIR.glob("*.ttf")}
    assert used == shipped
    licence = (pdf.FONT_DIR / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    for name in shipped:
        assert f"{name}: Copyright" in licence


def test_drawable_keeps_what_the_font_can_draw():
    def latin1(ch: str) -> bool:
        return 32 <= ord(ch) <= 126 or 160 <= ord(ch) <= 255

    assert pdf.drawable("Zo\u00eb \u0141ukasz \u2013 O\u2019Neil", latin1) == (
        "Zoë Lukasz - O'Neil",
        False,
    )
    assert pdf.drawable("Nadia Rahman", latin1) == ("Nadia Rahman", True)
    assert pdf.drawable("নাদিয়া (Nadia)", latin1) == ("(Nadia)", False)
    assert pdf.drawable("Nadia (নাদিয়া)", latin1) == ("Nadia", False)
