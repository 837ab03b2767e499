"""The opportunity forms: one per kind, the kind chooser, cancelling, and the listing's filters.

The forms parse what was typed; the rules are the service's (`services.check`), run from
`validate()` so every problem shows at once and the service refuses the same things.
"""

from datetime import date, time
from typing import Any, ClassVar

from markupsafe import Markup
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from diaspora.opportunities import services
from diaspora.opportunities.models import (
    KIND_LABELS,
    MODALITY_LABELS,
    Opportunity,
    OpportunityKind,
    Recurrence,
)
from diaspora.opportunities.services import MAX_WANTED, OpportunityInput
from diaspora.organisations.models import Organisation
from diaspora.reference.catalogue import languages, professions, skills
from diaspora.reference.places import countries
from diaspora.registry.forms import WholeNumberField
from diaspora.registry.models import PROFICIENCY_LABELS, SKILL_LEVEL_LABELS
from diaspora.widgets import (
    CheckboxList,
    Name,
    NhsDateField,
    NhsukForm,
    TimeZoneField,
    options,
    render_select,
)

SUPPORT = [
    ("travel", "Travel costs"),
    ("housing", "Housing"),
    ("stipend", "A stipend or salary"),
]


def _levels(labels: dict[int, str]) -> list:
    """Minimum levels: "Practitioner or above", ..., the highest as it is."""
    top = max(labels)
    return options(
        (str(n), label if n == top else f"{label} or above") for n, label in labels.items()
    )


def _skill_choices() -> list:
    entries = sorted(skills().values(), key=lambda e: (e["area"], e["name"]))
    return options(((e["code"], e["name"]) for e in entries), "No skill chosen")


def _profession_choices() -> list:
    return options((p.code, p.name) for p in professions().values())


def parse_time(text: str) -> time:
    """A 24-hour time typed as 14:00, 14.00, 1400 or 9:30."""
    value = text.strip().replace(".", ":")
    if ":" not in value and value.isdecimal() and len(value) in (3, 4):
        value = f"{value[:-2]}:{value[-2:]}"
    hours, _, minutes = value.partition(":")
    if not (hours.isdecimal() and minutes.isdecimal() and len(minutes) == 2):
        raise ValueError
    return time(int(hours), int(minutes))


class TimeField(StringField):
    """A time of day typed in a text box (24-hour clock); left empty it is None."""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        try:
            self.data = parse_time(text)
        except ValueError as error:
            raise ValueError("Enter the start time in the 24-hour clock, like 14:00") from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if isinstance(self.data, time) else ""


def _number(label: str, message: str, **kwargs) -> WholeNumberField:
    return WholeNumberField(label, message=message, **kwargs)


