"""The NHS.UK frontend macros' own words in the page's language.

The `nhsuk_frontend_jinja` macros write English of their own that people read or hear: the
hidden "Error:" before an error message, "Information:" in inset text, the header's "Menu",
pagination's "Previous page", the messages the character count and password scripts show. Our
templates never see those words, so `VendorWords` reads each vendor template's source as Jinja
loads it and wraps each English literal in a translation call: `default("Error")` becomes
`default(_("Error"))`, the text `Urgent advice` becomes `{{ _("Urgent advice") }}`. Jinja
compiles the result once; `_` runs at each render, so one compiled macro speaks every language.

`WORDS` lists every such literal (marked with `N_` for the catalogues); `PHRASES` rewrites the
few places where the vendor builds a sentence from parts, or leaves a script's message to its
English default, into one translatable sentence. tests/languages/test_vendor_words.py fails when
a vendor template has English outside both.
"""

import re
from collections.abc import Callable
from functools import lru_cache

from babel import Locale
from flask_babel import ngettext
from jinja2 import BaseLoader, Environment

from diaspora.core.words import N_
from diaspora.languages import DEFAULT_LANGUAGE, current_language

PREFIX = "nhsuk/"

# Every English literal of the vendor templates that reaches a page, as a quoted string in an
# expression or as text between tags.
WORDS = frozenset(
    {
        N_("Account"),
        N_("Back"),
        N_("Back to"),
        N_("Breadcrumb"),
        N_("Browse"),
        N_("Column headers are sortable"),
        N_("Contents"),
        N_("Copy code"),
        N_("do not"),
        N_("Error"),
        N_("Immediate action required"),
        N_("Important"),
        N_("Information"),
        N_("Menu"),
        N_("More"),
        N_("Non-urgent advice"),
        N_("Pages in this guide"),
        N_("Pagination"),
        N_("Search"),
        N_("Search the NHS website"),
        N_("Show"),
        N_("Show password"),
        N_("Skip to main content"),
        N_("Success"),
        N_("Support links"),
        N_("Urgent advice"),
    }
)

# The sentences PHRASES put in, marked here for the catalogues (the plural ones are in
# `_COUNT_MESSAGES`). A script's "%{count}" is put in as a value, so the translation keeps it.
PHRASE_WORDS = frozenset(
    {
        N_("Page %(number)s"),
        N_('Previous<span class="nhsuk-u-visually-hidden"> page</span>'),
        N_('Next<span class="nhsuk-u-visually-hidden"> page</span>'),
        N_("You can enter up to %(count)s characters"),
        N_("You can enter up to %(count)s words"),
        N_("You have 0 characters remaining"),
        N_("You have 0 words remaining"),
        N_("Hide"),
        N_("Hide password"),
        N_("Your password is visible"),
        N_("Your password is hidden"),
    }
)

COUNT = "%{count}"

# (template, vendor source, replacement): sentences built from parts, and the scripts' messages
# the vendor leaves to the script's English unless a page passes them (`nhsuk_script_words`).
PHRASES: tuple[tuple[str, str, str], ...] = (
    (
        "nhsuk/components/pagination/template.jinja",
        'default("Page " ~ item.number)',
        'default(_("Page %(number)s", number=item.number))',
    ),
    (
        "nhsuk/components/pagination/template.jinja",
        'Previous<span class="nhsuk-u-visually-hidden"> page</span>',
        """{{ _('Previous<span class="nhsuk-u-visually-hidden"> page</span>') }}""",
    ),
    (
        "nhsuk/components/pagination/template.jinja",
        'Next<span class="nhsuk-u-visually-hidden"> page</span>',
        """{{ _('Next<span class="nhsuk-u-visually-hidden"> page</span>') }}""",
    ),
    (
        "nhsuk/components/character-count/template.jinja",
        '"You can enter up to %{count} " ~ ("words" if countType == "words" else "characters")',
        f'(_("You can enter up to %(count)s words", count="{COUNT}") if countType == "words"'
        f' else _("You can enter up to %(count)s characters", count="{COUNT}"))',
    ),
    *(
        (
            "nhsuk/components/character-count/template.jinja",
            f'"messages": params.{param}\n',
            f'"messages": params.{param} or nhsuk_count_messages("{key}")\n',
        )
        for param, key in (
            ("charactersUnderLimitText", "characters-under-limit"),
            ("charactersOverLimitText", "characters-over-limit"),
            ("wordsUnderLimitText", "words-under-limit"),
            ("wordsOverLimitText", "words-over-limit"),
        )
    ),
    *(
        (
            "nhsuk/components/character-count/template.jinja",
            f'"message": params.{param}\n',
            f'"message": params.{param} or nhsuk_script_words(_("{english}"))\n',
        )
        for param, english in (
            ("charactersAtLimitText", "You have 0 characters remaining"),
            ("wordsAtLimitText", "You have 0 words remaining"),
        )
    ),
    *(
        (
            "nhsuk/components/password-input/template.jinja",
            f'"message": {given}\n',
            f'"message": {given} | default(nhsuk_script_words(_("{english}")), true)\n',
        )
        for given, english in (
            ("params.showPasswordText | default(params.button.text)", "Show"),
            ("params.hidePasswordText", "Hide"),
            (
                "params.showPasswordAriaLabel | default(params.showPasswordAriaLabelText)"
                " | default(params.button.ariaLabel)",
                "Show password",
            ),
            (
                "params.hidePasswordAriaLabel | default(params.hidePasswordAriaLabelText)",
                "Hide password",
            ),
            ("params.passwordShownAnnouncementText", "Your password is visible"),
            ("params.passwordHiddenAnnouncementText", "Your password is hidden"),
        )
    ),
)

