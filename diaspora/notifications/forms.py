"""The preferences form: for each kind of message, email at once, in the daily summary, or not."""

from wtforms import RadioField

from diaspora.notifications.kinds import KINDS
from diaspora.notifications.services import Preference
from diaspora.widgets import NhsukForm, options

IMMEDIATE = ("immediate", "Email me straight away")
DIGEST = ("digest", "Put it in my daily summary email (sent at 9am)")
OFF = ("off", "No email (it still appears in your messages)")


class PreferencesForm(NhsukForm):
    """One radio group per registered kind; built per request from the kinds registry."""

    @classmethod
    def for_preferences(cls, prefs: list[Preference], **kwargs) -> "PreferencesForm":
        fields = {}
        for pref in prefs:
            choices = [IMMEDIATE, DIGEST, OFF] if pref.can_digest else [IMMEDIATE, OFF]
            fields[pref.kind] = RadioField(
                pref.label,
                description=pref.hint,
                choices=options(choices),
                default=pref.choice,
                invalid_choice_message=f"Select how you want emails about {pref.label.lower()}",
            )
        form_class = type("BoundPreferencesForm", (cls,), fields)
        return form_class(**kwargs)

    def choices(self) -> dict[str, str]:
        return {name: self[name].data for name in KINDS if name in self}
