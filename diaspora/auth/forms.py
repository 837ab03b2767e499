from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from diaspora.auth.services import password_problem
from diaspora.languages import LANGUAGES, current_language, translated
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.widgets import Name, NhsukForm, TimeZoneField, options

EMAIL_REQUIRED = _l("Enter your email address")
EMAIL_FORMAT = _l("Enter an email address in the correct format, like name@example.com")


def _valid_email(_form, field) -> None:
    """RFC-valid address; the reserved `.test` domain is allowed outside production (demo data)."""
    try:
        validate_email(
            field.data or "",
            check_deliverability=False,
            test_environment=current_app.config["ENV_NAME"] != "production",
        )
    except EmailNotValidError as error:
        raise ValidationError(EMAIL_FORMAT) from error


def email_field(label: str | None = None, **kwargs) -> EmailField:
    return EmailField(
        label or _l("Email address"),
        validators=[
            InputRequired(EMAIL_REQUIRED),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
            _valid_email,
        ],
        **kwargs,
    )


def name_field() -> StringField:
    return StringField(
        _l("Full name"),
        validators=[
            Name(),
            DataRequired(_l("Enter your full name")),
            Length(max=120, message=_l("Full name must be 120 characters or fewer")),
        ],
    )


def time_zone_field(label: str | None = None) -> TimeZoneField:
    """A person's own zone: the service shows every time in it."""
    return TimeZoneField(
        label or _l("Your time zone"),
        description=_l(
            "Times in the service are shown in this time zone. Choose the country, then the city."
        ),
        default=DEFAULT_TIME_ZONE,
    )


class NewPasswordMixin:
    """Checks a new password against the length rules and the person's own email and name.

    Forms that do not ask for email and name get the account as `form.person`.
    """

    person = None

    def validate_password(self, field) -> None:
        if self.person is not None:
            email, name = self.person.email, self.person.display_name
        else:
            email, name = self.email.data or "", self.display_name.data or ""
        problem = password_problem(field.data or "", email=email, name=name)
        if problem:
            raise ValidationError(translated(problem))


def new_password_field(label: str | None = None) -> PasswordField:
    return PasswordField(
        label or _l("Create a password"),
        description=_l("Use 10 characters or more. A few unrelated words make a strong password."),
        validators=[InputRequired(_l("Enter a password"))],
    )


class AccountTypeForm(NhsukForm):
    account_type = RadioField(
        _l("How will you use this service?"),
        choices=options(
            [
                ("staff", _l("I work in the NHS and want to help health systems abroad")),
                (
                    "organisation",
                    _l("I represent an organisation that needs help or coordinates it"),
                ),
            ]
        ),
        validators=[InputRequired(_l("Select how you will use this service"))],
    )


class StaffRegistrationForm(NewPasswordMixin, NhsukForm):
    display_name = name_field()
    email = email_field(description=_l("We will send you a link to confirm it."))
    password = new_password_field()
    time_zone = time_zone_field()


class SignInForm(NhsukForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password"))])


class EmailOnlyForm(NhsukForm):
    email = email_field()


def revoke_tokens_field() -> BooleanField:
    """Offered, ticked, when the person has API tokens: whoever knew the old password may have
    made one. The view puts the number in the label."""
    return BooleanField(
        _l("Also revoke my API tokens"),
        description=_l("Systems that use them will stop working until you give them new tokens."),
        default=True,
    )


class ResetPasswordForm(NewPasswordMixin, NhsukForm):
    password = new_password_field(_l("New password"))
    revoke_tokens = revoke_tokens_field()


class ChangePasswordForm(NewPasswordMixin, NhsukForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password"))]
    )
    password = new_password_field(_l("New password"))
    revoke_tokens = revoke_tokens_field()


class ChangeEmailForm(NhsukForm):
    email = email_field(_l("New email address"))
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password"))]
    )


class AccountDetailsForm(NhsukForm):
    display_name = name_field()
    time_zone = time_zone_field(_l("Time zone"))
    language = RadioField(
        _l("Language"),
        description=_l(
            "The pages of the service and the emails it sends you will be in this language."
        ),
        choices=options(LANGUAGES.items()),
        # Left out, the language stays as it was.
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted() and not self.language.data:
            self.language.data = current_language()
