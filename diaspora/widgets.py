"""WTForms rendered through the NHS.UK frontend macros.

Forms declare ordinary WTForms fields; `NhsukMeta.render_field` picks the nhsuk macro that fits
each field, so no template builds form markup by hand. Keyword arguments given when rendering
(`form.email(autocomplete="email", hint="...")`) are merged into the macro's parameters.
"""

from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, Form, IntegerField, SelectChoice, SelectField, validators, widgets
from wtforms.i18n import messages_path
from wtforms.utils import unset_value

from diaspora.core.csrf import MaskedFormCSRF
from diaspora.core.errors import DomainError
from diaspora.core.input import cleaned, field_problem
from diaspora.core.words import N_
from diaspora.languages import current_language, translated
from diaspora.reference.places import UTC, is_time_zone, listed_time_zones, time_zone_groups

_MACROS = {
    "input": ("nhsuk/components/input/macro.jinja", "input"),
    "password": ("nhsuk/components/password-input/macro.jinja", "passwordInput"),
    "textarea": ("nhsuk/components/textarea/macro.jinja", "textarea"),
    "character_count": ("nhsuk/components/character-count/macro.jinja", "characterCount"),
    "select": ("nhsuk/components/select/macro.jinja", "select"),
    "radios": ("nhsuk/components/radios/macro.jinja", "radios"),
    "checkboxes": ("nhsuk/components/checkboxes/macro.jinja", "checkboxes"),
    "date": ("nhsuk/components/date-input/macro.jinja", "dateInput"),
}


def _call_macro(kind: str, params: dict[str, Any]) -> Markup:
    path, name = _MACROS[kind]
    macro = getattr(current_app.jinja_env.get_template(path).module, name)
    return macro(params)  # already Markup: the macro escapes what it is given


def _common(field: Field, overrides: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"id": field.id, "name": field.name}
    if field.description:
        params["hint"] = {"text": field.description}
    if field.errors:
        params["errorMessage"] = {"text": field.errors[0]}
    params.update(overrides)
    if isinstance(params.get("hint"), str):
        params["hint"] = {"text": params["hint"]}
    return params


def _label(field: Field, overrides: dict[str, Any]) -> dict[str, Any]:
    label = {"text": field.label.text}
    label.update(overrides.pop("label", {}))
    return label


def _choices(field: Field, selected_key: str) -> list[dict[str, Any]]:
    items = []
    for value, text, selected, _render_kw in field.iter_choices():
        items.append({"value": value, "text": text, selected_key: selected})
    return items


def render_input(field: Field, **overrides: Any) -> Markup:
    params = _common(field, overrides)
    params["label"] = _label(field, params)
    params.setdefault("value", field._value())
    params.setdefault("type", getattr(field.widget, "input_type", "text"))
    return _call_macro("input", params)


def render_password(field: Field, **overrides: Any) -> Markup:
    params = _common(field, overrides)
    params["label"] = _label(field, params)
    return _call_macro("password", params)  # a password is never echoed back


def render_textarea(field: Field, **overrides: Any) -> Markup:
    """With `maxlength`, the NHS character count: it tells how many characters are left."""
    params = _common(field, overrides)
    params["label"] = _label(field, params)
    params.setdefault("value", field._value())
    return _call_macro("character_count" if "maxlength" in params else "textarea", params)


def render_select(field: Field, **overrides: Any) -> Markup:
    params = _common(field, overrides)
    params["label"] = _label(field, params)
    if not field.has_groups():
        params.setdefault("items", _choices(field, "selected"))
        return _call_macro("select", params)
    # The nhsuk macro has no option groups: it draws the label, hint, error and an empty
    # select, and the groups go inside it.
    params["items"] = []
    head, tail = _call_macro("select", params).rsplit("</select>", 1)
    return head + _grouped_options(field) + Markup("</select>") + tail


