"""The matching forms: the recommendations' filters, the alert setting, an invitation's message,
a coordinator's proposal of a cohort member, and the bare forms behind the buttons (they carry
the CSRF token and nothing else worth validating)."""

from typing import Any

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from diaspora.auth.models import User
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
        "Kind",
        choices=options(((k.value, label) for k, label in KIND_LABELS.items()), "Any kind"),
        validators=[Optional()],
        invalid_choice_message="Select a kind from the list",
    )
    country = SelectField(
        "Country",
        choices=options(countries(), "Any country"),
        validators=[Optional()],
        invalid_choice_message="Select a country from the list",
    )
    modality = SelectField(
        "How people take part",
        choices=options(
            ((m.value, label) for m, label in MODALITY_LABELS.items()), "Remotely or on site"
        ),
        validators=[Optional()],
        invalid_choice_message="Select how people take part from the list",
    )

    def filters(self) -> Filters:
        return Filters(
            kind=self.kind.data or None,
            country=self.country.data or None,
            modality=self.modality.data or None,
        )


ALERT_LABELS = [
    (AlertFrequency.IMMEDIATE, "Yes, tell me at once"),
    (AlertFrequency.WEEKLY, "Yes, in a weekly digest on Mondays"),
    (NO_ALERTS, "No alerts"),
]


class AlertForm(NhsukForm):
    alerts = RadioField(
        "Tell me about new opportunities that match me strongly",
        choices=options(ALERT_LABELS),
        default=NO_ALERTS,
        invalid_choice_message="Select whether you want alerts",
    )


class InviteForm(NhsukForm):
    """The inviter's optional message; the service checks the same limit again."""

    message_max = invitations.MESSAGE_MAX

    message = TextAreaField(
        "Message (optional)",
        description="Say why you think they could help. They see it with your invitation.",
    )

    def validate_message(self, field) -> None:
        problem = invitations.message_problem(field.data)
        if problem:
            raise ValidationError(problem)


class ButtonForm(NhsukForm):
    """A button's form: the CSRF token only."""


class ProposeForm(NhsukForm):
    user_id = SelectField(
        "Member",
        choices=[],
        validators=[InputRequired(message="Select a member")],
        invalid_choice_message="Select a member",
    )
    opportunity_id = SelectField(
        "Opportunity",
        choices=[],
        validators=[InputRequired(message="Select an opportunity")],
        invalid_choice_message="Select an opportunity",
    )
    message = TextAreaField("Message to the member (optional)")

    def validate_message(self, field) -> None:
        """The invitation's own limit, counted as the invitation counts it."""
        problem = invitations.message_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def __init__(
        self, *args: Any, members: list[User], opportunities: list[Opportunity], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = options(
            ((str(u.id), u.display_name) for u in members), "Select a member"
        )
        self.opportunity_id.choices = options(
            ((str(o.id), f"{o.title} ({o.organisation.name})") for o in opportunities),
            "Select an opportunity",
        )