class OpportunityForm(NhsukForm):
    """What every kind asks; the rows of wanted skills and languages are added below."""

    kind = OpportunityKind.PROJECT
    title = StringField(
        "Title",
        description="Say what the work is, for example: Set up a neonatal resuscitation "
        "training programme in Sylhet",
        validators=[Name()],
    )
    description = TextAreaField(
        "Description",
        description="What you need, who it is for, and what a volunteer would do.",
    )
    country = SelectField("Country", choices=[], validate_choice=False)
    region = StringField("Region or city (optional)")
    modality = RadioField(
        "How will people take part?",
        choices=options((m.value, label) for m, label in MODALITY_LABELS.items()),
        validate_choice=False,
    )
    professions = SelectMultipleField(
        "Professions wanted",
        description="Select all that apply.",
        choices=[],
        validate_choice=False,
        widget=CheckboxList(),
    )

    def __init__(self, *args: Any, editing: Opportunity | None = None, **kwargs: Any) -> None:
        if editing is not None and "data" not in kwargs and not args:
            kwargs["data"] = self.initial(OpportunityInput.from_opportunity(editing))
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.country.choices = options(countries(), "Select a country")
        self.professions.choices = _profession_choices()
        for n in range(1, MAX_WANTED + 1):
            self[f"skill_{n}"].choices = _skill_choices()
            self[f"language_{n}"].choices = options(languages(), "No language chosen")

    # Moving data in and out ----------------------------------------------------------------

    @classmethod
    def initial(cls, data: OpportunityInput) -> dict[str, Any]:
        """Form data for an existing opportunity."""
        values: dict[str, Any] = {
            name: getattr(data, name)
            for name in [
                "title",
                "description",
                "country",
                "region",
                "modality",
                "professions",
                "starts_on",
                "ends_on",
                "hours_per_month",
                "places",
                "start_time",
                "host_time_zone",
                "duration_minutes",
                "capacity",
                "audience",
                "learners_expected",
                "recurrence",
                "occurrences",
                "host_institution",
                "duration_months",
                "service_commitment",
            ]
        }
        for n, (code, level) in enumerate(data.skills, start=1):
            values[f"skill_{n}"], values[f"skill_level_{n}"] = code, str(level)
        for n, (code, level) in enumerate(data.languages, start=1):
            values[f"language_{n}"], values[f"language_level_{n}"] = code, str(level)
        values["support"] = [key for key, _ in SUPPORT if getattr(data, f"support_{key}", False)]
        return values

    def _rows(self, prefix: str) -> list[tuple[int, str, int]]:
        """(row number, code, level) of the rows with something chosen."""
        rows = []
        for n in range(1, MAX_WANTED + 1):
            code = self[f"{prefix}_{n}"].data
            if code:
                level = self[f"{prefix}_level_{n}"].data
                rows.append((n, code, int(level) if str(level).isdecimal() else 0))
        return rows

    def details(self) -> OpportunityInput:
        data = OpportunityInput(
            kind=self.kind,
            title=self.title.data or "",
            description=self.description.data or "",
            country=self.country.data or "",
            region=self.region.data or "",
            modality=self.modality.data or "",
            professions=list(self.professions.data or []),
            skills=[(code, level) for _, code, level in self._rows("skill")],
            languages=[(code, level) for _, code, level in self._rows("language")],
        )
        for name in [
            "starts_on",
            "ends_on",
            "hours_per_month",
            "places",
            "start_time",
            "host_time_zone",
            "duration_minutes",
            "capacity",
            "join_link",
            "audience",
            "learners_expected",
            "recurrence",
            "occurrences",
            "host_institution",
            "duration_months",
            "service_commitment",
        ]:
            if name in self:
                value = self[name].data
                setattr(data, name, value if value is not None else getattr(data, name))
        if "support" in self:
            chosen = set(self.support.data or [])
            data.support_travel = "travel" in chosen
            data.support_housing = "housing" in chosen
            data.support_stipend = "stipend" in chosen
        return data

    # Checking ------------------------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then every rule of the service, so all problems show at once."""
        super().validate(extra_validators)
        self.add_errors(services.check(self.details(), opportunity=self.editing))
        return not any(field.errors for field in self)

    def add_errors(self, errors: dict[str, str]) -> None:
        rows = {prefix: [n for n, _, _ in self._rows(prefix)] for prefix in ("skill", "language")}
        for name, message in errors.items():
            for prefix, numbers in rows.items():  # the service counts chosen rows only
                for level in ("", "level_"):
                    stem = f"{prefix}_{level}"
                    rest = name.removeprefix(stem)
                    if name.startswith(stem) and rest.isdecimal() and int(rest) <= len(numbers):
                        name = f"{stem}{numbers[int(rest) - 1]}"
            field = self._fields.get(name, self.title)
            if not field.errors:  # what the field itself found (not a number, not a date) wins
                field.errors = [*field.errors, message]

    # Rendering -----------------------------------------------------------------------------

    def wanted_rows(self, prefix: str) -> list[tuple[Any, Any]]:
        return [
            (self[f"{prefix}_{n}"], self[f"{prefix}_level_{n}"]) for n in range(1, MAX_WANTED + 1)
        ]


for _n in range(1, MAX_WANTED + 1):
    setattr(
        OpportunityForm,
        f"skill_{_n}",
        SelectField(f"Skill {_n}", choices=[], validate_choice=False),
    )
    setattr(
        OpportunityForm,
        f"skill_level_{_n}",
        SelectField(
            f"Minimum level for skill {_n}",
            choices=_levels(SKILL_LEVEL_LABELS),
            default="2",
            validate_choice=False,
        ),
    )
    setattr(
        OpportunityForm,
        f"language_{_n}",
        SelectField(f"Language {_n}", choices=[], validate_choice=False),
    )
    setattr(
        OpportunityForm,
        f"language_level_{_n}",
        SelectField(
            f"How well for language {_n}",
            choices=_levels(PROFICIENCY_LABELS),
            default="2",
            validate_choice=False,
        ),
    )