# The character count script's messages, by the key its data-i18n attributes use.
_COUNT_MESSAGES: dict[str, Callable[[int], str]] = {
    "characters-under-limit": lambda n: ngettext(
        "You have %(count)s character remaining",
        "You have %(count)s characters remaining",
        n,
        count=COUNT,
    ),
    "characters-over-limit": lambda n: ngettext(
        "You have %(count)s character too many",
        "You have %(count)s characters too many",
        n,
        count=COUNT,
    ),
    "words-under-limit": lambda n: ngettext(
        "You have %(count)s word remaining", "You have %(count)s words remaining", n, count=COUNT
    ),
    "words-over-limit": lambda n: ngettext(
        "You have %(count)s word too many", "You have %(count)s words too many", n, count=COUNT
    ),
}


@lru_cache
def plural_samples(language: str) -> dict[str, int]:
    """A number for each of the language's CLDR plural categories ("one": 1, "few": 3 in
    Arabic), the categories the script picks a message by (`Intl.PluralRules`). A category no
    number below 1000 falls in (French "many", for millions) is left to the script's "other"."""
    rule = Locale.parse(language).plural_form
    samples: dict[str, int] = {}
    for number in range(1000):
        samples.setdefault(rule(number), number)
    return samples


def script_words(text: str) -> str | None:
    """A script's message for the markup (`nhsuk_script_words`): none on an English page, where
    the script's own English says the same in fewer bytes."""
    return None if current_language() == DEFAULT_LANGUAGE else text


def count_messages(key: str) -> dict[str, str]:
    """The character count script's message for `key`, in each plural form of the page's
    language (`nhsuk_count_messages`); none on an English page, as `script_words`."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return {}
    message = _COUNT_MESSAGES[key]
    return {category: message(n) for category, n in plural_samples(language).items()}


# Text between tags (or an attribute's value) in the vendor's markup.
_TEXT = re.compile(r'(?P<before>^|>|=")(?P<space>\s*)(?P<text>[^<>"{}]*?)(?=\s*(?:$|<|"))')


def _wrap_text(data: str) -> str:
    def wrap(match: re.Match) -> str:
        text = match["text"]
        if text not in WORDS:
            return match[0]
        return f'{match["before"]}{match["space"]}{{{{ _("{text}") }}}}'

    return _TEXT.sub(wrap, data)


def translate_source(environment: Environment, name: str, source: str) -> str:
    """The vendor template's source with each English literal in a translation call."""
    for template, english, replacement in PHRASES:
        if template == name:
            source = source.replace(english, replacement)
    # Each token is found in the source rather than the tokens joined: the lexer drops the
    # whitespace a "-" strips, and the source stays as it was but for the wrapped literals.
    pieces, position, last = [], 0, ("", "")
    for _line, kind, value in environment.lexer.tokeniter(source, name):
        start = source.index(value, position)
        pieces.append(source[position:start])
        position = start + len(value)
        if kind == "string" and value[1:-1] in WORDS and last != ("name", "_"):
            value = f"_({value})"
        elif kind == "data":
            value = _wrap_text(value)
        pieces.append(value)
        if kind != "whitespace" and (kind, value) != ("operator", "("):
            last = (kind, value)
    pieces.append(source[position:])
    return "".join(pieces)


class VendorWords(BaseLoader):
    """Loads the vendor templates (names under `nhsuk/`) through `loader`, their English
    literals wrapped in translation calls; anything else as `loader` gives it."""

    def __init__(self, loader: BaseLoader) -> None:
        self.loader = loader

    def get_source(self, environment: Environment, template: str):
        source, filename, uptodate = self.loader.get_source(environment, template)
        if template.startswith(PREFIX):
            source = translate_source(environment, template, source)
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.loader.list_templates()
