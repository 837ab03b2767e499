"""The preferences form: for each kind of message, email at once, in the daily summary, a text
message, or the inbox only (the ways in `services.WAYS` open to the person). Also the form of an
organisation's text budget, which the administration page and the API both fill."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import NumberRange, Optional

from diaspora.languages import translated
from diaspora.notifications.budgets import MAX_BUDGET
from diaspora.notifications.kinds import KINDS
from diaspora.notifications.services import WAY_BY_VALUE, Preference, offered_ways
from diaspora.widgets import NhsukForm, WholeNumberField, options


class PreferencesForm(NhsukForm):
    """One radio group per registered kind; built per request from the kinds registry and the
    channels open to the person (`channels`)."""

    @classmethod
    def for_preferences(
        cls, prefs: list[Preference], channels: set[str], **kwargs
    ) -> "PreferencesForm":
        fields = {}
        for pref in prefs:
            ways = offered_ways(pref.kind, channels)
            if pref.choice not in {way.value for way in ways}:  # kept until changed
                ways.insert(-1, WAY_BY_VALUE[pref.choice])
            label = translated(pref.label)
            fields[pref.kind] = RadioField(
                label,
                description=translated(pref.hint),
                choices=options([(way.value, translated(way.label)) for way in ways]),
                default=pref.choice,
                invalid_choice_message=gettext(
                    "Select how you want messages about %(kind)s", kind=label.lower()
                ),
            )
        form_class = type("BoundPreferencesForm", (cls,), fields)
        return form_class(**kwargs)

    def choices(self) -> dict[str, str]:
        return {name: self[name].data for name in KINDS if name in self}


class TextBudgetForm(NhsukForm):
    """An organisation's monthly text budget, in segments: empty for the service's default,
    0 to send its texts by email instead."""

    segments = WholeNumberField(
        _l("Text message segments a month"),
        [
            Optional(),
            NumberRange(
                max=MAX_BUDGET,
                message=_l("The budget must be %(max)s segments or fewer", max=f"{MAX_BUDGET:,}"),
            ),
        ],
        message=_l("Enter the budget as a whole number of segments, like 500"),
        description=_l(
            "A text is one or two segments. Leave it empty for the service's default; "
            "0 turns this organisation's texts off (they go by email)."
        ),
    )
