from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from diaspora.widgets import Name, NhsukForm


class CodeForm(NhsukForm):
    code = StringField(
        "Code from your authenticator app",
        description="The 6 numbers your app shows now, like 123456.",
        validators=[InputRequired("Enter the 6-digit code from your authenticator app")],
    )


class SignInCodeForm(CodeForm):
    remember = BooleanField(
        "Remember this browser for 30 days",
        description="Only on a device nobody else uses. You can forget it from your account.",
    )


class RecoveryCodeForm(NhsukForm):
    code = StringField(
        "Recovery code",
        description="One of the codes you saved when you set up your second factor, like "
        "abcd-efgh-jkmn-pqrs. Each code works once.",
        validators=[InputRequired("Enter a recovery code")],
    )


class PasswordForm(NhsukForm):
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])


class PasskeyNameForm(NhsukForm):
    name = StringField(
        "Name this passkey",
        description="So you can tell your passkeys apart, for example “Work laptop”.",
        validators=[
            Name(),
            InputRequired("Enter a name for this passkey"),
            Length(max=60, message="The name must be 60 characters or fewer"),
        ],
    )
