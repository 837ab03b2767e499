"""Facts shipped with the product: professions, grades, skills, regulators, the WHO list, languages.

Each data file in `data/` names its source in its header lines (starting with `#`). The names
people read (professions, grades and skills) are in English here, for stored codes' labels and
the API; the catalogues hold them in the other languages (`names.py`), and a page shows each
in its reader's language (`Name`).
"""

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

import pycountry
from babel import Locale
from markupsafe import Markup, escape

from diaspora.reference.places import collation_key

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


class Name(str):
    """A profession's, grade's or skill's English name. Python and the API read the English;
    a template shows it in the reader's language, as Jinja escapes it through `__html__` and
    `translate`, which `diaspora.languages` sets to its gettext."""

    translate: ClassVar[Callable[[str], str]] = str
    msgid: str
    changed: Callable[[str], str] | None = None

    def __new__(cls, english: str) -> "Name":
        name = super().__new__(cls, english)
        name.msgid = english
        return name

    def lowered(self, change: Callable[[str], str]) -> "Name":
        """The name as it reads inside a sentence ("neonatal resuscitation"), in English and,
        changed the same way, in the reader's language."""
        name = Name(change(self.msgid))
        name.msgid, name.changed = self.msgid, change
        return name

    def in_language(self) -> str:
        """The name in the reader's language (English outside a page)."""
        text = type(self).translate(self.msgid)
        return self.changed(text) if self.changed else text

    def __html__(self) -> Markup:
        return escape(self.in_language())


def _named(row: dict[str, str]) -> dict[str, str]:
    return {**row, "name": Name(row["name"])}


@dataclass(frozen=True)
class Profession:
    code: str
    name: str
    group: str
    regulator: str
    hcpc_prefix: str
    clinical: bool


@dataclass(frozen=True)
class Regulator:
    code: str
    name: str
    pattern: re.Pattern | None  # None: no source states the format, so any number is accepted
    example: str
    format_hint: str
    country: str = "GB"  # alpha-2: the UK's regulators, then home-country councils
    source: str = ""  # where the format was read, or the pages that did not state one

    @property
    def in_uk(self) -> bool:
        return self.country == "GB"


@cache
def professions() -> dict[str, Profession]:
    return {
        row["code"]: Profession(
            row["code"],
            Name(row["name"]),
            row["group"],
            row["regulator"],
            row["hcpc_prefix"],
            row["clinical"] == "yes",
        )
        for row in _rows("professions.csv")
    }


@cache
def grades() -> dict[str, dict[str, str]]:
    return {row["code"]: _named(row) for row in _rows("grades.csv")}


@cache
def skills() -> dict[str, dict[str, str]]:
    return {row["code"]: _named(row) for row in _rows("skills.csv")}


@cache
def regulators() -> dict[str, Regulator]:
    return {
        row["code"]: Regulator(
            row["code"],
            row["name"],
            re.compile(row["pattern"]) if row["pattern"] else None,
            row["example"],
            row["format_hint"],
            row["country"],
            row["source"],
        )
        for row in _rows("regulators.csv")
    }


@cache
def who_safeguards_list() -> frozenset[str]:
    """Alpha-2 codes of the WHO Health Workforce Support and Safeguards List countries."""
    return frozenset(row["iso2"] for row in _rows("who_safeguards_2023.csv"))


def on_safeguards_list(country: str | None) -> bool:
    return (country or "") in who_safeguards_list()


# Spoken widely in partner countries but without an ISO 639-1 code: Sylheti, Chittagonian, Twi,
# Krio, Nigerian Pidgin, Saraiki, Ilocano, Cebuano (Cebuano has one; listed for clarity).
EXTRA_LANGUAGES = {"syl", "ctg", "twi", "kri", "pcm", "skr", "ilo", "ceb"}


@cache
def languages() -> list[tuple[str, str]]:
    """(ISO 639-3 code, English name): the ISO 639-1 languages plus widely spoken extras."""
    pairs = {
        (lang.alpha_3, lang.name)
        for lang in pycountry.languages
        if hasattr(lang, "alpha_2") or lang.alpha_3 in EXTRA_LANGUAGES
    }
    return sorted(pairs, key=lambda pair: pair[1])


@cache
def language_names(language: str = "en") -> dict[str, str]:
    """Each listed language's name: in English (ISO 639), or in `language` from CLDR where it
    names it (by its ISO 639-1 code, else its ISO 639-3 code), else in English."""
    english = dict(languages())
    if language == "en":
        return english
    cldr = Locale.parse(language).languages
    names = {}
    for code, name in english.items():
        entry = pycountry.languages.get(alpha_3=code)
        short = getattr(entry, "alpha_2", None)
        names[code] = cldr.get(short or code) or cldr.get(code) or name
    return names


@cache
def localised_languages(language: str) -> list[tuple[str, str]]:
    """(ISO 639-3 code, name in `language`), sorted by that name."""
    if language == "en":
        return languages()
    names = language_names(language)
    return sorted(names.items(), key=lambda pair: collation_key(pair[1]))
