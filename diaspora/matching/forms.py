"""The matching forms: the recommendations' filters, the alert setting, an invitation's message,
a coordinator's proposal of a cohort member, and the bare forms behind the buttons (they carry
the CSRF token and nothing else worth validating)."""

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from diaspora.auth.models import User
from diaspora.languages import current_language, translated
from diaspora.matching import invitations
from diaspora.matching.models import AlertFrequency
from diaspora.matching.services import NO_ALERTS, Filters
from diaspora.opportunities.models import KIND_LABELS, MODALITY_LABELS, Opportunity
from diaspora.reference.places import countries
from diaspora.widgets import NhsukForm, options


class FilterForm(NhsukForm):
    """Narrow the recommendations: a GET form (it changes nothing, so it carries no token)."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Kind"),
        choices=[],
        validators=[Optional()],
    )
    country = SelectField(
        _l("Country"),
        choices=[],
        validators=[Optional()],
    )
    modality = SelectField(
        _l("How people take part"),
        choices=[],
        validators=[Optional()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The choices and messages in the reader's language, countries as CLDR names them;
        the messages as plain text, as the API joins them too."""
        super().__init__(*args, **kwargs)
        self.kind.invalid_choice_message = gettext("Select a kind from the list")
        self.country.invalid_choice_message = gettext("Select a country from the list")
        self.modality.invalid_choice_message = gettext("Select how people take part from the list")
        self.kind.choices = options(
            ((k.value, translated(label)) for k, label in KIND_LABELS.items()),
            gettext("Any kind"),
        )
        self.country.choices = options(countries(current_language()), gettext("Any country"))
        self.modality.choices = options(
            ((m.value, translated(label)) for m, label in MODALITY_LABELS.items()),
            gettext("Remotely or on site"),
        )

    def filters(self) -> Filters:
        return Filters(
            kind=self.kind.data or None,
            country=self.country.data or None,
            modality=self.modality.data or None,
        )


ALERT_LABELS = [
    (AlertFrequency.IMMEDIATE, _l("Yes, tell me at once")),
    (AlertFrequency.WEEKLY, _l("Yes, in a weekly digest on Mondays")),
    (NO_ALERTS, _l("No alerts")),
]


class AlertForm(NhsukForm):
    alerts = RadioField(
        _l("Tell me about new opportunities that match me strongly"),
        choices=options(ALERT_LABELS),
        default=NO_ALERTS,
        invalid_choice_message=_l("Select whether you want alerts"),
    )


class InviteForm(NhsukForm):
    """The inviter's optional message; the service checks the same limit again."""

    message_max = invitations.MESSAGE_MAX

    message = TextAreaField(
        _l("Message (optional)"),
        description=_l("Say why you think they could help. They see it with your invitation."),
    )

    def validate_message(self, field) -> None:
        problem = invitations.message_problem(field.data)
        if problem:
            raise ValidationError(translated(problem))


class ButtonForm(NhsukForm):
    """A button's form: the CSRF token only."""


class ProposeForm(NhsukForm):
    user_id = SelectField(
        _l("Member"),
        choices=[],
        validators=[InputRequired(message=_l("Select a member"))],
        invalid_choice_message=_l("Select a member"),
    )
    opportunity_id = SelectField(
        _l("Opportunity"),
        choices=[],
        validators=[InputRequired(message=_l("Select an opportunity"))],
        invalid_choice_message=_l("Select an opportunity"),
    )
    message = TextAreaField(_l("Message to the member (optional)"))

    def validate_message(self, field) -> None:
        """The invitation's own limit, counted as the invitation counts it."""
        problem = invitations.message_problem(field.data)
        if problem:
            raise ValidationError(translated(problem))

    def __init__(
        self, *args: Any, members: list[User], opportunities: list[Opportunity], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = options(
            ((str(u.id), u.display_name) for u in members), gettext("Select a member")
        )
        self.opportunity_id.choices = options(
            ((str(o.id), f"{o.title} ({o.organisation.name})") for o in opportunities),
            gettext("Select an opportunity"),
        )
