"""Jinja set-up: our templates first, then the NHS.UK frontend macros; filters for times."""

import json
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_babel import gettext
from flask_login import current_user
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from markupsafe import Markup

from diaspora.config import INSTANCE_DIR
from diaspora.core.time import as_utc, zone_of
from diaspora.languages import current_language, format_local
from diaspora.languages.vendor import VendorWords, count_messages, script_words
from diaspora.reference.places import time_zone_label
from diaspora.widgets import error_list

TEMPLATES_DIR = INSTANCE_DIR.parent / "templates"


def viewer_zone() -> ZoneInfo:
    return zone_of(getattr(current_user, "time_zone", None))


def local_datetime(value: datetime | None, fmt: str = "%-d %B %Y at %H:%M") -> str:
    """A UTC time from the database, shown in the viewer's time zone."""
    if value is None:
        return ""
    return format_local(as_utc(value).astimezone(viewer_zone()), fmt)


def local_time_zone_label(zone: str | None) -> str:
    """A zone's city and country in the reader's language: "Dacca, Bangladesh" in French."""
    return time_zone_label(zone, current_language())


# Stands for the CSRF token in a cached component; each page puts its own masked token there.
CSRF_SLOT = "__csrf_token__"


def component_cache(env: Environment, maxsize: int = 1024):
    """`nhsuk_component(name, params)`: an NHS.UK component macro rendered once per distinct
    params and language (the macro's own words are in the page's language). The header, footer
    and skip link macros were half of a simple page's rendering time and take the same params on
    most pages."""
    templates = {}

    @lru_cache(maxsize=maxsize)
    def render(language: str, name: str, params: str) -> Markup:
        if name not in templates:
            first, *rest = name.split("-")  # skip-link: the skipLink macro
            macro = first + "".join(word.title() for word in rest)
            templates[name] = env.from_string(
                f'{{% from "nhsuk/components/{name}/macro.jinja" import {macro} %}}'
                f"{{{{ {macro}(params) }}}}"
            )
        # The macro's own output, escaped by autoescape as it rendered.
        return Markup(templates[name].render(params=json.loads(params)))  # noqa: S704

    def nhsuk_component(name: str, params: dict) -> Markup:
        return render(current_language(), name, json.dumps(params, sort_keys=True))

    return nhsuk_component


def _escapes(template_name: str | None) -> bool:
    return not (template_name or "").endswith(".txt")


def init_templating(app: Flask) -> None:
    app.jinja_options = {
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [
                FileSystemLoader(str(TEMPLATES_DIR)),
                VendorWords(PackageLoader("nhsuk_frontend_jinja")),
            ]
        ),
        # HTML is escaped; plain-text emails are not (an apostrophe is not an entity there).
        "autoescape": _escapes,
    }
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["time_zone_label"] = local_time_zone_label
    app.jinja_env.globals["nhsuk_error_list"] = error_list
    app.jinja_env.globals["nhsuk_component"] = component_cache(app.jinja_env)
    app.jinja_env.globals["nhsuk_count_messages"] = count_messages
    app.jinja_env.globals["nhsuk_script_words"] = script_words
    app.jinja_env.globals["CSRF_SLOT"] = CSRF_SLOT

    @app.context_processor
    def _globals() -> dict:
        return {
            "service_name": gettext(app.config["SERVICE_NAME"]),
            "cspNonce": g.get("csp_nonce"),
        }
