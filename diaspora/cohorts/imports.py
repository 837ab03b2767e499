"""Reading a coordinator's spreadsheet of volunteers (CSV): plain Python, no Flask, no database.

The file is read whole, checked for its size, encoding (UTF-8, with or without the byte order
mark Excel writes) and number of rows, then parsed with the `csv` module. Every cell passes the
service's input filter (`core/input.py`: control characters, line breaks, sizes); a cell is
only ever data: nothing is evaluated, and text starting like a formula (`=`, `+`, `-`, `@`)
stays text (the report of problems writes it back through `core/spreadsheet.cell`).

Each row is checked on its own (name, email, profession, countries, languages, each matched
against the reference catalogues by name or code, in any case) and against the rows before it
(the same address twice). A row keeps every problem found, so a coordinator fixes them all at
once.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import pycountry

from diaspora.core.errors import DomainError
from diaspora.core.input import cleaned, field_problem
from diaspora.core.words import N_, Words
from diaspora.reference.catalogue import language_names, professions
from diaspora.reference.places import country_names

MAX_BYTES = 1_000_000  # "1 MB" on the page: under the request limit, with room for the form
MAX_ROWS = 2_000
COLUMNS = ("name", "email", "profession", "countries", "languages")
REQUIRED = ("name", "email")
LABELS = {
    "name": N_("Name"),
    "email": N_("Email address"),
    "profession": N_("Profession"),
    "countries": N_("Countries"),
    "languages": N_("Languages"),
}
LIMITS = {"name": 120, "email": 254, "profession": 100, "countries": 500, "languages": 500}
SEPARATOR = ";"
TEMPLATE = (
    COLUMNS,
    (
        "Ayesha Rahman",
        "ayesha.rahman@example.org",
        "Midwife",
        "Bangladesh; IN",
        "Bengali; syl; English",
    ),
)
BOM = b"\xef\xbb\xbf"
OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 (and UTF-32 LE, which starts the same)


class ImportFileError(DomainError):
    """The file as a whole cannot be read; `str()` says why, fit to show the coordinator."""


@dataclass
class Row:
    """One row of the file as read: the cells as text (with refused characters replaced, so
    they can be shown back), what they matched, and every problem found."""

    line: int  # the row's number in the spreadsheet, the header being row 1
    name: str = ""
    email: str = ""
    profession_text: str = ""
    countries_text: str = ""
    languages_text: str = ""
    profession: str | None = None  # catalogue code
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2
    languages: list[str] = field(default_factory=list)  # ISO 639-3
    problems: list[Words] = field(default_factory=list)

    @property
    def good(self) -> bool:
        return not self.problems


def template_csv() -> str:
    """The downloadable template: the header row and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(TEMPLATE)
    return out.getvalue()


# Matching names and codes against the catalogues -------------------------------------------------


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@cache
def _profession_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for profession in professions().values():
        index[_key(profession.code)] = profession.code
        index[_key(profession.name)] = profession.code
        index[_key(profession.code.replace("_", " "))] = profession.code
    return index


@cache
def _country_index() -> dict[str, str]:
    known = country_names()
    index: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 not in known:
            continue
        for text in (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ):
            if text:
                index.setdefault(_key(text), country.alpha_2)
    for code, name in known.items():
        index.setdefault(_key(name), code)
    return index


@cache
def _language_index() -> dict[str, str]:
    known = language_names()
    index: dict[str, str] = {}
    for code, name in known.items():
        index[_key(code)] = code
        index.setdefault(_key(name), code)
    for language in pycountry.languages:
        if language.alpha_3 in known and hasattr(language, "alpha_2"):
            index.setdefault(_key(language.alpha_2), language.alpha_3)
    return index


# The problem each list names for a part it does not know.
UNKNOWN = {
    "country": N_("Unknown country: %(value)s"),
    "language": N_("Unknown language: %(value)s"),
}


def _matched(text: str, index: dict[str, str], what: str, row: Row) -> list[str]:
    codes: list[str] = []
    for part in text.split(SEPARATOR):
        part = part.strip()
        if not part:
            continue
        code = index.get(_key(part))
        if code is None:
            row.problems.append(N_(UNKNOWN[what].msgid, value=part))
        elif code not in codes:
            codes.append(code)
    return codes


