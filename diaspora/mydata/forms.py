from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField
from wtforms.validators import InputRequired

from diaspora.mydata.services import Handover
from diaspora.widgets import NhsukForm, RadioList, options


class DeleteAccountForm(NhsukForm):
    """The password, plus one question per organisation the person alone owns (added below)."""

    handovers: list[Handover] = []

    def successors(self) -> dict[int, int]:
        return {h.organisation.id: self[h.field_name].data for h in self.handovers}

    def successor_fields(self) -> list:
        return [self[h.field_name] for h in self.handovers]


def delete_account_form(handovers: list[Handover]) -> DeleteAccountForm:
    """A form class made for this person: the successor questions come before the password,
    so the error summary lists problems in the order the page shows them. Made in a request,
    so the questions naming an organisation are translated now, as plain text the page escapes
    (a lazy string would reach the page unescaped)."""
    fields: dict[str, object] = {"handovers": handovers}
    for handover in handovers:
        name = handover.organisation.name
        fields[handover.field_name] = SelectField(
            gettext("Who will own %(organisation)s after you leave?", organisation=name),
            description=_l("They become an owner and can manage its members and details."),
            choices=options((str(m.id), m.user.display_name) for m in handover.candidates),
            coerce=int,
            widget=RadioList(),
            validators=[
                InputRequired(
                    gettext(
                        "Select who will own %(organisation)s after you leave", organisation=name
                    )
                )
            ],
        )
    fields["password"] = PasswordField(
        _l("Your password"),
        description=_l("To confirm it is you."),
        validators=[InputRequired(_l("Enter your password"))],
    )
    form_class = type("PersonalDeleteAccountForm", (DeleteAccountForm,), fields)
    return form_class()
