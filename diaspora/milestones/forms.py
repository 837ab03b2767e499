"""Forms for plans, milestones, reminder lead times and plan templates."""

from typing import Any

from sqlalchemy.orm import Session
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from diaspora.auth.models import User
from diaspora.reference.places import countries
from diaspora.widgets import Name, NhsDateField, NhsukForm, options

from . import services
from .models import TEMPLATE_STATUS_LABELS, Anchor, Plan, PlanTemplate, TemplateMilestone


class _ServiceChecked(NhsukForm):
    """A form whose service check runs after the fields' own, so every problem shows at once."""

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = self[name] if name in self._fields else None
            if field is None:
                continue
            if message not in field.errors:
                if isinstance(field.errors, tuple):
                    field.errors = list(field.errors)
                field.errors.append(message)

    def service_check(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        try:
            self.service_check()
        except services.PlanError as error:
            self.add_errors(error.errors)
        return not any(field.errors for field in self)


class ChooseTemplateForm(NhsukForm):
    """Step one of a new plan: which scheme (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    template = RadioField(
        "Which scheme is your plan for?",
        choices=[],
        invalid_choice_message="Select the scheme your plan is for",
    )

    def __init__(self, *args: Any, templates: list[PlanTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = templates
        self.template.choices = options((str(t.id), t.name) for t in templates)

    def items(self) -> list[dict[str, Any]]:
        hints = {str(t.id): _template_hint(t) for t in self.templates}
        return [
            {"value": value, "text": label, "checked": selected, "hint": {"text": hints[value]}}
            for value, label, selected, _ in self.template.iter_choices()
        ]


def _template_hint(template: PlanTemplate) -> str:
    parts = [template.description]
    if template.months:
        parts.append(f"Usually {template.months} months.")
    if template.status == "closing":
        parts.append("This scheme is closing.")
    return " ".join(part for part in parts if part)


class PlanForm(_ServiceChecked):
    scheme = StringField(
        "Name of your scheme",
        description="As you and your coordinator call it. Leave it as it is if unsure.",
        validators=[Length(max=150, message="Scheme must be 150 characters or fewer")],
    )
    starts_on = NhsDateField(
        "Start date",
        description="Your first day of work in the NHS. For example, 1 8 2026",
        invalid_message="Start date must be a real date",
    )
    expected_end_on = NhsDateField(
        "Expected end date",
        description="Your last day of work in the NHS. For example, 31 7 2028",
        invalid_message="Expected end date must be a real date",
    )
    return_country = SelectField(
        "Country you will return to (optional)", choices=[], validate_choice=False
    )
    coordinator_id = SelectField(
        "Your coordinator (optional)",
        description=(
            "A volunteer coordinator at a verified charity or NHS trust. They will see this plan "
            "and be told when a milestone is 2 weeks overdue."
        ),
        choices=[],
        validate_choice=False,  # checked by the service, with a clearer message
    )

    def __init__(
        self,
        *args: Any,
        session: Session,
        owner: User,
        template: PlanTemplate | None,
        editing: Plan | None = None,
        **kwargs: Any,
    ) -> None:
        if editing is not None and "data" not in kwargs:
            kwargs["data"] = {
                "scheme": editing.scheme,
                "starts_on": editing.starts_on,
                "expected_end_on": editing.expected_end_on,
                "return_country": editing.return_country or "",
                "coordinator_id": str(editing.coordinator_id or ""),
            }
        elif template is not None and "data" not in kwargs:
            kwargs["data"] = {"scheme": template.name}
        super().__init__(*args, **kwargs)
        self.session, self.owner, self.template = session, owner, template
        self.return_country.choices = options(countries(), "Select a country")
        choices = [(str(uid), label) for uid, label in services.coordinator_choices(session)]
        self.coordinator_id.choices = options(choices, "No coordinator")
        if template is not None and template.months and editing is None:
            self.expected_end_on.description = (
                f"Your last day of work in the NHS. Leave it empty for {template.months} months "
                "after the start date."
            )
            self.expected_end_on.label.text = "Expected end date (optional)"

    def details(self) -> services.PlanInput:
        coordinator = self.coordinator_id.data or ""
        return services.PlanInput(
            starts_on=self.starts_on.data,
            expected_end_on=self.expected_end_on.data,
            scheme=self.scheme.data or "",
            return_country=self.return_country.data or "",
            coordinator_id=int(coordinator) if coordinator.isdecimal() else None,
        )

    def service_check(self) -> None:
        if self.starts_on.errors or self.expected_end_on.errors:
            return
        services.check_plan(self.session, self.details(), self.template, self.owner)


class MilestoneForm(_ServiceChecked):
    title = StringField("Title", validators=[Name()])
    description = TextAreaField("Description (optional)")
    due_on = NhsDateField(
        "Due date",
        description="For example, 15 3 2027",
        invalid_message="Due date must be a real date",
    )

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan

    def details(self) -> services.MilestoneInput:
        return services.MilestoneInput(
            self.title.data or "", self.due_on.data, self.description.data or ""
        )

    def service_check(self) -> None:
        if self.due_on.errors:
            return
        services.check_milestone(self.details(), self.plan)


class DoneForm(NhsukForm):
    note = TextAreaField(
        "Note (optional)",
        description=(
            "For example, what happened or where the evidence is. Your coordinator sees it."
        ),
        validators=[Length(max=2000, message="Note must be 2000 characters or fewer")],
    )


class LeadTimesForm(_ServiceChecked):
    lead_days = StringField(
        "Days before a due date",
        description=(
            f"Up to {services.MAX_LEAD_VALUES} numbers from 0 to {services.MAX_LEAD_DAY}, "
            "separated by commas. 0 means on the day. For example, 30, 7, 1"
        ),
    )

    def values(self) -> tuple[int, ...]:
        return services.parse_lead_days(self.lead_days.data or "")

    def service_check(self) -> None:
        self.values()


class TemplateForm(_ServiceChecked):
    name = StringField("Name", validators=[Name()])
    scheme = StringField("Scheme code", description="A short name, for example MTI.")
    description = TextAreaField("Description (optional)")
    months = StringField(
        "Typical length in months (optional)",
        description="Used as the expected end date when a person leaves it empty.",
    )
    status = RadioField(
        "Status",
        choices=options((value.value, label) for value, label in TEMPLATE_STATUS_LABELS.items()),
        invalid_choice_message="Select the status of the template",
    )
    status_note = TextAreaField(
        "Note shown when starting a plan (optional)",
        description="For a closing scheme: why, and what people should check first.",
    )

    def __init__(self, *args: Any, editing: PlanTemplate | None = None, **kwargs: Any) -> None:
        if editing is not None and "data" not in kwargs:
            kwargs["data"] = {
                "name": editing.name,
                "scheme": editing.scheme,
                "description": editing.description,
                "months": str(editing.months or ""),
                "status": editing.status,
                "status_note": editing.status_note,
            }
        elif "data" not in kwargs:
            kwargs["data"] = {"status": "active"}
        super().__init__(*args, **kwargs)

    def _months(self) -> int | None:
        value = (self.months.data or "").strip()
        if not value:
            return None
        if not value.isdecimal():
            raise services.PlanError({"months": "Typical length must be a whole number of months"})
        return int(value)

    def details(self) -> services.TemplateInput:
        return services.TemplateInput(
            name=self.name.data or "",
            scheme=self.scheme.data or "",
            description=self.description.data or "",
            months=self._months(),
            status=self.status.data or "",
            status_note=self.status_note.data or "",
        )

    def service_check(self) -> None:
        errors: dict[str, str] = {}
        try:
            months = self._months()
        except services.PlanError as error:
            errors.update(error.errors)
            months = None
        try:
            services.check_template(
                services.TemplateInput(
                    self.name.data or "",
                    self.scheme.data or "",
                    self.description.data or "",
                    months,
                    self.status.data or "",
                )
            )
        except services.PlanError as error:
            errors = error.errors | errors
        if errors:
            raise services.PlanError(errors)


class TemplateMilestoneForm(_ServiceChecked):
    title = StringField("Title", validators=[Name()])
    description = TextAreaField("Description (optional)")
    anchor = RadioField(
        "Counted from",
        choices=options(
            [
                (Anchor.START.value, "The start of the plan"),
                (Anchor.END.value, "The expected end of the plan"),
            ]
        ),
        invalid_choice_message="Select whether the milestone is counted from the start or the end",
    )
    offset_days = StringField(
        "Days after",
        description="A negative number for days before, for example -30 for 30 days before.",
    )

    def __init__(self, *args: Any, editing: TemplateMilestone | None = None, **kwargs: Any) -> None:
        if editing is not None and "data" not in kwargs:
            kwargs["data"] = {
                "title": editing.title,
                "description": editing.description,
                "anchor": editing.anchor,
                "offset_days": str(editing.offset_days),
            }
        super().__init__(*args, **kwargs)

    def _offset(self) -> int | None:
        value = (self.offset_days.data or "").strip().replace("\u2212", "-")
        try:
            return int(value)
        except ValueError:
            return None

    def details(self) -> services.TemplateMilestoneInput:
        return services.TemplateMilestoneInput(
            self.title.data or "",
            self.anchor.data or "",
            self._offset(),
            self.description.data or "",
        )

    def service_check(self) -> None:
        services.check_template_milestone(self.details())