# Reading the file ---------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark; anything else is refused."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            N_(
                "The file is larger than %(size)s MB. "
                "Split it into files of at most %(rows)s rows.",
                size=MAX_BYTES // 1_000_000,
                rows=f"{MAX_ROWS:,}",
            )
        )
    if data.startswith(BOM):
        data = data[len(BOM) :]
    not_utf8 = N_(
        "The file is not saved as UTF-8. In Excel choose “CSV UTF-8 (Comma delimited)”, "
        "in Google Sheets download it as “Comma-separated values”, then upload it again."
    )
    if data.startswith(OTHER_BOMS):
        raise ImportFileError(not_utf8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFileError(not_utf8) from None
    if not text.strip():
        raise ImportFileError(
            N_(
                "The file is empty. "
                "Use the template: a header row, then one row for each volunteer."
            )
        )
    return text


def _header(cells: list[str]) -> list[str]:
    names = [_key(cell) for cell in cells]
    unknown = [
        cleaned(cell)
        for cell, name in zip(cells, names, strict=True)
        if name and name not in COLUMNS
    ]
    if unknown:
        raise ImportFileError(
            N_(
                "The first row must name the columns %(columns)s. "
                "It has a column this service does not know: %(column)s",
                columns=", ".join(COLUMNS),
                column=unknown[0][:50],
            )
        )
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        columns = ", ".join(COLUMNS)
        if len(missing) > 1:
            raise ImportFileError(
                N_(
                    "The first row must name the columns %(columns)s. "
                    "The %(first)s and %(second)s columns are missing.",
                    columns=columns,
                    first=missing[0],
                    second=missing[1],
                )
            )
        raise ImportFileError(
            N_(
                "The first row must name the columns %(columns)s. "
                "The %(column)s column is missing.",
                columns=columns,
                column=missing[0],
            )
        )
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ImportFileError(
            N_("The first row names the %(column)s column twice.", column=repeated[0])
        )
    return names


def _cell(row: Row, column: str, text: str) -> str:
    """The cell through the input filter: a problem is noted, the text kept without the
    refused characters; then surrounding spaces go."""
    problem = field_problem(LABELS[column], text, name=column == "name", limit=LIMITS[column])
    if problem:
        row.problems.append(problem)
        text = cleaned(text, name=column == "name")
    return text.strip()


def _read_row(
    line: int, names: list[str], cells: list[str], valid_email: Callable[[str], bool]
) -> Row:
    row = Row(line)
    if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names) :]):
        row.problems.append(N_("The row has more cells than the header row names"))
    values = {name: "" for name in COLUMNS}
    for name, text in zip(names, cells, strict=False):
        if name:
            values[name] = _cell(row, name, text)
    row.name = values["name"]
    row.email = values["email"].lower()
    row.profession_text = values["profession"]
    row.countries_text = values["countries"]
    row.languages_text = values["languages"]
    if not row.name:
        row.problems.append(N_("Name is missing"))
    if not row.email:
        row.problems.append(N_("Email address is missing"))
    elif not valid_email(row.email):
        row.problems.append(N_("Email address is not a valid email address"))
    if row.profession_text:
        row.profession = _profession_index().get(_key(row.profession_text))
        if row.profession is None:
            row.problems.append(N_("Unknown profession: %(value)s", value=row.profession_text))
    row.countries = _matched(row.countries_text, _country_index(), "country", row)
    row.languages = _matched(row.languages_text, _language_index(), "language", row)
    return row


def parse(data: bytes, valid_email: Callable[[str], bool]) -> list[Row]:
    """Every non-blank row of the file after the header, checked. Raises ImportFileError when
    the file as a whole cannot be used (size, encoding, header, number of rows)."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    first_line: dict[str, int] = {}
    try:
        names = _header(next(reader, []))
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank rows, as spreadsheets often leave at the end
            if len(rows) == MAX_ROWS:
                raise ImportFileError(
                    N_(
                        "The file has more than %(rows)s rows. Split it into smaller files.",
                        rows=f"{MAX_ROWS:,}",
                    )
                )
            row = _read_row(number, names, cells, valid_email)
            if row.email:
                if row.email in first_line:
                    row.problems.append(
                        N_("Same email address as row %(row)s", row=first_line[row.email])
                    )
                else:
                    first_line[row.email] = number
            rows.append(row)
    except csv.Error as error:
        raise ImportFileError(
            N_(
                "The file cannot be read as CSV near row %(row)s: %(error)s. "
                "Save it from your spreadsheet as CSV and upload it again.",
                row=reader.line_num,
                error=str(error),
            )
        ) from None
    if not rows:
        raise ImportFileError(N_("The file has a header row but no volunteers."))
    return rows
