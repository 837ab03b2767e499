"""No text people read is left outside a translation call in any template.

Every page and email template (a new one too: the list is read from the folder) must put every
word through `_()`, `ngettext()` or a translated value; ENGLISH_ONLY names the few left in
English and why.

Each template is read with Jinja's own lexer: the HTML between tags must hold no words once its
tags are taken away (attributes people read, such as `aria-label`, `title`, `alt` and
`placeholder`, count as text), and no string literal in an expression may be a phrase unless it
is the argument of a translation call.
"""

import html
import re
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.ext import i18n

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

# Templates left in English, each with the reason.
ENGLISH_ONLY = {
    # The partner API's reference for developers: the API, its field names and its messages
    # stay in English, and the page is mostly code.
    "api/reference.html": "the partner API's reference",
}
TEMPLATE_NAMES = sorted(
    str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*") if path.is_file()
)
MARKED = [name for name in TEMPLATE_NAMES if name not in ENGLISH_ONLY]
TRANSLATION_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
READ_ATTRIBUTES = re.compile(
    r"""\b(?:aria-label|title|alt|placeholder)\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL
)
TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
WORD = re.compile(r"[^\W\d_]{2,}")  # two letters of any script
PLAIN_WORD = re.compile(r"[^\W\d_]+[.,:;?!]?")  # a word, not a CSS class or an identifier


def is_phrase(text: str) -> bool:
    """Two or more plain words: "Sign in", but not "nhsuk-button nhsuk-button--secondary"."""
    return sum(1 for part in text.split() if PLAIN_WORD.fullmatch(part)) >= 2


def _env() -> Environment:
    return Environment(extensions=[i18n], autoescape=True)  # only lexed, never rendered


def untranslated(source: str) -> list[str]:
    """The text in a template's source that no translation call covers."""
    found: list[str] = []
    tokens = list(_env().lex(source))
    # The HTML with each expression and statement standing as one mark, so a tag whose
    # attributes hold expressions is still one tag.
    skeleton = []
    translated_at: set[int] = set()  # the string tokens given to a translation call
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "data":
            skeleton.append(value)
        elif kind in ("variable_begin", "block_begin"):
            skeleton.append("\x00")
        elif kind == "string" and is_phrase(value.strip("\"'")):
            # The tokens before the string name the call it is given to: `_(`, or the singular
            # just before it in `ngettext(singular, plural, n)`.
            before = [tok for tok in tokens[max(0, index - 3) : index] if tok[1] != "whitespace"]
            called = len(before) >= 2 and before[-1][2] == "(" and before[-2][1] == "name"
            plural = (
                len(before) >= 2
                and before[-1][2] == ","
                and tokens.index(before[-2], max(0, index - 3)) in translated_at
            )
            if (called and before[-2][2] in TRANSLATION_CALLS) or plural:
                translated_at.add(index)
            else:
                found.append(value.strip("\"'"))
    page = "".join(skeleton)
    for _quote, text in READ_ATTRIBUTES.findall(page):
        if WORD.search(text):
            found.append(text)
    found += WORD.findall(html.unescape(TAG.sub(" ", page)))
    return found


def test_the_check_finds_text_outside_translation_calls():
    assert untranslated("<p>Hello there</p>") == ["Hello", "there"]
    assert untranslated('{{ button({"text": "Sign in"}) }}') == ["Sign in"]
    assert untranslated('<a aria-label="Close menu" href="#">{{ _("Close") }}</a>') == [
        "Close menu"
    ]
    assert untranslated('<p>{{ _("Hello there") }}</p>{{ x(classes="a b-c") }}') == []
    assert untranslated("{# A comment for developers #}<p>{{ name }}.</p>") == []
    assert untranslated('{{ ngettext("%(num)d new message", "%(num)d new messages", n) }}') == []
    assert untranslated('{{ table(["Your name", "Your age"]) }}') == ["Your name", "Your age"]


@pytest.mark.parametrize("name", MARKED)
def test_marked_template_has_no_untranslated_text(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert untranslated(source) == [], f"{name} has text outside translation calls"


def test_the_english_only_templates_exist():
    assert all((TEMPLATES / name).is_file() for name in ENGLISH_ONLY)


SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))
SCRIPT_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""")
SCRIPT_COMMENT = re.compile(r"(?m)^\s*//.*$|\s//\s.*$")


def script_phrases(source: str) -> list[str]:
    """The phrases in a script's string literals, its comments left out."""
    code = SCRIPT_COMMENT.sub("", source)
    return [text for _quote, text in SCRIPT_STRING.findall(code) if is_phrase(text)]


def test_the_script_check_finds_phrases():
    assert script_phrases('// A comment\nshow("Try again later", x); // note\n') == [
        "Try again later"
    ]
    assert script_phrases('fetch(url, { method: "POST", credentials: "same-origin" });') == []


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_our_scripts_have_no_words_of_their_own(path):
    """What a script shows people comes from the page, in its language (passkeys.js reads its
    messages from the form's data- attributes)."""
    assert script_phrases(path.read_text(encoding="utf-8")) == []
