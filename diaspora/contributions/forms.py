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
from wtforms.validators import Length

from diaspora.contributions import services
from diaspora.widgets import NhsukForm, options

APPROVE = "approve"
DECLINE = "decline"


class HoursForm(NhsukForm):
    month = SelectField(
        "Month",
        description="The month you gave the time.",
        choices=[],
        validate_choice=False,  # the service checks the month and says what is wrong
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

    def __init__(self, *args: Any, months: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.month.choices = options(
            [(f"{m:%Y-%m}", services.month_label(m)) for m in months], "Select a month"
        )

    def details(self) -> services.HoursInput:
        return services.HoursInput(
            month=self.month.data or "",
            hours=self.hours.data or "",
            learners=self.learners.data or "",
            note=self.note.data or "",
        )

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = self._fields.get(name, self.month)
            if message not in field.errors:
                field.errors = [*field.errors, message]


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
