from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from diaspora.api import tokens
from diaspora.api.models import SCOPE_LABELS
from diaspora.widgets import Name, NhsukForm, options


def _check_name(_form, field) -> None:
    problem = tokens.name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class TokenForm(NhsukForm):
    name = StringField(
        "Name",
        description=_l("So you can tell your tokens apart, for example “Hospital rota system”."),
        validators=[Name(), _check_name],
    )
    scope = RadioField(
        _l("What may the token do?"),
        choices=options((value, _l(label)) for value, label in SCOPE_LABELS.items()),
        validators=[InputRequired(_l("Choose what the token may do"))],
    )
    days = SelectField(
        _l("When should it expire?"),
        description=_l("It stops working then. We will email you a week before."),
        choices=options(
            [
                ("30", _l("In 30 days")),
                ("90", _l("In 90 days")),
                ("180", _l("In 180 days")),
                ("365", _l("In a year")),
            ]
        ),
        default="90",
        coerce=int,
    )