def _grouped_options(field: SelectField) -> Markup:
    """Compact option markup, groups as `<optgroup>`: long lists stay small on the wire."""
    option = Markup('<option value="{}"{}>{}</option>')
    parts = []
    for group, choices in field.iter_groups():
        options_html = Markup("").join(
            option.format(value, Markup(" selected") if selected else "", text)
            for value, text, selected, _render_kw in choices
        )
        if group:
            options_html = Markup('<optgroup label="{}">{}</optgroup>').format(group, options_html)
        parts.append(options_html)
    return Markup("").join(parts)


def _fieldset(field: Field, params: dict[str, Any]) -> None:
    legend = {"text": field.label.text}
    legend.update(params.pop("legend", {}))
    params.pop("id")
    params["idPrefix"] = field.id
    params.setdefault("fieldset", {"legend": legend})


def render_radios(field: Field, **overrides: Any) -> Markup:
    params = _common(field, overrides)
    _fieldset(field, params)
    params.setdefault("items", _choices(field, "checked"))
    return _call_macro("radios", params)


def render_checkboxes(field: Field, **overrides: Any) -> Markup:
    params = _common(field, overrides)
    _fieldset(field, params)
    params.setdefault("items", _choices(field, "checked"))
    return _call_macro("checkboxes", params)


def render_checkbox(field: Field, **overrides: Any) -> Markup:
    """A single yes/no checkbox (BooleanField), shown as a one-item checkboxes group."""
    params = _common(field, overrides)
    params.pop("id")
    params["idPrefix"] = field.id
    item = {"value": "y", "text": field.label.text, "checked": bool(field.data)}
    if "hint" in params:
        item["hint"] = params.pop("hint")
    params.setdefault("items", [item])
    return _call_macro("checkboxes", params)


def render_date(field: "NhsDateField", **overrides: Any) -> Markup:
    """Day, month and year boxes in a fieldset. The day box carries the field's id, so the
    label-less error summary link lands on the first box; the group gets `<id>-date`."""
    params = _common(field, overrides)
    params.pop("name")
    legend = {"text": field.label.text}
    legend.update(params.pop("legend", {}))
    params["id"] = f"{field.id}-date"
    params.setdefault("fieldset", {"legend": legend})
    error_class = "nhsuk-input--error" if field.errors else ""
    shown = field.shown_parts()
    params.setdefault(
        "items",
        [
            {
                "id": field.id if part == "day" else f"{field.id}-{part}",
                "name": f"{field.name}-{part}",
                "label": str(DATE_PARTS[part]),
                "value": shown[part],
                "width": 4 if part == "year" else 2,
                "classes": error_class,
            }
            for part in NhsDateField.PARTS
        ],
    )
    return _call_macro("date", params)


DATE_PARTS = {"day": _l("Day"), "month": _l("Month"), "year": _l("Year")}
# What a date lacks when one or two of its boxes are empty, as whole sentences.
MISSING_PARTS = {
    ("day",): N_("%(name)s must include a day"),
    ("month",): N_("%(name)s must include a month"),
    ("year",): N_("%(name)s must include a year"),
    ("day", "month"): N_("%(name)s must include a day and month"),
    ("day", "year"): N_("%(name)s must include a day and year"),
    ("month", "year"): N_("%(name)s must include a month and year"),
}


def _renderer_for(field: Field):
    widget = field.widget
    if isinstance(widget, DateInput):
        return render_date
    if isinstance(widget, widgets.HiddenInput | widgets.SubmitInput):
        return None
    if isinstance(widget, widgets.PasswordInput):
        return render_password
    if isinstance(widget, widgets.TextArea):
        return render_textarea
    if isinstance(widget, widgets.CheckboxInput):
        return render_checkbox
    if isinstance(widget, widgets.ListWidget):
        is_radio = isinstance(widget, RadioList) or field.type == "RadioField"
        return render_radios if is_radio else render_checkboxes
    if isinstance(widget, widgets.Select):
        return render_select
    if isinstance(widget, widgets.Input):
        return render_input
    return None


class RadioList(widgets.ListWidget):
    """Marker widget: render a SelectField as nhsuk radios."""


class CheckboxList(widgets.ListWidget):
    """Marker widget for a SelectMultipleField shown as nhsuk checkboxes."""

    def __init__(self) -> None:
        super().__init__(prefix_label=False)


