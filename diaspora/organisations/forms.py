from urllib.parse import urlparse

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from diaspora.auth.forms import (
    NewPasswordMixin,
    email_field,
    name_field,
    new_password_field,
    time_zone_field,
)
from diaspora.languages import current_language
from diaspora.organisations.models import KIND_LABELS, Organisation
from diaspora.reference.places import DEFAULT_TIME_ZONE, countries
from diaspora.widgets import Name, NhsukForm, TimeZoneField, options


def _check_website(_form, field) -> None:
    if not field.data:
        return
    parsed = urlparse(field.data.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or " " in field.data.strip():
        raise ValidationError(
            _l("Enter a website address in the correct format, like https://www.example.org")
        )


class OrganisationFieldsMixin:
    """The organisation's own details, shared by registration, creation and editing."""

    name = StringField(
        _l("Organisation name"),
        validators=[
            Name(),
            DataRequired(_l("Enter the organisation's name")),
            Length(max=200, message=_l("Organisation name must be 200 characters or fewer")),
        ],
    )
    kind = SelectField(
        _l("Type of organisation"),
        choices=options(
            ((k.value, _l(label)) for k, label in KIND_LABELS.items()), _l("Select a type")
        ),
        validators=[InputRequired(_l("Select the type of organisation"))],
    )
    country = SelectField(
        _l("Country"),
        description=_l("Where the organisation is based."),
        choices=[],
        validators=[InputRequired(_l("Select the country where the organisation is based"))],
    )
    website = StringField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Website must be 300 characters or fewer")),
            _check_website,
        ],
    )
    description = TextAreaField(
        _l("What the organisation does (optional)"),
        validators=[Length(max=2000, message=_l("Description must be 2000 characters or fewer"))],
    )
    time_zone = TimeZoneField(
        _l("The organisation's time zone"),
        description=_l("Where it works. Its new tele-teaching sessions start in this time zone."),
        default=DEFAULT_TIME_ZONE,
    )

    def _set_country_choices(self) -> None:
        self.country.choices = options(countries(current_language()), _l("Select a country"))

    def organisation_fields(self) -> dict[str, str]:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "country": self.country.data,
            "website": self.website.data,
            "description": self.description.data or "",
            "time_zone": self.time_zone.data,
        }


class OrganisationForm(OrganisationFieldsMixin, NhsukForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._set_country_choices()


class OrganisationRegistrationForm(NewPasswordMixin, OrganisationFieldsMixin, NhsukForm):
    """A representative's account together with the organisation they create or join."""

    display_name = name_field()
    email = email_field(
        _l("Your work email address"), description=_l("We will send you a link to confirm it.")
    )
    password = new_password_field()
    person_time_zone = time_zone_field()
    organisation_choice = RadioField(
        _l("Is your organisation already registered?"),
        choices=options(
            [("new", _l("No, register a new organisation")), ("join", _l("Yes, ask to join it"))]
        ),
        validators=[InputRequired(_l("Select whether your organisation is already registered"))],
    )
    existing_organisation = SelectField(_l("Organisation"), choices=[], validators=[Optional()])

    def __init__(self, *args, choices: list[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._set_country_choices()
        self.existing_organisation.choices = options(
            ((str(o.id), o.name) for o in choices), _l("Select your organisation")
        )
        # The organisation's details are only needed for a new one.
        for field in (self.name, self.kind, self.country):
            field.flags.required = False
        # Page order (about you, then the organisation), which the error summary follows;
        # the mixin's fields were declared first and would otherwise lead the list.
        first = (
            "csrf_token",
            "display_name",
            "email",
            "password",
            "person_time_zone",
            "organisation_choice",
        )
        self._fields = {name: self._fields[name] for name in first if name in self._fields} | {
            name: field for name, field in self._fields.items() if name not in first
        }

    def validate(self, extra_validators=None) -> bool:
        choice = self.organisation_choice.data
        org_fields = (
            self.name,
            self.kind,
            self.country,
            self.website,
            self.description,
            self.time_zone,
        )
        if choice != "new":
            for field in org_fields:
                field.validators = [Optional()]
        ok = super().validate(extra_validators)
        if choice == "join" and not self.existing_organisation.data:
            self.existing_organisation.errors.append(_l("Select the organisation you want to join"))
            ok = False
        return ok


class JoinForm(NhsukForm):
    organisation = SelectField(
        _l("Organisation"),
        choices=[],
        validators=[InputRequired(_l("Select the organisation you want to join"))],
    )

    def __init__(self, *args, choices: list[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation.choices = options(
            ((str(o.id), o.name) for o in choices), _l("Select an organisation")
        )


class InviteForm(NhsukForm):
    email = email_field(_l("Email address of the person to invite"))


class RejectForm(NhsukForm):
    reason = TextAreaField(
        _l("Reason for rejecting"),
        description=_l("The organisation's owners will see this."),
        validators=[
            DataRequired(_l("Enter the reason for rejecting this organisation")),
            Length(max=2000, message=_l("Reason must be 2000 characters or fewer")),
        ],
    )
