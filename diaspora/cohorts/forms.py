"""Forms for cohorts: details, finding people to add, messages and proposals."""

from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from diaspora.auth.forms import name_field, new_password_field, time_zone_field
from diaspora.auth.services import password_problem
from diaspora.organisations.models import Organisation
from diaspora.reference.catalogue import languages, professions
from diaspora.reference.places import countries
from diaspora.widgets import Name, NhsukForm, options

from .services import CohortInput, PersonFilters


class CohortForm(NhsukForm):
    organisation_id = SelectField(
        "Organisation",
        choices=[],
        validators=[InputRequired(message="Select the organisation the cohort belongs to")],
        invalid_choice_message="Select the organisation the cohort belongs to",
    )
    name = StringField(
        "Name of the cohort",
        description='For example, "Bangladesh maternal health volunteers 2027".',
        validators=[
            Name(),
            DataRequired(message="Enter a name for the cohort"),
            Length(max=150, message="Name must be 150 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Description (optional)",
        description="What the cohort is for. Members see it when they are invited.",
        validators=[Length(max=2000, message="Description must be 2000 characters or fewer")],
    )
    country = SelectField(
        "Country it mainly serves (optional)",
        choices=options(countries(), "No particular country"),
        validators=[Optional()],
        invalid_choice_message="Select a country from the list",
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = options((str(o.id), o.name) for o in organisations)
        if len(organisations) == 1 and not self.organisation_id.data:
            self.organisation_id.data = str(organisations[0].id)

    def details(self) -> CohortInput:
        return CohortInput(
            organisation_id=int(self.organisation_id.data),
            name=self.name.data or "",
            description=self.description.data or "",
            country=self.country.data or None,
        )


class FindPeopleForm(NhsukForm):
    """Search for people to add: a GET form, it changes nothing."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, specialty or skill",
        validators=[Optional(), Length(max=200, message="Search must be 200 characters or fewer")],
    )
    profession = SelectField(
        "Profession",
        choices=options(((p.code, p.name) for p in professions().values()), "Any profession"),
        validators=[Optional()],
        invalid_choice_message="Select a profession from the list",
    )
    country = SelectField(
        "Country they have ties with",
        choices=options(countries(), "Any country"),
        validators=[Optional()],
        invalid_choice_message="Select a country from the list",
    )
    language = SelectField(
        "Language",
        choices=options(languages(), "Any language"),
        validators=[Optional()],
        invalid_choice_message="Select a language from the list",
    )

    def filters(self) -> PersonFilters:
        return PersonFilters(
            text=(self.q.data or "").strip(),
            profession=self.profession.data or None,
            country=self.country.data or None,
            language=self.language.data or None,
        )


class AddMemberForm(NhsukForm):
    profile_id = HiddenField(validators=[InputRequired()])


class MessageForm(NhsukForm):
    subject = StringField(
        "Subject",
        validators=[
            DataRequired(message="Enter a subject"),
            Length(max=150, message="Subject must be 150 characters or fewer"),
        ],
    )
    body = TextAreaField(
        "Message",
        description="Every member gets it in their inbox, and by email unless they turned "
        "cohort emails off. Do not include anything personal about a member.",
        validators=[
            DataRequired(message="Enter a message"),
            Length(max=5000, message="Message must be 5000 characters or fewer"),
        ],
    )


class ImportForm(NhsukForm):
    """The spreadsheet of volunteers; the file itself is read and checked by the service."""

    file = FileField(
        "Upload a CSV file",
        validators=[FileRequired("Select a CSV file of volunteers")],
    )


class InvitedAccountForm(NhsukForm):
    """The account an invited person creates: the address is the invited one, proved by the
    link; the name comes pre-filled from the import."""

    display_name = name_field()
    password = new_password_field()
    time_zone = time_zone_field()

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invited_email = email

    def validate_password(self, field) -> None:
        problem = password_problem(
            field.data or "", email=self.invited_email, name=self.display_name.data or ""
        )
        if problem:
            raise ValidationError(problem)
