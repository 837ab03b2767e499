"""The NHS.UK macros' own words come out in the page's language (diaspora/languages/vendor.py).

Each vendor template is read as the service loads it, its English literals wrapped in translation
calls, and scanned the way tests/languages/test_template_text.py scans ours: text between tags,
attributes people read, phrases in expressions, and any literal given to `default(...)` or
starting with a capital. What is left must be named in NOT_PROSE, so a vendor upgrade that adds
English fails here until `WORDS` or `PHRASES` covers it. A page built of the macros is then
rendered in French and Arabic, and nothing of the vendor's English is left in it.
"""

import re
from pathlib import Path

import nhsuk_frontend_jinja
import pytest
from flask import render_template_string
from flask_babel import gettext, refresh
from jinja2 import Environment
from jinja2.ext import i18n

from diaspora.languages.vendor import PHRASE_WORDS, PHRASES, WORDS, translate_source
from tests.languages.test_template_text import untranslated

VENDOR = Path(nhsuk_frontend_jinja.__file__).parent / "templates"
VENDOR_NAMES = sorted(str(path.relative_to(VENDOR)) for path in VENDOR.rglob("*.jinja"))

# What the vendor writes that is not prose in a language: names, code and markup.
NOT_PROSE = {
    "nhsuk/template.jinja": {
        "NHS",  # the default page title, the brand's name (our pages give their own)
        # The inline script that marks the page as having JavaScript.
        *("document", "body", "className", "js", "enabled", "noModule", "in"),
        *("HTMLScriptElement", "prototype", "nhsuk", "frontend", "supported"),
    },
    "nhsuk/components/header/template.jinja": {"NHS"},  # the logo's name
    "nhsuk/components/footer/template.jinja": {"© NHS England"},  # the copyright holder
    "nhsuk/macros/i18n.jinja": {"data"},  # the data-i18n attribute's name
}

KEYWORD = re.compile(r"[a-z0-9#/_.:%{}\s-]*")  # class names, keys, URLs: not words
LETTER = re.compile(r"[^\W\d_]")


def _env() -> Environment:
    return Environment(extensions=[i18n], autoescape=True)  # only lexed, never rendered


def _literals(source: str) -> list[str]:
    """String literals people may read that no `_()` is given: any given to `default(...)`
    that is not a keyword or class name, and any starting with a capital."""
    tokens = [token for token in _env().lex(source) if token[1] != "whitespace"]
    found: list[str] = []
    in_default: list[bool] = []  # for each open parenthesis: is it default's?
    for index, (_line, kind, value) in enumerate(tokens):
        if (kind, value) == ("operator", "("):
            in_default.append(tokens[index - 1][2] == "default")
        elif (kind, value) == ("operator", ")") and in_default:
            in_default.pop()
        elif kind == "string":
            text = value[1:-1]
            given = tokens[index - 1][2] == "(" and tokens[index - 2][2] == "_"
            readable = (any(in_default) and not KEYWORD.fullmatch(text)) or text[:1].isupper()
            if readable and LETTER.search(text) and not given:
                found.append(text)
    return found


def english_left(source: str) -> set[str]:
    return set(untranslated(source)) | set(_literals(source))


def _vendor(name: str) -> str:
    return (VENDOR / name).read_text(encoding="utf-8")


def _loaded(name: str) -> str:
    return translate_source(_env(), name, _vendor(name))


def test_the_check_finds_the_vendors_english():
    assert "Error" in english_left(_vendor("nhsuk/components/error-message/template.jinja"))
    pagination = english_left(_vendor("nhsuk/components/pagination/template.jinja"))
    assert {"Previous", "page", "Pagination", "Page "} <= pagination
    assert "Urgent" in english_left(_vendor("nhsuk/components/card/template.jinja"))
    assert "Menu" in english_left(_vendor("nhsuk/components/header/template.jinja"))


@pytest.mark.parametrize("name", VENDOR_NAMES)
def test_no_vendor_english_is_left_untranslated(name):
    left = english_left(_loaded(name)) - NOT_PROSE.get(name, set())
    assert not left, f"{name}: add to WORDS or PHRASES in diaspora/languages/vendor.py"


def test_every_phrase_finds_its_place():
    """A vendor upgrade that changes a phrase's source fails here, not silently."""
    for name, english, replacement in PHRASES:
        assert english in _vendor(name), (name, english)
        assert replacement in _loaded(name)


