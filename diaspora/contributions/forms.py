"""Forms for logging hours, reviewing them, revoking a certificate and checking a code."""

from datetime import date
from typing import Any

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
from diaspora.engagements.models import Engagement
from diaspora.widgets import NhsukForm, options

APPROVE = "approve"
DECLINE = "decline"


class HoursForm(NhsukForm):
    """A log of hours for `engagement`, its month held to the months the work allows as of
    `today`; `details()` is what `services.log_hours` takes."""

    month = SelectField(
        "Month",
        description="The month you gave the time.",
        choices=[],
        validate_choice=False,  # validate_month says what is wrong with another month
    )
    hours = StringField(
        "Hours",
        description="For example, 2 or 2.5. Include preparation and travel for this work.",
    )
    learners = StringField(
        "Learners reached (optional)",
        description="How many people you taught or trained in that month. Leave empty if none.",
    )
    note = TextAreaField(
        "What you did (optional)",
        description="For example, the sessions you taught or the work you did.",
        validators=[
            Length(
                max=services.MAX_NOTE,
                message=f"Note must be {services.MAX_NOTE} characters or fewer",
            )
        ],
    )

    def __init__(self, *args: Any, engagement: Engagement, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.today = today
        months = services.loggable_months(engagement, today)
        self.month.choices = options(
            [(f"{m:%Y-%m}", services.month_label(m)) for m in months], "Select a month"
        )

    def validate(self, extra_validators=None) -> bool:
        problem = services.logging_problem(self.engagement)
        if problem:  # nothing else matters until time can be logged at all
            self.month.errors = [problem]
            return False
        return super().validate(extra_validators)

    def validate_month(self, field: SelectField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Select the month you gave the time")
        month = services.parse_month(field.data)
        if month is None:
            raise ValidationError("Select a month from the list")
        if month > services.month_start(self.today):
            raise ValidationError("The month cannot be in the future")
        bounds = services.month_range(self.engagement, self.today)
        if bounds is None or month < bounds[0]:
            began = services.month_start(services.work_began(self.engagement))
            first = bounds[0] if bounds else services.add_months(began, -1)
            raise ValidationError(f"The month must be {services.month_label(first)} or later")
        if month > bounds[1]:
            raise ValidationError(
                f"The month must be {services.month_label(bounds[1])} or earlier, "
                "when this engagement ended"
            )

    def validate_hours(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Enter the number of hours")
        minutes = services.parse_hours(field.data)
        if minutes is None:
            raise ValidationError(
                "Hours must be a number, like 2 or 2.5, with at most 2 decimal places"
            )
        if minutes <= 0:
            raise ValidationError("Hours must be more than 0")
        if minutes > services.MONTHLY_LIMIT_MINUTES:
            raise ValidationError(
                f"Hours must be {services.MONTHLY_LIMIT_HOURS} or fewer for one month"
            )

    def validate_learners(self, field: StringField) -> None:
        typed = self._learners_typed()
        if typed and not typed.isdecimal():
            raise ValidationError("Learners reached must be a whole number, like 0 or 40")
        if typed and int(typed) > services.MAX_LEARNERS:
            raise ValidationError(f"Learners reached must be {services.MAX_LEARNERS:,} or fewer")

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
        "Do you approve these hours?",
        choices=options([(APPROVE, "Yes, approve them"), (DECLINE, "No, decline them")]),
        invalid_choice_message="Select whether you approve or decline these hours",
    )
    reason = TextAreaField(
        "Reason for declining",
        description="Required if you decline. The person will see it.",
        validators=[
            Length(
                max=services.MAX_REASON,
                message=f"Reason must be {services.MAX_REASON} characters or fewer",
            )
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == DECLINE and not (self.reason.data or "").strip():
            self.reason.errors = [*self.reason.errors, "Enter the reason for declining these hours"]
            ok = False
        return ok


class ApproveSelectedForm(NhsukForm):
    """The logs ticked on the review page, approved together. The service checks each."""

    selected = SelectMultipleField("Hours to approve", validate_choice=False)

    def log_ids(self) -> list[int] | None:
        """The ticked ids, or None when one is not a number (a crafted request)."""
        values = self.selected.data or []
        if not all(value.isdecimal() and len(value) < 12 for value in values):
            return None
        return [int(value) for value in values]


class RevokeForm(NhsukForm):
    reason = TextAreaField(
        "Why are you revoking this certificate?",
        description=(
            "The person will see this reason. The public verification page will only say "
            "that the certificate has been revoked, and when."
        ),
        validators=[
            Length(
                max=services.MAX_REASON,
                message=f"Reason must be {services.MAX_REASON} characters or fewer",
            )
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.reason.data or "").strip():
            self.reason.errors = [
                *self.reason.errors,
                "Enter the reason for revoking this certificate",
            ]
            ok = False
        return ok


class CheckCodeForm(NhsukForm):
    """The public form to type a certificate code (a GET form: it changes nothing)."""

    class Meta(NhsukForm.Meta):
        csrf = False

    code = StringField(
        "Certificate code",
        description=(
            "16 letters and numbers, printed on the certificate. For example, 7KQ2-M9XD-4TRW-PH32."
        ),
    )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        typed = (self.code.data or "").strip()
        if not typed:
            self.code.errors = ["Enter the certificate code"]
        elif services.codes.normalise(typed) is None:
            self.code.errors = [
                "Enter the code exactly as it is printed on the certificate: "
                "16 letters and numbers, like 7KQ2-M9XD-4TRW-PH32"
            ]
        return not self.code.errors
