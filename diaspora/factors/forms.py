from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from diaspora.widgets import Name, NhsukForm


class CodeForm(NhsukForm):
    code = StringField(
        _l("Code from your authenticator app"),
        description=_l("The 6 numbers your app shows now, like 123456."),
        validators=[InputRequired(_l("Enter the 6-digit code from your authenticator app"))],
    )


class SignInCodeForm(CodeForm):
    remember = BooleanField(
        _l("Remember this browser for 30 days"),
        description=_l("Only on a device nobody else uses. You can forget it from your account."),
    )


class RecoveryCodeForm(NhsukForm):
    code = StringField(
        _l("Recovery code"),
        description=_l(
            "One of the codes you saved when you set up your second factor, like "
            "abcd-efgh-jkmn-pqrs. Each code works once."
        ),
        validators=[InputRequired(_l("Enter a recovery code"))],
    )


class PasswordForm(NhsukForm):
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password"))])


class PasskeyNameForm(NhsukForm):
    name = StringField(
        _l("Name this passkey"),
        description=_l("So you can tell your passkeys apart, for example “Work laptop”."),
        validators=[
            Name(),
            InputRequired(_l("Enter a name for this passkey")),
            Length(max=60, message=_l("The name must be 60 characters or fewer")),
        ],
    )
