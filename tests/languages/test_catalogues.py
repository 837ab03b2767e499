"""The catalogues are complete: every message the code and templates mark is translated in every
shipped language, with nothing fuzzy or empty, and each translation keeps its placeholders.

Messages are extracted here with Babel's own extractor and babel.cfg, the way `pybabel extract`
finds them, so a message added to the source without its translations fails this test.
"""

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from diaspora.languages import DEFAULT_LANGUAGE, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
SHIPPED = sorted(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)


def _mapping():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        return parse_mapping_cfg(config)


@pytest.fixture(scope="module")
def source_messages() -> dict[str | tuple[str, ...], str]:
    method_map, options_map = _mapping()
    found: dict[str | tuple[str, ...], str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = tuple(message) if isinstance(message, tuple | list) else message
        if isinstance(key, tuple):
            key = key[:2]
        found.setdefault(key, filename)
    return found


def _catalogue(language: str):
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def test_the_source_has_messages_to_translate(source_messages):
    """The extraction itself works: it finds the layout's and the profile's messages."""
    assert "Skip to main content" in source_messages
    assert "Select how you are tied to the country" in source_messages  # an N_ in a service
    assert ("%(num)d year", "%(num)d years") in source_messages  # a plural


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_is_translated(language, source_messages):
    catalogue = _catalogue(language)
    missing = []
    for key, filename in source_messages.items():
        msgid = key[0] if isinstance(key, tuple) else key
        entry = catalogue.get(msgid)
        if entry is None or entry.fuzzy or not entry.string:
            missing.append(f"{filename}: {key!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            missing.append(f"{filename}: {key!r} (a plural form is empty)")
    assert not missing, f"untranslated in {language}:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", SHIPPED)
def test_no_fuzzy_or_empty_entries_and_placeholders_kept(language):
    catalogue = _catalogue(language)
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"
    # Babel's checks: the same %(name)s placeholders as the source, and the plural forms the
    # language has (six in Arabic).
    problems = [f"{message.id!r}: {errors}" for message, errors in catalogue.check() if errors]
    assert not problems, "\n".join(problems)
    plurals = [m for m in catalogue if m.id and isinstance(m.id, tuple | list)]
    assert plurals
    assert all(len(m.string) == catalogue.num_plurals for m in plurals)


def test_arabic_has_six_plural_forms():
    assert _catalogue("ar").num_plurals == 6
