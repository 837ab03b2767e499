"""The directory's search form: a GET form (it changes nothing, so it carries no CSRF token)."""

from datetime import date

from flask_babel import lazy_gettext as _l
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
    higher = [
        (str(n), _l("%(level)s or above", level=_l(label.msgid)))
        for n, label in labels.items()
        if n > 1
    ]
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
        _l("Search by name, specialty, skill or words in their profile"),
        validators=[Optional()],
    )
    profession = _choice(
        "Profession",
        ((p.code, p.name) for p in professions().values()),
        _l("Any profession"),
        _l("Select a profession from the list"),
    )
    grade = _choice(
        _l("Grade or band"),
        ((code, row["name"]) for code, row in grades().items()),
        _l("Any grade or band"),
        _l("Select a grade or band from the list"),
    )
    country = _choice(
        _l("Country they have ties with"),
        countries(),
        _l("Any country"),
        _l("Select a country from the list"),
    )
    tie_kind = _choice(
        _l("Kind of tie"),
        ((kind.value, label) for kind, label in TIE_LABELS.items()),
        _l("Any kind of tie"),
        _l("Select a kind of tie from the list"),
    )
    language = _choice(
        "Language",
        languages(),
        _l("Any language"),
        _l("Select a language from the list"),
    )
    min_proficiency = SelectField(
        _l("How well they speak it"),
        choices=_levels(PROFICIENCY_LABELS, _l("Any level")),
        default="1",
        validators=[Optional()],
        invalid_choice_message=_l("Select how well they speak the language from the list"),
    )
    skill = _choice(
        "Skill",
        ((code, row["name"]) for code, row in skills().items()),
        _l("Any skill"),
        _l("Select a skill from the list"),
    )
    min_level = SelectField(
        _l("Skill level"),
        choices=_levels(SKILL_LEVEL_LABELS, _l("Any level")),
        default="1",
        validators=[Optional()],
        invalid_choice_message=_l("Select a skill level from the list"),
    )
    modality = SelectField(
        _l("How they can help"),
        choices=options(
            [
                ("", _l("Remotely or on site")),
                (Modality.REMOTE.value, MODALITY_LABELS[Modality.REMOTE]),
                (Modality.ON_SITE.value, MODALITY_LABELS[Modality.ON_SITE]),
            ]
        ),
        default="",
        validators=[Optional()],
        widget=RadioList(),
        description=_l("People who offer both are found either way"),
        invalid_choice_message=_l("Select how they can help from the list"),
    )
    min_hours = IntegerField(
        _l("At least this many hours a month"),
        validators=[
            Optional(),
            NumberRange(1, 200, _l("Hours a month must be between 1 and 200")),
        ],
        invalid_value_message=_l("Enter hours a month as a whole number, like 8"),
    )
    available_from = DateField(
        _l("Available from"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a real date for 'available from'"),
        description=_l("For travel: people with an availability window that overlaps these dates"),
    )
    available_to = DateField(
        _l("Available until"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a real date for 'available until'"),
    )
    verified_only = BooleanField(_l("Only people with a verified professional registration"))
    sort = SelectField(
        _l("Sort by"),
        choices=options((sort.value, label) for sort, label in SORT_LABELS.items()),
        default=Sort.RELEVANCE.value,
        validators=[Optional()],
        invalid_choice_message=_l("Select how to sort the results from the list"),
    )

    def validate_q(self, field: StringField) -> None:
        if field.data and len(field.data) > MAX_TEXT:
            raise ValidationError(
                _l("Search words must be %(max)s characters or fewer", max=MAX_TEXT)
            )

    def validate_available_from(self, field: DateField) -> None:
        if field.data and not self.available_to.data and not self.available_to.errors:
            raise ValidationError(_l("Enter the date until which they should be available"))

    def validate_available_to(self, field: DateField) -> None:
        start: date | None = self.available_from.data
        if field.data and not start and not self.available_from.errors:
            raise ValidationError(_l("Enter the date from which they should be available"))
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
