"""Forms for plans, milestones, reminder lead times and plan templates."""

from datetime import date
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from diaspora.auth.models import User
from diaspora.languages import current_language, shipped
from diaspora.reference.places import countries, country_names
from diaspora.widgets import Name, NhsDateField, NhsukForm, options

from . import services
from .models import TEMPLATE_STATUS_LABELS, Anchor, Plan, PlanTemplate, TemplateMilestone


class ChooseTemplateForm(NhsukForm):
    """Step one of a new plan: which scheme (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    template = RadioField(
        _l("Which scheme is your plan for?"),
        choices=[],
        invalid_choice_message=_l("Select the scheme your plan is for"),
    )

    def __init__(self, *args: Any, templates: list[PlanTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates = templates
        self.template.choices = options((str(t.id), shipped(t.name)) for t in templates)

    def items(self) -> list[dict[str, Any]]:
        hints = {str(t.id): _template_hint(t) for t in self.templates}
        return [
            {"value": value, "text": label, "checked": selected, "hint": {"text": hints[value]}}
            for value, label, selected, _ in self.template.iter_choices()
        ]


def _template_hint(template: PlanTemplate) -> str:
    parts = [shipped(template.description)]
    if template.months:
        parts.append(ngettext("Usually %(num)d month.", "Usually %(num)d months.", template.months))
    if template.status == "closing":
        parts.append(gettext("This scheme is closing."))
    return " ".join(part for part in parts if part)


class PlanForm(NhsukForm):
    scheme = StringField(
        _l("Name of your scheme"),
        description=_l("As you and your coordinator call it. Leave it as it is if unsure."),
        validators=[Length(max=150, message=_l("Scheme must be 150 characters or fewer"))],
    )
    starts_on = NhsDateField(
        _l("Start date"),
        description=_l("Your first day of work in the NHS. For example, 1 8 2026"),
        invalid_message=_l("Start date must be a real date"),
    )
    expected_end_on = NhsDateField(
        _l("Expected end date"),
        description=_l("Your last day of work in the NHS. For example, 31 7 2028"),
        invalid_message=_l("Expected end date must be a real date"),
    )
    return_country = SelectField(
        _l("Country you will return to (optional)"), choices=[], validate_choice=False
    )
    coordinator_id = SelectField(
        _l("Your coordinator (optional)"),
        description=_l(
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
            kwargs["data"] = {"scheme": shipped(template.name)}
        super().__init__(*args, **kwargs)
        self.session, self.owner, self.template = session, owner, template
        self.return_country.choices = options(
            countries(current_language()), gettext("Select a country")
        )
        choices = [(str(uid), label) for uid, label in services.coordinator_choices(session)]
        self.coordinator_id.choices = options(choices, gettext("No coordinator"))
        if template is not None and template.months and editing is None:
            self.expected_end_on.description = ngettext(
                "Your last day of work in the NHS. Leave it empty for %(num)d month after the "
                "start date.",
                "Your last day of work in the NHS. Leave it empty for %(num)d months after the "
                "start date.",
                template.months,
            )
            self.expected_end_on.label.text = gettext("Expected end date (optional)")

    def _scheme(self) -> str:
        return (self.scheme.data or "").strip() or (
            shipped(self.template.name) if self.template else ""
        )

    def _coordinator(self) -> int | None:
        chosen = self.coordinator_id.data or ""
        return int(chosen) if chosen.isdecimal() else None

    def _ends_on(self) -> date | None:
        starts_on = self.starts_on.data
        if self.expected_end_on.data is not None or starts_on is None:
            return self.expected_end_on.data
        return services.default_end(self.template, starts_on)

    def validate_scheme(self, field: StringField) -> None:
        if not self._scheme():
            raise ValidationError(gettext("Enter the name of your scheme"))

    def validate_starts_on(self, field: NhsDateField) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(gettext("Enter the date your plan starts"))

    def validate_expected_end_on(self, field: NhsDateField) -> None:
        starts_on, ends_on = self.starts_on.data, self._ends_on()
        if starts_on is None or field.errors:
            return
        if ends_on is None:
            raise ValidationError(gettext("Enter the date you expect your plan to end"))
        if ends_on <= starts_on:
            raise ValidationError(gettext("Expected end date must be after the start date"))
        if ends_on > services.add_months(starts_on, 12 * services.MAX_PLAN_YEARS):
            raise ValidationError(
                gettext(
                    "Expected end date must be within %(years)s years of the start date",
                    years=services.MAX_PLAN_YEARS,
                )
            )

    def validate_return_country(self, field: SelectField) -> None:
        if field.data and field.data not in country_names():
            raise ValidationError(gettext("Select a country from the list"))

    def validate_coordinator_id(self, field: SelectField) -> None:
        chosen = self._coordinator()
        if chosen is not None and chosen == self.owner.id:
            raise ValidationError(gettext("Choose a coordinator other than yourself"))
        if chosen is not None and field.data not in {c.value for c in field.choices}:
            raise ValidationError(gettext("Select a coordinator from the list"))

    def details(self) -> services.PlanInput:
        """What was typed, the scheme and the end filled in from the template when empty."""
        return services.PlanInput(
            starts_on=self.starts_on.data,
            expected_end_on=self._ends_on(),
            scheme=self._scheme(),
            return_country=self.return_country.data or "",
            coordinator_id=self._coordinator(),
        )


class MilestoneForm(NhsukForm):
    title = StringField(_l("Title"), validators=[Name()])
    description = TextAreaField(_l("Description (optional)"))
    due_on = NhsDateField(
        _l("Due date"),
        description=_l("For example, 15 3 2027"),
        invalid_message=_l("Due date must be a real date"),
    )

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan

    def validate_title(self, field: StringField) -> None:
        _required_title(field)

    def validate_description(self, field: TextAreaField) -> None:
        if len(field.data or "") > 2000:
            raise ValidationError(gettext("Description must be 2000 characters or fewer"))

    def validate_due_on(self, field: NhsDateField) -> None:
        if field.errors:
            return
        if field.data is None:
            raise ValidationError(gettext("Enter the date the milestone is due"))
        if abs((field.data - self.plan.starts_on).days) > 366 * (services.MAX_PLAN_YEARS + 2):
            raise ValidationError(gettext("Due date must be within a few years of your plan"))

    def details(self) -> services.MilestoneInput:
        return services.MilestoneInput(
            (self.title.data or "").strip(),
            self.due_on.data,
            (self.description.data or "").strip(),
        )


class DoneForm(NhsukForm):
    note = TextAreaField(
        _l("Note (optional)"),
        description=_l(
            "For example, what happened or where the evidence is. Your coordinator sees it."
        ),
        validators=[Length(max=2000, message=_l("Note must be 2000 characters or fewer"))],
    )


class LeadTimesForm(NhsukForm):
    lead_days = StringField(
        _l("Days before a due date"),
        description=_l(
            "Up to %(count)s numbers from 0 to %(max)s, separated by commas. 0 means on the day. "
            "For example, 30, 7, 1",
            count=services.MAX_LEAD_VALUES,
            max=services.MAX_LEAD_DAY,
        ),
    )

    def validate_lead_days(self, field: StringField) -> None:
        parse_lead_days(field.data or "")

    def values(self) -> tuple[int, ...]:
        return parse_lead_days(self.lead_days.data or "")


def parse_lead_days(value: str) -> tuple[int, ...]:
    """'30, 7, 1' → (30, 7, 1): whole numbers of days from 0 to 365, at most 5, largest first;
    ValidationError says what is wrong."""
    parts = [part.strip() for part in (value or "").replace(";", ",").split(",")]
    parts = [part for part in parts if part]
    if not parts:
        raise ValidationError(gettext("Enter at least one number of days"))
    if not all(part.isdecimal() for part in parts):
        raise ValidationError(
            gettext("Enter whole numbers of days separated by commas, like 30, 7, 1")
        )
    numbers = sorted({int(part) for part in parts}, reverse=True)
    if any(n > services.MAX_LEAD_DAY for n in numbers):
        raise ValidationError(
            gettext("Each number of days must be %(max)s or fewer", max=services.MAX_LEAD_DAY)
        )
    if len(numbers) > services.MAX_LEAD_VALUES:
        raise ValidationError(
            gettext("Enter %(count)s reminders or fewer", count=services.MAX_LEAD_VALUES)
        )
    return tuple(numbers)


def _required(field: StringField, missing: str, limit: int, too_long: str) -> None:
    """`missing` and `too_long` are whole messages, already in the reader's language."""
    text = (field.data or "").strip()
    if not text:
        raise ValidationError(missing)
    if len(text) > limit:
        raise ValidationError(too_long)


