"""The preferences form: for each kind of message, email at once, in the daily summary, a text
message, or the inbox only (the ways in `services.WAYS` open to the person)."""

from flask_babel import gettext
from wtforms import RadioField

from diaspora.languages import translated
from diaspora.notifications.kinds import KINDS
from diaspora.notifications.services import WAY_BY_VALUE, Preference, offered_ways
from diaspora.widgets import NhsukForm, options


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
