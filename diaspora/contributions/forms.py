"""Forms for logging hours, reviewing them, revoking a certificate and checking a code."""

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from diaspora.contributions import services
from diaspora.contributions.presenters import month_label
from diaspora.engagements.models import Engagement
from diaspora.languages import translated
from diaspora.widgets import NhsukForm, options

APPROVE = "approve"
DECLINE = "decline"


class HoursForm(NhsukForm):
    """A log of hours for `engagement`, its month held to the months the work allows as of
    `today`; `details()` is what `services.log_hours` takes."""

    month = SelectField(
        _l("Month"),
        description=_l("The month you gave the time."),
        choices=[],
        validate_choice=False,  # validate_month says what is wrong with another month
    )
    hours = StringField(
        _l("Hours"),
        description=_l("For example, 2 or 2.5. Include preparation and travel for this work."),
    )
    learners = StringField(
        _l("Learners reached (optional)"),
        description=_l("How many people you taught or trained in that month. Leave empty if none."),
    )
    note = TextAreaField(
        _l("What you did (optional)"),
        description=_l("For example, the sessions you taught or the work you did."),
        validators=[
            Length(
                max=services.MAX_NOTE,
                message=_l("Note must be %(max)s characters or fewer", max=services.MAX_NOTE),
            )
        ],
    )

    def __init__(self, *args: Any, engagement: Engagement, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.today = today
        months = services.loggable_months(engagement, today)
        self.month.choices = options(
            [(f"{m:%Y-%m}", month_label(m)) for m in months], _l("Select a month")
        )

    def validate(self, extra_validators=None) -> bool:
        problem = services.logging_problem(self.engagement)
        if problem:  # nothing else matters until time can be logged at all
            self.month.errors = [translated(problem)]
            return False
        return super().validate(extra_validators)

    def validate_month(self, field: SelectField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Select the month you gave the time"))
        month = services.parse_month(field.data)
        if month is None:
            raise ValidationError(_l("Select a month from the list"))
        if month > services.month_start(self.today):
            raise ValidationError(_l("The month cannot be in the future"))
        bounds = services.month_range(self.engagement, self.today)
        if bounds is None or month < bounds[0]:
            began = services.month_start(services.work_began(self.engagement))
            first = bounds[0] if bounds else services.add_months(began, -1)
            raise ValidationError(
                _l("The month must be %(month)s or later", month=month_label(first))
            )
        if month > bounds[1]:
            raise ValidationError(
                _l(
                    "The month must be %(month)s or earlier, when this engagement ended",
                    month=month_label(bounds[1]),
                )
            )

    def validate_hours(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter the number of hours"))
        minutes = services.parse_hours(field.data)
        if minutes is None:
            raise ValidationError(
                _l("Hours must be a number, like 2 or 2.5, with at most 2 decimal places")
            )
        if minutes <= 0:
            raise ValidationError(_l("Hours must be more than 0"))
        if minutes > services.MONTHLY_LIMIT_MINUTES:
            raise ValidationError(
                _l(
                    "Hours must be %(max)s or fewer for one month",
                    max=services.MONTHLY_LIMIT_HOURS,
                )
            )

    def validate_learners(self, field: StringField) -> None:
        typed = self._learners_typed()
        if typed and not typed.isdecimal():
            raise ValidationError(_l("Learners reached must be a whole number, like 0 or 40"))
        if typed and int(typed) > services.MAX_LEARNERS:
            raise ValidationError(
                _l("Learners reached must be %(max)s or fewer", max=f"{services.MAX_LEARNERS:,}")
            )

    def _learners_typed(self) -> str:
        return (self.learners.data or "").strip().replace(",", "")

    def details(self) -> services.HoursInput:
        month = services.parse_month(self.month.data)
        minutes = services.parse_hours(self.hours.data)
        assert month is not None and minutes is not None, "details() of a form that validated"
        return services.HoursInput(
            month=month,
            minutes=minutes,
            learners=int(self._learners_typed() or 0),
            note=(self.note.data or "").strip(),
        )


class DecisionForm(NhsukForm):
    """One pending log's decision; the review page shows one per log, each with its own prefix."""

    log_id = HiddenField()
    decision = RadioField(
        _l("Do you approve these hours?"),
        choices=options([(APPROVE, _l("Yes, approve them")), (DECLINE, _l("No, decline them"))]),
        invalid_choice_message=_l("Select whether you approve or decline these hours"),
    )
    reason = TextAreaField(
        _l("Reason for declining"),
        description=_l("Required if you decline. The person will see it."),
        validators=[
            Length(
                max=services.MAX_REASON,
                message=_l("Reason must be %(max)s characters or fewer", max=services.MAX_REASON),
            )
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == DECLINE and not (self.reason.data or "").strip():
            self.reason.errors = [
                *self.reason.errors,
                _l("Enter the reason for declining these hours"),
            ]
            ok = False
        return ok


class ApproveSelectedForm(NhsukForm):
    """The logs ticked on the review page, approved together. The service checks each."""

    selected = SelectMultipleField(_l("Hours to approve"), validate_choice=False)


class RevokeForm(NhsukForm):
    reason = TextAreaField(
        _l("Why are you revoking this certificate?"),
        description=_l(
            "The person will see this reason. The public verification page will only say "
            "that the certificate has been revoked, and when."
        ),
        validators=[
            Length(
                max=services.MAX_REASON,
                message=_l("Reason must be %(max)s characters or fewer", max=services.MAX_REASON),
            )
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.reason.data or "").strip():
            self.reason.errors = [
                *self.reason.errors,
                _l("Enter the reason for revoking this certificate"),
            ]
            ok = False
        return ok


class CheckCodeForm(NhsukForm):
    """The public form to type a certificate code (a GET form: it changes nothing)."""

    class Meta(NhsukForm.Meta):
        csrf = False

    code = StringField(
        _l("Certificate code"),
        description=_l(
            "16 letters and numbers, printed on the certificate. For example, 7KQ2-M9XD-4TRW-PH32."
        ),
    )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        typed = (self.code.data or "").strip()
        if not typed:
            self.code.errors = [_l("Enter the certificate code")]
        elif services.codes.normalise(typed) is None:
            self.code.errors = [
                _l(
                    "Enter the code exactly as it is printed on the certificate: "
                    "16 letters and numbers, like 7KQ2-M9XD-4TRW-PH32"
                )
            ]
        return not self.code.errors
