from email_validator import EmailNotValidError, validate_email
from flask import current_app
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from diaspora.auth.services import password_problem
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.widgets import Name, NhsukForm, TimeZoneField, options

EMAIL_REQUIRED = "Enter your email address"
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


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


def email_field(label: str = "Email address", **kwargs) -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired(EMAIL_REQUIRED),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            _valid_email,
        ],
        **kwargs,
    )


def name_field() -> StringField:
    return StringField(
        "Full name",
        validators=[
            Name(),
            DataRequired("Enter your full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )


def time_zone_field(label: str = "Your time zone") -> TimeZoneField:
    """A person's own zone: the service shows every time in it."""
    return TimeZoneField(
        label,
        description="Times in the service are shown in this time zone. Choose the country, "
        "then the city.",
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
            raise ValidationError(problem)


def new_password_field(label: str = "Create a password") -> PasswordField:
    return PasswordField(
        label,
        description="Use 10 characters or more. A few unrelated words make a strong password.",
        validators=[InputRequired("Enter a password")],
    )


class AccountTypeForm(NhsukForm):
    account_type = RadioField(
        "How will you use this service?",
        choices=options(
            [
                ("staff", "I work in the NHS and want to help health systems abroad"),
                ("organisation", "I represent an organisation that needs help or coordinates it"),
            ]
        ),
        validators=[InputRequired("Select how you will use this service")],
    )


class StaffRegistrationForm(NewPasswordMixin, NhsukForm):
    display_name = name_field()
    email = email_field(description="We will send you a link to confirm it.")
    password = new_password_field()
    time_zone = time_zone_field()


class SignInForm(NhsukForm):
    email = email_field()
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])


class EmailOnlyForm(NhsukForm):
    email = email_field()


def revoke_tokens_field() -> BooleanField:
    """Offered, ticked, when the person has API tokens: whoever knew the old password may have
    made one. The view puts the number in the label."""
    return BooleanField(
        "Also revoke my API tokens",
        description="Systems that use them will stop working until you give them new tokens.",
        default=True,
    )


class ResetPasswordForm(NewPasswordMixin, NhsukForm):
    password = new_password_field("New password")
    revoke_tokens = revoke_tokens_field()


class ChangePasswordForm(NewPasswordMixin, NhsukForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password")]
    )
    password = new_password_field("New password")
    revoke_tokens = revoke_tokens_field()


class ChangeEmailForm(NhsukForm):
    email = email_field("New email address")
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password")]
    )


class AccountDetailsForm(NhsukForm):
    display_name = name_field()
    time_zone = time_zone_field("Time zone")
