"""The profile's forms, one per page. Their checks are the registry's rules (`services.*_problem`),
so the page lists every problem at once and the services refuse the same things."""

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from diaspora.languages import current_language, translated
from diaspora.reference import catalogue
from diaspora.reference.places import countries
from diaspora.registry import services
from diaspora.registry.models import (
    MODALITY_LABELS,
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    TIE_LABELS,
    VISIBILITY_LABELS,
    Visibility,
)
from diaspora.widgets import NhsDateField, NhsukForm, WholeNumberField, options


def checked_by(rule: Callable[[Any], str | None]):
    """A validator running one of the registry's rules on the field's value."""

    def _validate(_form, field) -> None:
        if field.process_errors:  # not even a number or a date: that message is enough
            return
        problem = rule(field.data)
        if problem:
            raise ValidationError(translated(problem))

    return _validate


def _labelled(labels: dict) -> list:
    """Choices from a model's labels, each shown in the reader's language."""
    return options((str(value), _l(label)) for value, label in labels.items())


class WorkForm(NhsukForm):
    profession = SelectField(
        _l("Profession"),
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.profession_problem)],
    )
    grade = SelectField(
        _l("Grade or Agenda for Change band"),
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.grade_problem)],
    )
    specialty = StringField(
        _l("Specialty (optional)"),
        description=_l("For example, obstetrics, emergency medicine or neonatal nursing."),
        validators=[checked_by(services.specialty_problem)],
    )
    nhs_employer = StringField(
        _l("NHS employer (optional)"),
        description=_l("The trust, board or practice you work for."),
        validators=[checked_by(services.employer_problem)],
    )
    years_experience = WholeNumberField(
        _l("Years of experience"),
        description=_l("Since you qualified, in the UK and abroad. Enter 0 if less than a year."),
        message=_l("Years of experience must be a whole number, like 12"),
        validators=[checked_by(services.years_problem)],
    )
    bio = TextAreaField(
        _l("About you (optional)"),
        description=_l(
            "A few sentences about your experience and how you would like to help. "
            "Up to %(max)s characters.",
            max=services.BIO_MAX,
        ),
        validators=[checked_by(services.bio_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.profession.choices = options(
            ((p.code, p.name) for p in catalogue.professions().values()), _l("Select a profession")
        )
        grades = sorted(catalogue.grades().values(), key=lambda g: (g["group"], int(g["order"])))
        self.grade.choices = options(
            ((g["code"], g["name"]) for g in grades), _l("Select a grade or band")
        )

    def fields(self) -> dict[str, Any]:
        names = ("profession", "grade", "specialty", "nhs_employer", "years_experience", "bio")
        return {name: self[name].data for name in names}


class TieForm(NhsukForm):
    country = SelectField(
        _l("Country"),
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.country_problem)],
    )
    kind = RadioField(
        _l("How are you tied to this country?"),
        choices=_labelled(TIE_LABELS),
        validate_choice=False,
        validators=[checked_by(services.tie_kind_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = options(countries(current_language()), _l("Select a country"))


class LanguageForm(NhsukForm):
    language = SelectField(
        _l("Language"),
        description=_l("Type the first letters of its name to jump to it in the list."),
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.language_problem)],
    )
    proficiency = RadioField(
        _l("How well do you speak it?"),
        choices=_labelled(PROFICIENCY_LABELS),
        validate_choice=False,
        validators=[checked_by(services.proficiency_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = options(
            catalogue.localised_languages(current_language()), _l("Select a language")
        )


class SkillForm(NhsukForm):
    skill = SelectField(_l("Skill from the list"), choices=[], validate_choice=False)
    tag = StringField(
        _l("Or describe a skill in your own words"),
        description=_l(
            "For example, obstetric ultrasound. Use this only if the skill is not listed."
        ),
    )
    level = RadioField(
        _l("Your level"),
        choices=_labelled(SKILL_LEVEL_LABELS),
        validate_choice=False,
        validators=[checked_by(services.skill_level_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        entries = sorted(catalogue.skills().values(), key=lambda e: (e["area"], e["name"]))
        self.skill.choices = options(
            ((e["code"], e["name"]) for e in entries), _l("Select a skill")
        )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        problem = services.skill_problem(self.skill.data, self.tag.data)
        if problem:
            typed_only = bool((self.tag.data or "").strip()) and not self.skill.data
            (self.tag if typed_only else self.skill).errors.append(problem)
            ok = False
        return ok


class AvailabilityForm(NhsukForm):
    hours_per_month = WholeNumberField(
        _l("Hours a month"),
        description=_l(
            "About how many hours a month you could give, from 0 to %(max)s.",
            max=services.HOURS_MAX,
        ),
        message=_l("Hours a month must be a whole number, like 8"),
        validators=[checked_by(services.hours_problem)],
    )
    modality = RadioField(
        _l("How could you help?"),
        choices=_labelled(MODALITY_LABELS),
        validate_choice=False,
        validators=[checked_by(services.modality_problem)],
    )
    notice_weeks = WholeNumberField(
        _l("Notice you need, in weeks (optional)"),
        description=_l("How long before a piece of work starts you need to know about it."),
        message=_l("Notice must be a whole number of weeks, like 4"),
        validators=[checked_by(services.notice_problem)],
    )
    unavailable_until = NhsDateField(
        _l("Not available until (optional)"),
        description=_l(
            "If you cannot help for a while, the date you can start again. For example, 1 9 2026."
        ),
        message_name=_l("The date you are available from"),
        invalid_message=_l("The date you are available from must be a real date"),
    )

    def fields(self) -> dict[str, Any]:
        names = ("hours_per_month", "modality", "notice_weeks", "unavailable_until")
        return {name: self[name].data for name in names}


class WindowForm(NhsukForm):
    starts_on = NhsDateField(
        _l("Start date"),
        description=_l("For example, 1 3 2026."),
        invalid_message=_l("Start date must be a real date"),
        validators=[checked_by(services.window_start_problem)],
    )
    ends_on = NhsDateField(
        _l("End date"),
        description=_l("For example, 30 4 2026."),
        invalid_message=_l("End date must be a real date"),
        validators=[checked_by(services.window_end_problem)],
    )


class PrivacyForm(NhsukForm):
    visibility = RadioField(
        _l("Who can see your profile?"),
        choices=_labelled(VISIBILITY_LABELS),
        default=Visibility.PRIVATE.value,
        validate_choice=False,
        validators=[checked_by(services.visibility_problem)],
    )
    consent_to_contact = BooleanField(
        _l("I agree to be contacted about opportunities that match my profile"),
        description=_l("You can change your mind at any time."),
    )


class ConfirmForm(NhsukForm):
    """The check your answers page's button: nothing but the CSRF token."""
