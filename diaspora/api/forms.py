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
        description="So you can tell your tokens apart, for example “Hospital rota system”.",
        validators=[Name(), _check_name],
    )
    scope = RadioField(
        "What may the token do?",
        choices=options(list(SCOPE_LABELS.items())),
        validators=[InputRequired("Choose what the token may do")],
    )
    days = SelectField(
        "When should it expire?",
        description="It stops working then. We will email you a week before.",
        choices=options(
            [
                ("30", "In 30 days"),
                ("90", "In 90 days"),
                ("180", "In 180 days"),
                ("365", "In a year"),
            ]
        ),
        default="90",
        coerce=int,
    )
