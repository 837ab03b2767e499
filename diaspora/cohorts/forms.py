"""Forms for cohorts: details, finding people to add, messages and proposals."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from diaspora.auth.forms import name_field, new_password_field, time_zone_field
from diaspora.auth.services import password_problem
from diaspora.languages import current_language
from diaspora.organisations.models import Organisation
from diaspora.reference.catalogue import localised_languages, professions
from diaspora.reference.places import countries
from diaspora.widgets import Name, NhsukForm, options

from .services import CohortInput, PersonFilters


class CohortForm(NhsukForm):
    organisation_id = SelectField(
        _l("Organisation"),
        choices=[],
        validators=[InputRequired(message=_l("Select the organisation the cohort belongs to"))],
        invalid_choice_message=_l("Select the organisation the cohort belongs to"),
    )
    name = StringField(
        _l("Name of the cohort"),
        description=_l('For example, "Bangladesh maternal health volunteers 2027".'),
        validators=[
            Name(),
            DataRequired(message=_l("Enter a name for the cohort")),
            Length(max=150, message=_l("Name must be 150 characters or fewer")),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        description=_l("What the cohort is for. Members see it when they are invited."),
        validators=[Length(max=2000, message=_l("Description must be 2000 characters or fewer"))],
    )
    country = SelectField(
        _l("Country it mainly serves (optional)"),
        choices=[],
        validators=[Optional()],
        invalid_choice_message=_l("Select a country from the list"),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = options(countries(current_language()), _l("No particular country"))
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
        _l("Name, specialty or skill"),
        validators=[
            Optional(),
            Length(max=200, message=_l("Search must be 200 characters or fewer")),
        ],
    )
    profession = SelectField(
        _l("Profession"),
        choices=options(((p.code, p.name) for p in professions().values()), _l("Any profession")),
        validators=[Optional()],
        invalid_choice_message=_l("Select a profession from the list"),
    )
    country = SelectField(
        _l("Country they have ties with"),
        choices=[],
        validators=[Optional()],
        invalid_choice_message=_l("Select a country from the list"),
    )
    language = SelectField(
        _l("Language"),
        choices=[],
        validators=[Optional()],
        invalid_choice_message=_l("Select a language from the list"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = current_language()
        self.country.choices = options(countries(language), _l("Any country"))
        self.language.choices = options(localised_languages(language), _l("Any language"))

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
        _l("Subject"),
        validators=[
            DataRequired(message=_l("Enter a subject")),
            Length(max=150, message=_l("Subject must be 150 characters or fewer")),
        ],
    )
    body = TextAreaField(
        _l("Message"),
        description=_l(
            "Every member gets it in their inbox, and by email unless they turned "
            "cohort emails off. Do not include anything personal about a member."
        ),
        validators=[
            DataRequired(message=_l("Enter a message")),
            Length(max=5000, message=_l("Message must be 5000 characters or fewer")),
        ],
    )


class ImportForm(NhsukForm):
    """The spreadsheet of volunteers; the file itself is read and checked by the service."""

    file = FileField(
        _l("Upload a CSV file"),
        validators=[FileRequired(_l("Select a CSV file of volunteers"))],
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
