"""The languages the service speaks: which one a page is in, and text, dates, numbers and place
names in it (Flask-Babel, with CLDR's data through Babel).

A page is in the person's chosen language (`User.language`), else the one a signed-out visitor
chose (the `language` cookie, never the URL), else the best match of the browser's
`Accept-Language`, else English. Emails are rendered in their recipient's language
(`diaspora.notifications.mail`), whoever caused them.
"""

from collections.abc import Mapping
from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal
from flask import Flask, has_request_context, request, url_for
from flask_babel import Babel, force_locale, get_locale, gettext, refresh
from flask_login import current_user
from markupsafe import Markup

from diaspora.core.words import CountryName, LanguageName, Month, Words
from diaspora.reference import catalogue
from diaspora.reference.places import country_name

# Each language named in itself, in the order the switcher lists them.
LANGUAGES: Mapping[str, str] = {
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "bn": "বাংলা",
}
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
COOKIE = "language"
COOKIE_MAX_AGE = 365 * 24 * 3600

__all__ = [
    "COOKIE",
    "LANGUAGES",
    "current_language",
    "force_locale",
    "init_languages",
    "language_of",
    "shipped",
    "text_direction",
    "translated",
]


def supported(code: str | None) -> str | None:
    return code if code in LANGUAGES else None


# Blueprints that answer in English whoever asks: the partner API's JSON (its problem bodies
# reuse the pages' forms, whose messages would otherwise follow the caller's setting).
ENGLISH_ONLY = frozenset({"api"})


def choose_language() -> str:
    """Setting, then cookie, then Accept-Language, then English (outside a request too: a
    command renders in English unless it names the language, as emails do). The API stays in
    English."""
    if not has_request_context() or request.blueprint in ENGLISH_ONLY:
        return DEFAULT_LANGUAGE
    chosen = supported(getattr(current_user, "language", None))
    if chosen:
        return chosen
    chosen = supported(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), DEFAULT_LANGUAGE)


def _choose_time_zone() -> str | None:
    return getattr(current_user, "time_zone", None) if has_request_context() else None


def current_language() -> str:
    """The language of the page or email being made: English outside a request."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def language_of(user: object) -> str:
    """The language a person reads their emails in."""
    return supported(getattr(user, "language", None)) or DEFAULT_LANGUAGE


def text_direction(language: str | None = None) -> str:
    return "rtl" if (language or current_language()) in RIGHT_TO_LEFT else "ltr"


def translated(text: object) -> str:
    """Text from a service or model in the reader's language: a marked `Words` is looked up
    with its values put back, each in the reader's language too (dates, names of countries and
    languages, professions, grades and skills, other marked words); anything else is shown as
    it is."""
    if isinstance(text, Words):
        if not text.values:
            return gettext(text.msgid)
        return gettext(text.msgid, **{name: _value(v) for name, v in text.values.items()})
    if isinstance(text, catalogue.Name):
        return text.in_language()
    if isinstance(text, LanguageName):
        return catalogue.language_names(current_language()).get(text.code, str(text))
    if isinstance(text, CountryName):
        return country_name(text.code, current_language()) or str(text)
    if isinstance(text, date):
        return str(_value(text))
    return "" if text is None else str(text)


def shipped(text: str | None) -> str:
    """Text the service ships in English and people may edit once stored (a plan template's
    name, say): in the reader's language when it is still the shipped text the catalogues
    translate, else as it was typed."""
    return gettext(text) if text else ""


def _value(value: object) -> object:
    if isinstance(value, Month):
        return format_local(value, "%B %Y")
    if isinstance(value, date):
        return format_local(value, "%-d %B %Y")
    if isinstance(value, str):
        return translated(value)
    return value


# Dates and times ------------------------------------------------------------------------------

# The strftime patterns the templates use, as CLDR widths: the words, the order and the digits
# then come from the locale ("7 décembre 2026", in Arabic and Bengali with their own digits).
_DATE_WIDTHS = {
    "%A %-d %B %Y": "full",
    "%-d %B %Y": "long",
    "%-d %b %Y": "medium",
    "%B %Y": "LLLL y",
}
_TIME_PATTERNS = {":%M:%S": "HH:mm:ss", ":%M": "HH:mm"}


def format_local(value: datetime | date, fmt: str) -> str:
    """`value` (already in the reader's zone) in the current language, in the width `fmt` names
    (a strftime pattern, as the English pages write it)."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return value.strftime(fmt)
    locale = Locale.parse(language)
    date_part, _, time_part = fmt.partition(" %H")
    date_part = date_part.removesuffix(" at")
    width = _DATE_WIDTHS.get(date_part.strip(), "long")
    day = format_date(value, width, locale=locale)
    if not time_part or not isinstance(value, datetime):
        return day
    time = format_time(value, _TIME_PATTERNS.get(time_part, "HH:mm"), locale=locale)
    return get_datetime_format("long", locale=locale).format(time, day)


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=current_language())


# The switcher --------------------------------------------------------------------------------

# Stands for the page's own path in the cached footer; each page puts its own there.
NEXT_SLOT = "__next_path__"


def language_links(current: str) -> list[dict]:
    """The footer's links to the other languages, each named in itself."""
    return [
        {
            "href": f"{url_for('languages.choose', to=code)}&next={NEXT_SLOT}",
            "text": name,
            "attributes": {"lang": code, "hreflang": code, "dir": text_direction(code)},
        }
        for code, name in LANGUAGES.items()
        if code != current
    ]


def language_choices(chosen: str | None) -> list[dict]:
    """Radios for the account setting: each language named in itself, in its own `lang` and
    direction."""
    return [
        {
            "value": code,
            "html": Markup('<span lang="{}" dir="{}">{}</span>').format(
                code, text_direction(code), name
            ),
            "checked": code == chosen,
        }
        for code, name in LANGUAGES.items()
    ]


# Set-up ---------------------------------------------------------------------------------------


def init_languages(app: Flask, translations_dir: str) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translations_dir
    Babel(app, locale_selector=choose_language, timezone_selector=_choose_time_zone)
    # Flask-Babel keeps the locale it chose on the application context, which outlives a request
    # when one was pushed beforehand (commands, tests): each request chooses again.
    app.before_request(refresh)
    # Names of professions, grades and skills show in the reader's language in every template.
    catalogue.Name.translate = gettext
    env = app.jinja_env
    env.globals["text_direction"] = text_direction
    env.globals["current_language"] = current_language
    env.globals["LANGUAGES"] = LANGUAGES
    env.globals["NEXT_SLOT"] = NEXT_SLOT
    env.globals["language_links"] = language_links
    env.globals["language_choices"] = language_choices
    env.filters["translated"] = translated
    env.filters["number"] = format_number
    env.filters["auto_dir"] = auto_dir


def auto_dir(text: object) -> Markup:
    """People's own text as typed, its direction found by the browser (`dir="auto"`)."""
    return Markup('<bdi dir="auto">{}</bdi>').format("" if text is None else text)
