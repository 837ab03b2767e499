"""The one filter every piece of text sent to the service passes, and the limits on requests.

Form fields pass it in `NhsukForm.process`, and so does every value of an API call, which the
API gives to the pages' forms; query strings and path values pass it in a hook before every
view as well. Text is refused when it holds:

- NUL, other control characters or lone surrogates (no database or page can hold them);
- line breaks or tabs, unless it is multi-line text (a text area);
- in names (of people, organisations, cohorts, titles): direction controls and zero-width
  characters, which make a name look like another or hide part of it;
- more characters than its field allows (a default cap when the field sets no length).
"""

import json
import re

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider

from diaspora.core.words import N_, Words

SINGLE_LINE_MAX = 500
MULTI_LINE_MAX = 10_000
NAME_MAX = 200
REPLACEMENT = "\ufffd"

_NEVER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]")

CONTROL = "must not contain control characters"
ONE_LINE = "must be on one line, without line breaks or tabs"
INVISIBLE = "must not contain invisible characters, like direction marks or zero-width spaces"


# The same problems as whole sentences naming a field, for the catalogues (pages show them in
# the reader's language; the API's messages stay in English).
FIELD_PROBLEMS = {
    CONTROL: N_("%(label)s must not contain control characters"),
    ONE_LINE: N_("%(label)s must be on one line, without line breaks or tabs"),
    INVISIBLE: N_(
        "%(label)s must not contain invisible characters, like direction marks or zero-width spaces"
    ),
}


def _cap(multiline: bool, name: bool, limit: int | None) -> int:
    if limit is None:
        return NAME_MAX if name else MULTI_LINE_MAX if multiline else SINGLE_LINE_MAX
    return limit


def text_problem(
    text: str, *, multiline: bool = False, name: bool = False, limit: int | None = None
) -> str | None:
    """What is wrong with `text`, as the end of a sentence naming the field; None if nothing.

    `limit` None: the default cap for the kind of text; 0: no cap (the caller checks length).
    """
    if _NEVER.search(text):
        return CONTROL
    if not multiline and _LINE_BREAKS.search(text):
        return ONE_LINE
    if name and _INVISIBLE.search(text):
        return INVISIBLE
    limit = _cap(multiline, name, limit)
    if limit and len(text) > limit:
        return f"must be {limit:,} characters or fewer"
    return None


def field_problem(
    label: str,
    text: str,
    *,
    multiline: bool = False,
    name: bool = False,
    limit: int | None = None,
) -> Words | None:
    """`text_problem` as a whole sentence naming the field by its `label`: "Full name must not
    contain control characters"; None if nothing is wrong."""
    problem = text_problem(text, multiline=multiline, name=name, limit=limit)
    if problem is None:
        return None
    if problem in FIELD_PROBLEMS:
        return N_(FIELD_PROBLEMS[problem].msgid, label=label)
    return N_(
        "%(label)s must be %(limit)s characters or fewer",
        label=label,
        limit=f"{_cap(multiline, name, limit):,}",
    )


def cleaned(text: str, *, multiline: bool = False, name: bool = False) -> str:
    """`text` with each character `text_problem` refuses replaced by U+FFFD: safe to show back
    (marking where the problem is) and to check further, and never blank where text was."""
    text = _NEVER.sub(REPLACEMENT, text)
    if not multiline:
        text = _LINE_BREAKS.sub(REPLACEMENT, text)
    if name:
        text = _INVISIBLE.sub(REPLACEMENT, text)
    return text


class JSONProvider(DefaultJSONProvider):
    """JSON nested deeper than Python's parser can follow is bad input (a 400), not a crash."""

    def loads(self, s: str | bytes, **kwargs):
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None


WEB_ADDRESS = N_("The web address")


def _check_request():
    """Refuse, before anything reads the request, what no view can use: a body over
    MAX_CONTENT_LENGTH (413; one of unknown length, sent in chunks, is read up to the limit,
    as Werkzeug would otherwise cut it short there without a word), a path value no address
    holds (404) and query-string text the filter refuses (400). A body of known length over
    the limit is refused by Werkzeug before it is read."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    chunked = request.content_length is None and "wsgi.input_terminated" in request.environ
    if chunked and limit and len(request.get_data(cache=True)) >= limit:
        abort(413)
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and text_problem(value, limit=0):
            abort(404)
    for key, values in request.args.lists():
        for text in (key, *values):
            problem = field_problem(WEB_ADDRESS, text)
            if problem:
                abort(400, problem)  # the page shows it in the reader's language


def register_input_checks(app: Flask) -> None:
    """Call before any extension registers its own hooks (CSRF reads the body): this runs first."""
    app.before_request(_check_request)