def test_every_word_put_in_is_marked_for_the_catalogues():
    given = set()
    for name in VENDOR_NAMES:
        tokens = [token for token in _env().lex(_loaded(name)) if token[1] != "whitespace"]
        given |= {
            value[1:-1]
            for index, (_line, kind, value) in enumerate(tokens)
            if kind == "string" and tokens[index - 1][2] == "(" and tokens[index - 2][2] == "_"
        }
    assert given == WORDS | PHRASE_WORDS


PAGE = """{% extends "layouts/base.html" %}
{% from "nhsuk/components/error-summary/macro.jinja" import errorSummary %}
{% from "nhsuk/components/error-message/macro.jinja" import errorMessage %}
{% from "nhsuk/components/inset-text/macro.jinja" import insetText %}
{% from "nhsuk/components/warning-callout/macro.jinja" import warningCallout %}
{% from "nhsuk/components/pagination/macro.jinja" import pagination %}
{% from "nhsuk/components/character-count/macro.jinja" import characterCount %}
{% from "nhsuk/components/password-input/macro.jinja" import passwordInput %}
{% block pageTitle %}x{% endblock %}
{% block page %}
  {{ errorSummary({"titleText": "x", "errorList": [{"text": "y", "href": "#z"}]}) }}
  {{ errorMessage({"text": "y"}) }}
  {{ insetText({"text": "y"}) }}
  {{ warningCallout({"heading": "x", "text": "y"}) }}
  {{ pagination({"previous": {"href": "/p"}, "next": {"href": "/n"},
                 "items": [{"number": 1, "href": "/1"}]}) }}
  {{ characterCount({"name": "about", "maxlength": 300, "label": {"text": "x"}}) }}
  {{ passwordInput({"name": "secret", "label": {"text": "x"}}) }}
{% endblock %}"""

# The vendor's English on that page, each as the page writes it.
ENGLISH = {
    "Error": '<span class="nhsuk-u-visually-hidden">{}: </span>',
    "Information": '<span class="nhsuk-u-visually-hidden">{}: </span>',
    "Important": '<span class="nhsuk-u-visually-hidden">{}: </span>',
    "Pagination": 'aria-label="{}"',
    "Skip to main content": "{}",
    "Browse": '<span class="nhsuk-u-visually-hidden">{} </span>',
    "Show password": 'aria-label="{}"',
    "Your password is hidden": 'data-i18n.password-hidden-announcement="{}"',
}


def _render(app, language: str) -> tuple[str, dict[str, str]]:
    """The page in `language`, and the vendor's English words in it."""
    with app.test_request_context("/", headers={"Accept-Language": language}):
        refresh()  # the language is kept on the app context, which the test's requests share
        return render_template_string(PAGE), {english: gettext(english) for english in ENGLISH}


def test_an_english_page_has_the_vendors_english(app):
    page, _words = _render(app, "en")
    for english, written in ENGLISH.items():
        if "data-i18n" not in written:  # the script's own English serves English pages
            assert written.format(english) in page, english
    assert "data-i18n" not in page


@pytest.mark.parametrize(
    ("language", "error", "previous"),
    [("fr", "Erreur", "Précédente"), ("ar", "خطأ", "السابقة")],
)
def test_the_vendors_words_are_in_the_readers_language(app, language, error, previous):
    page, words = _render(app, language)
    assert f'<span class="nhsuk-u-visually-hidden">{error}: </span>' in page
    assert "Error:" not in page
    assert previous in page and "Previous" not in page and "Next<" not in page
    for english, written in ENGLISH.items():
        assert written.format(words[english]) in page, english
        if words[english] != english:
            assert written.format(english) not in page, english
    assert "You can enter up to" not in page and "characters remaining" not in page


def test_the_scripts_get_every_message_in_the_readers_language(app):
    """Every message the character count and password scripts show, in French in the markup,
    each plural form the script may pick included (Arabic has six)."""
    page, _words = _render(app, "fr")
    for name in ("character-count", "password-input"):
        source = _vendor(f"nhsuk/components/{name}/template.jinja")
        keys = set(re.findall(r'"key": "([a-z-]+)"', source)) - {"textarea-description"}
        for key in keys:
            assert f"data-i18n.{key}" in page, key
    assert 'data-i18n.characters-under-limit.other="Il vous reste %{count} caractères"' in page
    arabic, _words = _render(app, "ar")
    for form in ("zero", "one", "two", "few", "many", "other"):
        assert f"data-i18n.words-over-limit.{form}=" in arabic


def test_a_cached_component_follows_the_language(app):
    """The skip link is rendered once and kept, per language: never an English one in French."""
    template = '{{ nhsuk_component("skip-link", {"href": "#maincontent"}) }}'
    for language, words in (("en", "Skip to main content"), ("fr", "Aller au contenu principal")):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            refresh()
            assert words in render_template_string(template)
