"""The profile's forms, one per page. Their checks are the registry's rules (`services.*_problem`),
so the page lists every problem at once and the services refuse the same things."""

from collections.abc import Callable
from typing import Any

from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

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
from diaspora.widgets import NhsDateField, NhsukForm, options


def checked_by(rule: Callable[[Any], str | None]):
    """A validator running one of the registry's rules on the field's value."""

    def _validate(_form, field) -> None:
        if field.process_errors:  # not even a number or a date: that message is enough
            return
        problem = rule(field.data)
        if problem:
            raise ValidationError(problem)

    return _validate


class WholeNumberField(IntegerField):
    """A whole number typed in a text box; left empty it is None. The numeric keypad opens on
    phones, without the spin buttons and scroll-wheel changes of `type=number`."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, message: str, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "spellcheck": False})
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist) -> None:
        value = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not value:
            return
        if not value.isdecimal():
            raise ValueError(self.message)
        self.data = int(value)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def _labelled(labels: dict) -> list:
    return options((str(value), label) for value, label in labels.items())


class WorkForm(NhsukForm):
    profession = SelectField(
        "Profession",
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.profession_problem)],
    )
    grade = SelectField(
        "Grade or Agenda for Change band",
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.grade_problem)],
    )
    specialty = StringField(
        "Specialty (optional)",
        description="For example, obstetrics, emergency medicine or neonatal nursing.",
        validators=[checked_by(services.specialty_problem)],
    )
    nhs_employer = StringField(
        "NHS employer (optional)",
        description="The trust, board or practice you work for.",
        validators=[checked_by(services.employer_problem)],
    )
    years_experience = WholeNumberField(
        "Years of experience",
        description="Since you qualified, in the UK and abroad. Enter 0 if less than a year.",
        message="Years of experience must be a whole number, like 12",
        validators=[checked_by(services.years_problem)],
    )
    bio = TextAreaField(
        "About you (optional)",
        description=(
            "A few sentences about your experience and how you would like to help. "
            f"Up to {services.BIO_MAX} characters."
        ),
        validators=[checked_by(services.bio_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.profession.choices = options(
            ((p.code, p.name) for p in catalogue.professions().values()), "Select a profession"
        )
        grades = sorted(catalogue.grades().values(), key=lambda g: (g["group"], int(g["order"])))
        self.grade.choices = options(
            ((g["code"], g["name"]) for g in grades), "Select a grade or band"
        )

    def fields(self) -> dict[str, Any]:
        names = ("profession", "grade", "specialty", "nhs_employer", "years_experience", "bio")
        return {name: self[name].data for name in names}


class TieForm(NhsukForm):
    country = SelectField(
        "Country",
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.country_problem)],
    )
    kind = RadioField(
        "How are you tied to this country?",
        choices=_labelled(TIE_LABELS),
        validate_choice=False,
        validators=[checked_by(services.tie_kind_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = options(countries(), "Select a country")


class LanguageForm(NhsukForm):
    language = SelectField(
        "Language",
        description="Type the first letters of its name to jump to it in the list.",
        choices=[],
        validate_choice=False,
        validators=[checked_by(services.language_problem)],
    )
    proficiency = RadioField(
        "How well do you speak it?",
        choices=_labelled(PROFICIENCY_LABELS),
        validate_choice=False,
        validators=[checked_by(services.proficiency_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = options(catalogue.languages(), "Select a language")


class SkillForm(NhsukForm):
    skill = SelectField("Skill from the list", choices=[], validate_choice=False)
    tag = StringField(
        "Or describe a skill in your own words",
        description="For example, obstetric ultrasound. Use this only if the skill is not listed.",
    )
    level = RadioField(
        "Your level",
        choices=_labelled(SKILL_LEVEL_LABELS),
        validate_choice=False,
        validators=[checked_by(services.skill_level_problem)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        entries = sorted(catalogue.skills().values(), key=lambda e: (e["area"], e["name"]))
        self.skill.choices = options(((e["code"], e["name"]) for e in entries), "Select a skill")

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
        "Hours a month",
        description=f"About how many hours a month you could give, from 0 to {services.HOURS_MAX}.",
        message="Hours a month must be a whole number, like 8",
        validators=[checked_by(services.hours_problem)],
    )
    modality = RadioField(
        "How could you help?",
        choices=_labelled(MODALITY_LABELS),
        validate_choice=False,
        validators=[checked_by(services.modality_problem)],
    )
    notice_weeks = WholeNumberField(
        "Notice you need, in weeks (optional)",
        description="How long before a piece of work starts you need to know about it.",
        message="Notice must be a whole number of weeks, like 4",
        validators=[checked_by(services.notice_problem)],
    )
    unavailable_until = NhsDateField(
        "Not available until (optional)",
        description="If you cannot help for a while, the date you can start again. "
        "For example, 1 9 2026.",
        message_name="The date you are available from",
        invalid_message="The date you are available from must be a real date",
    )

    def fields(self) -> dict[str, Any]:
        names = ("hours_per_month", "modality", "notice_weeks", "unavailable_until")
        return {name: self[name].data for name in names}


class WindowForm(NhsukForm):
    starts_on = NhsDateField(
        "Start date",
        description="For example, 1 3 2026.",
        invalid_message="Start date must be a real date",
        validators=[checked_by(services.window_start_problem)],
    )
    ends_on = NhsDateField(
        "End date",
        description="For example, 30 4 2026.",
        invalid_message="End date must be a real date",
        validators=[checked_by(services.window_end_problem)],
    )


class PrivacyForm(NhsukForm):
    visibility = RadioField(
        "Who can see your profile?",
        choices=_labelled(VISIBILITY_LABELS),
        default=Visibility.PRIVATE.value,
        validate_choice=False,
        validators=[checked_by(services.visibility_problem)],
    )
    consent_to_contact = BooleanField(
        "I agree to be contacted about opportunities that match my profile",
        description="You can change your mind at any time.",
    )


class ConfirmForm(NhsukForm):
    """The check your answers page's button: nothing but the CSRF token."""
