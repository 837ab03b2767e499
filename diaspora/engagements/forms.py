"""Forms for applying, deciding, cancelling and employer release. The services check the same
rules again: a form only shows the problems sooner and keeps what was typed."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import ValidationError

from diaspora.engagements import services
from diaspora.extensions import db
from diaspora.languages import translated
from diaspora.widgets import NhsukForm, options


def _message(label: str, *, required: bool):
    def check(_form, field) -> None:
        problem = services.message_problem(field.data, label=label, required=required)
        if problem:
            raise ValidationError(translated(problem))

    return check


class ApplyForm(NhsukForm):
    message = TextAreaField(
        _l("Your message to the organisation"),
        description=_l(
            "Say why you are interested and what you could offer. Up to %(max)s characters.",
            max=services.MESSAGE_MAX,
        ),
        validators=[_message("Your message", required=False)],
    )

    def validate_message(self, field) -> None:
        if not services.clean_text(field.data):
            raise ValidationError(_l("Enter your message to the organisation"))


class DecisionForm(NhsukForm):
    decision = RadioField(
        _l("Your decision"),
        choices=options([("accept", _l("Accept: offer a place")), ("decline", _l("Decline"))]),
        invalid_choice_message=_l("Select whether you accept or decline this application"),
    )
    decision_message = TextAreaField(
        _l("Message to the applicant (optional)"),
        description=_l("They will see it. Up to %(max)s characters.", max=services.MESSAGE_MAX),
        validators=[_message("Your message", required=False)],
    )

    @property
    def accept(self) -> bool:
        return self.decision.data == "accept"


class DeclineSelectedForm(NhsukForm):
    """Applications ticked on the applicants page, declined together with one reason."""

    selected = SelectMultipleField(_l("Applications to decline"), validate_choice=False)
    reason = TextAreaField(
        _l("Reason for declining"),
        description=_l(
            "Everyone you selected will see it, as the message with their decision. "
            "Up to %(max)s characters.",
            max=services.MESSAGE_MAX,
        ),
        validators=[_message("The reason for declining", required=True)],
    )


class CancelForm(NhsukForm):
    reason = TextAreaField(
        _l("Why are you cancelling?"),
        description=_l(
            "The person will see this. Up to %(max)s characters.", max=services.MESSAGE_MAX
        ),
        validators=[_message("The reason", required=False)],
    )

    def validate_reason(self, field) -> None:
        if not services.clean_text(field.data):
            raise ValidationError(_l("Enter why you are cancelling"))


class ReleaseRequestForm(NhsukForm):
    manager_email = EmailField(
        _l("Your NHS line manager's email address"),
        description=_l(
            "An NHS email address (at nhs.net, nhs.scot, hscni.net or a trust's nhs.uk "
            "domain), or one at a domain of an NHS employer verified on this service. "
            "We will email them a link to confirm that you may take part. "
            "They do not need an account."
        ),
    )

    def validate_manager_email(self, field) -> None:
        problem = services.manager_email_problem(field.data, db.session)
        if problem:
            raise ValidationError(translated(problem))


class ReleaseDecisionForm(NhsukForm):
    decision = RadioField(
        _l("Do you release them to take part?"),
        choices=options(
            [
                ("confirm", _l("Yes, I confirm their release")),
                ("decline", _l("No, I do not release them")),
            ]
        ),
        invalid_choice_message=_l("Select whether you confirm or decline the release"),
    )
    note = TextAreaField(
        _l("Note (optional)"),
        description=_l(
            "For example, conditions or dates. They and the organisation will see it. "
            "Up to %(max)s characters.",
            max=services.MESSAGE_MAX,
        ),
        validators=[_message("Your note", required=False)],
    )

    @property
    def confirm(self) -> bool:
        return self.decision.data == "confirm"