def _required_title(field: StringField) -> None:
    _required(
        field,
        gettext("Enter the title of the milestone"),
        200,
        gettext("Title must be %(max)s characters or fewer", max=200),
    )


class TemplateForm(NhsukForm):
    name = StringField(_l("Name"), validators=[Name()])
    scheme = StringField(_l("Scheme code"), description=_l("A short name, for example MTI."))
    description = TextAreaField(_l("Description (optional)"))
    months = StringField(
        _l("Typical length in months (optional)"),
        description=_l("Used as the expected end date when a person leaves it empty."),
    )
    status = RadioField(
        _l("Status"),
        choices=options(
            (value.value, _l(label.msgid)) for value, label in TEMPLATE_STATUS_LABELS.items()
        ),
        invalid_choice_message=_l("Select the status of the template"),
    )
    status_note = TextAreaField(
        _l("Note shown when starting a plan (optional)"),
        description=_l("For a closing scheme: why, and what people should check first."),
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

    def validate_name(self, field: StringField) -> None:
        _required(
            field,
            gettext("Enter the name of the template"),
            150,
            gettext("Name must be %(max)s characters or fewer", max=150),
        )

    def validate_scheme(self, field: StringField) -> None:
        _required(
            field,
            gettext("Enter a short code for the scheme"),
            40,
            gettext("Scheme code must be %(max)s characters or fewer", max=40),
        )

    def validate_months(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if value and not value.isdecimal():
            raise ValidationError(gettext("Typical length must be a whole number of months"))
        limit = 12 * services.MAX_PLAN_YEARS
        if value and not 1 <= int(value) <= limit:
            raise ValidationError(
                gettext("Typical length must be between 1 and %(max)s months", max=limit)
            )

    def details(self) -> services.TemplateInput:
        months = (self.months.data or "").strip()
        return services.TemplateInput(
            name=(self.name.data or "").strip(),
            scheme=(self.scheme.data or "").strip(),
            description=(self.description.data or "").strip(),
            months=int(months) if months else None,
            status=self.status.data or "",
            status_note=(self.status_note.data or "").strip(),
        )


class TemplateMilestoneForm(NhsukForm):
    title = StringField(_l("Title"), validators=[Name()])
    description = TextAreaField(_l("Description (optional)"))
    anchor = RadioField(
        _l("Counted from"),
        choices=options(
            [
                (Anchor.START.value, _l("The start of the plan")),
                (Anchor.END.value, _l("The expected end of the plan")),
            ]
        ),
        invalid_choice_message=_l(
            "Select whether the milestone is counted from the start or the end"
        ),
    )
    offset_days = StringField(
        _l("Days after"),
        description=_l("A negative number for days before, for example -30 for 30 days before."),
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

    def validate_title(self, field: StringField) -> None:
        _required_title(field)

    def validate_offset_days(self, field: StringField) -> None:
        offset, limit = self._offset(), 366 * services.MAX_PLAN_YEARS
        if offset is None:
            raise ValidationError(gettext("Enter the number of days, for example 14 or -30"))
        if not -limit <= offset <= limit:
            raise ValidationError(gettext("Days must be between -%(max)s and %(max)s", max=limit))

    def details(self) -> services.TemplateMilestoneInput:
        return services.TemplateMilestoneInput(
            (self.title.data or "").strip(),
            self.anchor.data or "",
            self._offset(),
            (self.description.data or "").strip(),
        )