class ProjectForm(OpportunityForm):
    kind = OpportunityKind.PROJECT
    starts_on = NhsDateField(
        "Start date",
        description="For example, 1 3 2027",
        invalid_message="Start date must be a real date",
    )
    ends_on = NhsDateField(
        "End date",
        description="For example, 31 8 2027",
        invalid_message="End date must be a real date",
    )
    hours_per_month = _number(
        "Hours a month",
        "Enter hours a month as a whole number, like 8",
        description="How much time a volunteer would give, on average. Between 1 and 200.",
    )
    places = _number(
        "Number of places",
        "Enter the number of places as a whole number, like 3",
        description="How many people you would take on.",
    )


class TeachingForm(OpportunityForm):
    kind = OpportunityKind.TEACHING
    starts_on = NhsDateField(
        "Date of the first session",
        description="In your time zone. For example, 2 3 2027",
        invalid_message="Date of the first session must be a real date",
    )
    start_time = TimeField(
        "Start time",
        description="In your time zone, in the 24-hour clock. For example, 14:00",
    )
    host_time_zone = TimeZoneField(
        "Time zone of the sessions",
        description="The date and start time are in this time zone. It starts as your "
        "organisation's.",
    )
    duration_minutes = _number(
        "Duration in minutes",
        "Enter the duration as a whole number of minutes, like 60",
        description="Between 15 and 480 minutes.",
    )
    capacity = _number(
        "Places in each session",
        "Enter the number of places as a whole number, like 20",
        description="Volunteers who can book each session.",
    )
    join_link = StringField(
        "Join link",
        description="The video call link, starting with https://. Only people with a booked "
        "place see it.",
    )
    audience = StringField(
        "Audience (optional)", description="For example, final-year nursing students"
    )
    learners_expected = _number(
        "Learners expected (optional)",
        "Enter the number of learners as a whole number, like 40",
    )
    recurrence = RadioField(
        "Does the session repeat?",
        choices=[],
        default=Recurrence.NONE.value,
        validate_choice=False,
    )
    occurrences = _number(
        "Number of sessions in the series",
        "Enter the number of sessions as a whole number, like 6",
        description="For a repeating session: between 2 and 52, the first one included.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Once the first date is known, each way to repeat says what it will do.
        first = self.starts_on.data if isinstance(self.starts_on.data, date) else None
        self.recurrence.choices = options(services.recurrence_choices(first))
        if self.editing is not None:
            self.join_link.description = (
                "Leave empty to keep the current link. A new link must start with https://. "
                "Only people with a booked place see it."
            )

    def details(self) -> OpportunityInput:
        data = super().details()
        if data.recurrence == Recurrence.NONE:
            data.occurrences = None
        return data


class PlacementForm(OpportunityForm):
    kind = OpportunityKind.PLACEMENT
    host_institution = StringField(
        "Host institution", description="The hospital or service the person would join."
    )
    duration_months = _number(
        "Duration in months",
        "Enter the duration as a whole number of months, like 6",
        description="Between 1 and 36 months.",
    )
    support = SelectMultipleField(
        "Support offered (optional)",
        description="Select all that apply.",
        choices=options(SUPPORT),
        validate_choice=False,
        widget=CheckboxList(),
    )
    service_commitment = TextAreaField(
        "Service commitment (optional)",
        description="Anything you ask in return, for example to teach local staff for a year.",
    )
    starts_on = NhsDateField(
        "Earliest start",
        description="For example, 1 6 2027",
        invalid_message="Earliest start must be a real date",
    )
    ends_on = NhsDateField(
        "Latest start",
        description="For example, 30 9 2027",
        invalid_message="Latest start must be a real date",
    )
    places = _number(
        "Number of places",
        "Enter the number of places as a whole number, like 2",
    )


FORMS: dict[str, type[OpportunityForm]] = {
    OpportunityKind.PROJECT: ProjectForm,
    OpportunityKind.TEACHING: TeachingForm,
    OpportunityKind.PLACEMENT: PlacementForm,
}


class KindForm(NhsukForm):
    """The first question: which kind, and for which organisation. A GET form: it changes
    nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    kind = RadioField(
        "What kind of opportunity is it?",
        choices=options((k.value, label) for k, label in KIND_LABELS.items()),
        validate_choice=False,
    )
    organisation = SelectField("Which organisation is it for?", choices=[], validate_choice=False)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation.choices = options(
            ((str(org.id), org.name) for org in organisations), "Select an organisation"
        )
        self.known = {str(org.id) for org in organisations}
        if len(organisations) == 1 and not self.organisation.data:
            self.organisation.data = str(organisations[0].id)

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in FORMS:
            raise ValidationError("Select the kind of opportunity")

    def validate_organisation(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select the organisation the opportunity is for")
        if field.data not in self.known:
            raise ValidationError("Select the organisation from the list")


class CancelForm(NhsukForm):
    reason = TextAreaField(
        "Why are you cancelling it?",
        description="Everyone taking part will see this.",
    )

    def validate_reason(self, field: TextAreaField) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError("Enter why you are cancelling the opportunity")
        if len(text) > 2000:
            raise ValidationError("Reason must be 2000 characters or fewer")


class RememberedSelect:
    """The nhsuk select, rendered once per chosen value and then remembered.

    The listing's filters offer every country and every language: a few hundred options, each
    rendered by the nhsuk macro on every page view. Their markup depends only on the field and
    the chosen value, so it is kept (a few hundred small strings at most). A field with an
    error, or given extra parameters, is rendered afresh.
    """

    remembered: ClassVar[dict[tuple[str, str], Markup]] = {}
    LIMIT = 2000

    def __call__(self, field: SelectField, **kwargs: Any) -> Markup:
        if field.errors or kwargs or not isinstance(field.data, str | None):
            return render_select(field, **kwargs)
        key = (field.id, field.data or "")
        markup = self.remembered.get(key)
        if markup is None:
            markup = render_select(field)
            if len(self.remembered) < self.LIMIT:
                self.remembered[key] = markup
        return markup


def _choice(label: str, pairs, placeholder: str, invalid: str) -> SelectField:
    return SelectField(
        label,
        choices=options(pairs, placeholder),
        validators=[Optional()],
        invalid_choice_message=invalid,
        widget=RememberedSelect(),
    )


class ListingForm(NhsukForm):
    """The listing's filters: a GET form (it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    kind = _choice(
        "Kind",
        ((k.value, label) for k, label in KIND_LABELS.items()),
        "Any kind",
        "Select a kind from the list",
    )
    country = _choice("Country", countries(), "Any country", "Select a country from the list")
    modality = _choice(
        "How people take part",
        ((m.value, label) for m, label in MODALITY_LABELS.items()),
        "Remotely or on site",
        "Select how people take part from the list",
    )
    profession = _choice(
        "Profession",
        ((p.code, p.name) for p in professions().values()),
        "Any profession",
        "Select a profession from the list",
    )
    skill = _choice(
        "Skill",
        ((code, row["name"]) for code, row in sorted(skills().items(), key=lambda i: i[1]["name"])),
        "Any skill",
        "Select a skill from the list",
    )
    language = _choice("Language", languages(), "Any language", "Select a language from the list")
    starts_from = DateField(
        "Starts on or after",
        validators=[Optional()],
        invalid_value_message="Enter a real date for 'starts on or after'",
    )
    starts_by = DateField(
        "Starts by",
        validators=[Optional()],
        invalid_value_message="Enter a real date for 'starts by'",
    )

    def validate_starts_by(self, field: DateField) -> None:
        start: date | None = self.starts_from.data
        if field.data and start and field.data < start:
            raise ValidationError("'Starts by' must be the same as or after 'starts on or after'")

    def filters(self) -> services.Filters:
        return services.Filters(
            kind=self.kind.data or None,
            country=self.country.data or None,
            modality=self.modality.data or None,
            profession=self.profession.data or None,
            skill=self.skill.data or None,
            language=self.language.data or None,
            starts_from=self.starts_from.data,
            starts_by=self.starts_by.data,
        )
