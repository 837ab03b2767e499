"""The directory's search form: a GET form (it changes nothing, so it carries no CSRF token)."""

from datetime import date

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from diaspora.directory.services import SORT_LABELS, Filters, Sort
from diaspora.reference.catalogue import grades, languages, professions, skills
from diaspora.reference.places import countries
from diaspora.registry.models import (
    MODALITY_LABELS,
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    TIE_LABELS,
    Modality,
)
from diaspora.widgets import NhsukForm, RadioList, options

MAX_TEXT = 200


def _levels(labels: dict[int, str], lowest: str) -> list:
    """Minimum-level choices: the lowest means "any", higher ones read "X or above"."""
    higher = [(str(n), f"{label} or above") for n, label in labels.items() if n > 1]
    return options([("1", lowest), *higher])


def _choice(label: str, pairs, placeholder: str, invalid: str, **kwargs) -> SelectField:
    return SelectField(
        label,
        choices=options(pairs, placeholder),
        validators=[Optional()],
        invalid_choice_message=invalid,
        **kwargs,
    )


class DirectorySearchForm(NhsukForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        "Search by name, specialty, skill or words in their profile",
        validators=[Optional()],
    )
    profession = _choice(
        "Profession",
        ((p.code, p.name) for p in professions().values()),
        "Any profession",
        "Select a profession from the list",
    )
    grade = _choice(
        "Grade or band",
        ((code, row["name"]) for code, row in grades().items()),
        "Any grade or band",
        "Select a grade or band from the list",
    )
    country = _choice(
        "Country they have ties with",
        countries(),
        "Any country",
        "Select a country from the list",
    )
    tie_kind = _choice(
        "Kind of tie",
        ((kind.value, label) for kind, label in TIE_LABELS.items()),
        "Any kind of tie",
        "Select a kind of tie from the list",
    )
    language = _choice(
        "Language",
        languages(),
        "Any language",
        "Select a language from the list",
    )
    min_proficiency = SelectField(
        "How well they speak it",
        choices=_levels(PROFICIENCY_LABELS, "Any level"),
        default="1",
        validators=[Optional()],
        invalid_choice_message="Select how well they speak the language from the list",
    )
    skill = _choice(
        "Skill",
        ((code, row["name"]) for code, row in skills().items()),
        "Any skill",
        "Select a skill from the list",
    )
    min_level = SelectField(
        "Skill level",
        choices=_levels(SKILL_LEVEL_LABELS, "Any level"),
        default="1",
        validators=[Optional()],
        invalid_choice_message="Select a skill level from the list",
    )
    modality = SelectField(
        "How they can help",
        choices=options(
            [
                ("", "Remotely or on site"),
                (Modality.REMOTE.value, MODALITY_LABELS[Modality.REMOTE]),
                (Modality.ON_SITE.value, MODALITY_LABELS[Modality.ON_SITE]),
            ]
        ),
        default="",
        validators=[Optional()],
        widget=RadioList(),
        description="People who offer both are found either way",
        invalid_choice_message="Select how they can help from the list",
    )
    min_hours = IntegerField(
        "At least this many hours a month",
        validators=[
            Optional(),
            NumberRange(1, 200, "Hours a month must be between 1 and 200"),
        ],
        invalid_value_message="Enter hours a month as a whole number, like 8",
    )
    available_from = DateField(
        "Available from",
        validators=[Optional()],
        invalid_value_message="Enter a real date for 'available from'",
        description="For travel: people with an availability window that overlaps these dates",
    )
    available_to = DateField(
        "Available until",
        validators=[Optional()],
        invalid_value_message="Enter a real date for 'available until'",
    )
    verified_only = BooleanField("Only people with a verified professional registration")
    sort = SelectField(
        "Sort by",
        choices=options((sort.value, label) for sort, label in SORT_LABELS.items()),
        default=Sort.RELEVANCE.value,
        validators=[Optional()],
        invalid_choice_message="Select how to sort the results from the list",
    )

    def validate_q(self, field: StringField) -> None:
        if field.data and len(field.data) > MAX_TEXT:
            raise ValidationError(f"Search words must be {MAX_TEXT} characters or fewer")

    def validate_available_from(self, field: DateField) -> None:
        if field.data and not self.available_to.data and not self.available_to.errors:
            raise ValidationError("Enter the date until which they should be available")

    def validate_available_to(self, field: DateField) -> None:
        start: date | None = self.available_from.data
        if field.data and not start and not self.available_from.errors:
            raise ValidationError("Enter the date from which they should be available")
        if field.data and start and field.data < start:
            raise ValidationError("'Available until' must be the same as or after 'available from'")

    def filters(self) -> Filters:
        """The validated answers as the directory service's Filters."""
        return Filters(
            text=(self.q.data or "").strip(),
            profession=self.profession.data or None,
            grade=self.grade.data or None,
            country=self.country.data or None,
            tie_kind=self.tie_kind.data or None,
            language=self.language.data or None,
            min_proficiency=int(self.min_proficiency.data or 1),
            skill=self.skill.data or None,
            min_level=int(self.min_level.data or 1),
            modality=self.modality.data or None,
            min_hours=self.min_hours.data,
            available_from=self.available_from.data,
            available_to=self.available_to.data,
            verified_only=bool(self.verified_only.data),
            sort=self.sort.data or Sort.RELEVANCE,
        )
