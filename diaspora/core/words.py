"""Marks English text that people read, for the catalogues, without translating it here.

Services and models hold their messages in English, the source language, and import no Flask:
`N_("Select a country")` only marks the text for extraction (babel.cfg), and
`N_("Must be %(max)s characters or fewer", max=120)` keeps the values apart from the words, so
the page that shows it can translate the words and put the values back in
(`diaspora.languages.translated`). A `Words` is a `str` with the English text, so the API and
anything that reads it as text keep working unchanged.
"""

from datetime import date


class Words(str):
    """English text with its message id and values, translated where it is shown."""

    msgid: str
    values: dict[str, object]

    def __new__(cls, msgid: str, **values: object) -> "Words":
        english = {name: _english(value) for name, value in values.items()}
        text = super().__new__(cls, msgid % english if values else msgid)
        text.msgid = msgid
        text.values = values
        return text


class Month(date):
    """A month in a message ("March 2027"), not a day: shown in the reader's language."""

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month, 1)


def _english(value: object) -> object:
    """A date in a message reads "7 December 2026" in English, a month "December 2026"."""
    if isinstance(value, Month):
        return f"{value:%B %Y}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return value


def N_(msgid: str, **values: object) -> Words:
    return Words(msgid, **values)


def stored(text: object) -> object:
    """A message as a JSON column keeps it, to show later in whoever's language reads it: a
    `Words` as its message id and values (each kept the same way), other text as it is. Values
    must be text or numbers."""
    if isinstance(text, Words):
        return {"msgid": text.msgid, "values": {k: stored(v) for k, v in text.values.items()}}
    return text


def restored(data: object) -> object:
    """The message `stored` kept, a `Words` again."""
    if isinstance(data, dict) and "msgid" in data:
        return Words(data["msgid"], **{k: restored(v) for k, v in data.get("values", {}).items()})
    return data


class CountryName(str):
    """A country's English name that a page shows in the reader's language (CLDR)."""

    code: str

    def __new__(cls, code: str, english: str) -> "CountryName":
        name = super().__new__(cls, english)
        name.code = code
        return name


class LanguageName(CountryName):
    """A language's English name (by its ISO 639-3 code), shown in the reader's language."""
