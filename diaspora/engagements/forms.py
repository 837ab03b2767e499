"""Forms for applying, deciding, cancelling and employer release. The services check the same
rules again: a form only shows the problems sooner and keeps what was typed."""

from wtforms import EmailField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import ValidationError

from diaspora.engagements import services
from diaspora.extensions import db
from diaspora.widgets import NhsukForm, options


def _message(label: str, *, required: bool):
    def check(_form, field) -> None:
        problem = services.message_problem(field.data, label=label, required=required)
        if problem:
            raise ValidationError(problem)

    return check


class ApplyForm(NhsukForm):
    message = TextAreaField(
        "Your message to the organisation",
        description=(
            "Say why you are interested and what you could offer. "
            f"Up to {services.MESSAGE_MAX} characters."
        ),
        validators=[_message("Your message", required=False)],
    )

    def validate_message(self, field) -> None:
        if not services.clean_text(field.data):
            raise ValidationError("Enter your message to the organisation")


class DecisionForm(NhsukForm):
    decision = RadioField(
        "Your decision",
        choices=options([("accept", "Accept: offer a place"), ("decline", "Decline")]),
        invalid_choice_message="Select whether you accept or decline this application",
    )
    decision_message = TextAreaField(
        "Message to the applicant (optional)",
        description=f"They will see it. Up to {services.MESSAGE_MAX} characters.",
        validators=[_message("Your message", required=False)],
    )

    @property
    def accept(self) -> bool:
        return self.decision.data == "accept"


class DeclineSelectedForm(NhsukForm):
    """Applications ticked on the applicants page, declined together with one reason."""

    selected = SelectMultipleField("Applications to decline", validate_choice=False)
    reason = TextAreaField(
        "Reason for declining",
        description=(
            "Everyone you selected will see it, as the message with their decision. "
            f"Up to {services.MESSAGE_MAX} characters."
        ),
        validators=[_message("The reason for declining", required=True)],
    )

    def engagement_ids(self) -> list[int] | None:
        """The ticked ids, or None when one is not a number (a crafted request)."""
        values = self.selected.data or []
        if not all(value.isdecimal() and len(value) < 12 for value in values):
            return None
        return [int(value) for value in values]


class CancelForm(NhsukForm):
    reason = TextAreaField(
        "Why are you cancelling?",
        description=f"The person will see this. Up to {services.MESSAGE_MAX} characters.",
        validators=[_message("The reason", required=False)],
    )

    def validate_reason(self, field) -> None:
        if not services.clean_text(field.data):
            raise ValidationError("Enter why you are cancelling")


class ReleaseRequestForm(NhsukForm):
    manager_email = EmailField(
        "Your NHS line manager's email address",
        description=(
            "An NHS email address (at nhs.net, nhs.scot, hscni.net or a trust's nhs.uk "
            "domain), or one at a domain of an NHS employer verified on this service. "
            "We will email them a link to confirm that you may take part. "
            "They do not need an account."
        ),
    )

    def validate_manager_email(self, field) -> None:
        problem = services.manager_email_problem(field.data, db.session)
        if problem:
            raise ValidationError(problem)


class ReleaseDecisionForm(NhsukForm):
    decision = RadioField(
        "Do you release them to take part?",
        choices=options(
            [("confirm", "Yes, I confirm their release"), ("decline", "No, I do not release them")]
        ),
        invalid_choice_message="Select whether you confirm or decline the release",
    )
    note = TextAreaField(
        "Note (optional)",
        description=(
            f"For example, conditions or dates. They and the organisation will see it. "
            f"Up to {services.MESSAGE_MAX} characters."
        ),
        validators=[_message("Your note", required=False)],
    )

    @property
    def confirm(self) -> bool:
        return self.decision.data == "confirm"