class DateInput:
    """Widget of NhsDateField: the nhsuk date input (day, month and year boxes)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        return render_date(field, **kwargs)


class NhsDateField(Field):
    """A local date typed as day, month and year, posted as `<name>-day`, `-month`, `-year`.

    Nothing typed leaves `data` None and `raw_data` empty, so `Optional()` and
    `InputRequired()` work as usual. What was typed is shown back even when it is not a date.
    """

    PARTS = ("day", "month", "year")
    widget = DateInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        invalid_message: str = _l("Enter a real date"),
        message_name: str | None = None,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message
        self.message_name = message_name  # how messages name the date; the label by default
        self.typed: dict[str, str] | None = None

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.typed = None
        if formdata is not None:
            self.typed = {
                part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in self.PARTS
            }
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist) -> None:
        if self.typed is None:
            return
        self.data = None
        if not any(self.typed.values()):
            self.raw_data = []
            return
        self.raw_data = ["-".join(self.typed[part] for part in ("year", "month", "day"))]
        missing = [part for part in self.PARTS if not self.typed[part]]
        if missing:
            name = self.message_name or self.label.text
            raise ValueError(gettext(MISSING_PARTS[tuple(missing)], name=name))
        if not all(self.typed[part].isdecimal() for part in self.PARTS):
            raise ValueError(self.invalid_message)
        if len(self.typed["year"]) != 4:
            raise ValueError(gettext("Year must include 4 numbers"))
        try:
            self.data = date(*(int(self.typed[part]) for part in ("year", "month", "day")))
        except ValueError as error:
            raise ValueError(self.invalid_message) from error

    def shown_parts(self) -> dict[str, str]:
        """What the boxes show: what was typed, else the stored date."""
        if self.typed is not None and any(self.typed.values()):
            return self.typed
        if isinstance(self.data, date):
            return {
                "day": str(self.data.day),
                "month": str(self.data.month),
                "year": str(self.data.year),
            }
        return dict.fromkeys(self.PARTS, "")

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, date) else ""


class WholeNumberField(IntegerField):
    """A whole number typed in a text box; left empty it is None. The numeric keypad opens on
    phones, without the spin buttons and scroll-wheel changes of `type=number`."""

    widget = widgets.TextInput()

    def __init__(self, label=None, validators=None, *, message: str, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "spellcheck": False})
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist) -> None:
        value = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not value:
            return
        if not value.isdecimal():
            raise ValueError(self.message)
        self.data = int(value)

    def pre_validate(self, form) -> None:
        """Not a whole number: its message alone, not also those of the limits it was not
        checked against."""
        if self.process_errors:
            raise validators.StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class NhsukMeta(FlaskForm.Meta):
    csrf_class = MaskedFormCSRF

    def get_translations(self, form: Form):
        """WTForms' own words in the reader's language, as Flask-WTF gives them, but read from
        disk once per language rather than once per request that makes a form."""
        locale = get_locale()
        if locale is None:  # no request: WTForms' English
            return super().get_translations(form)
        return _wtforms_translations(str(locale))

    def render_field(self, field: Field, render_kw: dict[str, Any]) -> Markup:
        renderer = _renderer_for(field)
        if renderer is None:
            return super().render_field(field, render_kw)
        return renderer(field, **render_kw)


class Name:
    """Marks a field as a name (of a person, organisation or cohort, or a title): invisible
    direction and zero-width characters are refused in it, as well as what every field refuses."""

    field_flags = {"name_text": True}

    def __call__(self, form: Form, field: Field) -> None:
        """The check itself is the input filter's, in `NhsukForm.process`."""


@cache
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _length_limit(field: Field) -> int | None:
    """0 when a Length validator of the field's own checks the length; else None (the
    filter's default cap)."""
    explicit = any(isinstance(v, validators.Length) and v.max >= 0 for v in field.validators or ())
    return 0 if explicit else None


