"""Forms for a mobile number: the number (national format with its country, or international),
the code sent to it, and removing it."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from diaspora.languages import translated
from diaspora.phones.numbers import NumberError, calling_countries, parse_mobile
from diaspora.widgets import NhsukForm, options


class NumberForm(NhsukForm):
    country = SelectField(
        _l("Country of the number"),
        description=_l("Not needed when you enter the number with its country code, like +44."),
        choices=options(calling_countries(), _l("Select a country")),
        default="GB",
        validate_choice=False,  # checked below, with the number
    )
    number = StringField(
        _l("Mobile number"),
        description=_l("For example, 07911 123456, or +880 1712 345678 for a number abroad."),
        validators=[InputRequired(_l("Enter a mobile number"))],
    )
    e164: str | None = None

    def validate_country(self, field: SelectField) -> None:
        known = {code for code, _ in calling_countries()}
        if field.data and field.data not in known:
            raise ValidationError(_l("Select the country of your mobile number from the list"))

    def validate_number(self, field: StringField) -> None:
        try:
            self.e164 = parse_mobile(field.data, self.country.data or None)
        except NumberError as error:
            raise ValidationError(translated(error.args[0])) from None


class CodeForm(NhsukForm):
    code = StringField(
        _l("Confirmation code"),
        description=_l("The 6 numbers in the text message we sent, like 123456."),
        validators=[InputRequired(_l("Enter the 6-digit code from the text message"))],
    )

    def validate_code(self, field: StringField) -> None:
        typed = "".join((field.data or "").split())
        if not (typed.isdigit() and len(typed) == 6):
            raise ValidationError(_l("Enter the code as 6 numbers, like 123456"))