def _filter_input(field: Field) -> None:
    """The input filter (diaspora.core.input) on what was sent for one field: a problem is
    the field's first error, and the field keeps the text without the refused characters,
    so it is shown back and checked further without harm."""
    multiline = isinstance(field.widget, widgets.TextArea)
    name = bool(field.flags.name_text)
    sent = [*(field.raw_data or ()), *(getattr(field, "typed", None) or {}).values()]
    for text in sent:
        if not isinstance(text, str):
            continue
        label = str(field.label.text).removesuffix(" " + gettext("(optional)"))
        problem = field_problem(
            label, text, multiline=multiline, name=name, limit=_length_limit(field)
        )
        if problem:
            field.process_errors = [translated(problem), *field.process_errors]
            break
    else:
        return

    def clean(value):
        return cleaned(value, multiline=multiline, name=name) if isinstance(value, str) else value

    field.raw_data = [clean(text) for text in field.raw_data or ()]
    if isinstance(field.data, list):
        field.data = [clean(value) for value in field.data]
    else:
        field.data = clean(field.data)
    if getattr(field, "typed", None):
        field.typed = {part: clean(text) for part, text in field.typed.items()}


class NhsukForm(FlaskForm):
    """Base for every form: CSRF from Flask-WTF, markup from the NHS.UK frontend, and the
    input filter on every field sent."""

    Meta = NhsukMeta

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs) -> None:
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        for field in self:
            _filter_input(field)

    def add_errors(self, errors: dict[str, str], *, default: str | None = None) -> None:
        """Put a `DomainError`'s messages on the fields they name, each once, in the reader's
        language. A name the form lacks ("" for the form as a whole) goes to the `default`
        field, or nowhere."""
        for name, words in errors.items():
            message = translated(words)
            field = self._fields.get(name) or self._fields.get(default or "")
            if field is not None and message not in field.errors:
                field.errors = [*field.errors, message]


def ticked_ids(field: Field) -> list[int] | None:
    """The ids ticked in a list of checkboxes, or None when one is not a number (a crafted
    request)."""
    values = field.data or []
    if not all(value.isdecimal() and len(value) < 12 for value in values):
        return None
    return [int(value) for value in values]


def refusal(error: DomainError) -> str:
    """A `DomainError`'s messages as one line in the reader's language, for a flash or a field."""
    return "; ".join(translated(words) for words in error.errors.values())


TIME_ZONE_PROBLEM = N_("Select a time zone from the list")


@cache
def _time_zone_choices(language: str) -> tuple[SelectChoice, ...]:
    """The zones, countries and cities named in `language` (CLDR)."""
    return (
        SelectChoice(UTC, gettext("UTC (Coordinated Universal Time)")),
        *(
            SelectChoice(zone, city, optgroup=country)
            for country, zones in time_zone_groups(language)
            for zone, city in zones
        ),
    )


class TimeZoneField(SelectField):
    """The one list of time zones every form uses: UTC, then each country (by name) with its
    zones named by their cities (`reference.places.time_zone_groups`). Only IANA names are
    accepted; an older name an account still holds (Asia/Calcutta) stays listed for it."""

    def __init__(self, label: str = _l("Time zone"), validators=None, **kwargs: Any) -> None:
        super().__init__(label, validators, validate_choice=False, **kwargs)

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        super().process(formdata, data, extra_filters)
        self.choices = list(_time_zone_choices(current_language()))
        if self.data not in listed_time_zones() and is_time_zone(self.data):
            self.choices.insert(0, SelectChoice(self.data, self.data.replace("_", " ")))

    def pre_validate(self, form: Form) -> None:
        if not self.process_errors and not is_time_zone(self.data):
            raise validators.StopValidation(translated(TIME_ZONE_PROBLEM))


def options(pairs: Iterable[tuple[str, str]], placeholder: str | None = None) -> list[SelectChoice]:
    """Choices for a select, radios or checkboxes, with an optional empty first option."""
    choices = [SelectChoice(value, label) for value, label in pairs]
    return [SelectChoice("", placeholder), *choices] if placeholder else choices


def error_list(form: Form) -> list[dict[str, str]]:
    """Items for the nhsuk error summary, each linking to its field."""
    items = []
    for field in form:
        if field.errors:
            items.append({"text": field.errors[0], "href": f"#{field.id}"})
    return items
