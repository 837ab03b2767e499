from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from diaspora.audit.labels import action_choices
from diaspora.auth.models import ROLE_LABELS, STORED_ROLES
from diaspora.organisations import services as organisations
from diaspora.widgets import CheckboxList, NhsDateField, NhsukForm, options, refusal


class RolesForm(NhsukForm):
    """Only stored roles: partners and coordinators follow from verified memberships."""

    roles = SelectMultipleField(
        _l("Roles"),
        choices=options(
            (role.value, _l(label.msgid))
            for role, label in ROLE_LABELS.items()
            if role in STORED_ROLES
        ),
        widget=CheckboxList(),
    )


class UserSearchForm(NhsukForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search by name or email address"))


class EmailDomainsForm(NhsukForm):
    """Only on the administrators' page of an organisation: the organisation's own owners
    never set its domains, or they could confirm a free-mail domain and self-sign releases."""

    email_domains = TextAreaField(
        _l("Email domains this organisation uses"),
        description=_l(
            "One a line, like leedsth.nhs.uk or trust.example.org. Check the organisation uses "
            "them, for example on its website. While it is a verified NHS trust, a line "
            "manager's address at these domains (or their subdomains) can confirm a release. "
            "Free email services are refused. Up to %(max)s.",
            max=organisations.MAX_EMAIL_DOMAINS,
        ),
    )

    def validate_email_domains(self, field) -> None:
        try:
            organisations.clean_email_domains(field.data)
        except organisations.OrganisationError as error:
            raise ValidationError(refusal(error)) from error


class AuditFilterForm(NhsukForm):
    """The audit log's filters: a GET form (it changes nothing), so a filtered page can be
    bookmarked. It carries no personal data: the person is an account's id, chosen through
    `AuditPersonForm` or from their page."""

    class Meta:
        csrf = False

    person = HiddenField()
    action = SelectField(
        _l("Action"),
        choices=[],
        default="",
        invalid_choice_message=_l("Select an action from the list"),
    )
    since = NhsDateField(
        _l("From"),
        description=_l("Your local date. For example, 1 4 2026"),
        message_name=_l("From date"),
        invalid_message=_l("From date must be a real date"),
    )
    until = NhsDateField(
        _l("To"),
        description=_l("Your local date. For example, 30 4 2026"),
        message_name=_l("To date"),
        invalid_message=_l("To date must be a real date"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = options(action_choices(), gettext("Any action"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        since, until = self.since.data, self.until.data
        if isinstance(since, date) and isinstance(until, date) and until < since:
            self.until.errors = [
                *self.until.errors,
                gettext("To date must be the same as or after the From date"),
            ]
            ok = False
        return ok

    def person_id(self) -> int | None:
        value = (self.person.data or "").strip()
        return int(value) if value.isdecimal() and len(value) < 12 else None


class AuditPersonForm(NhsukForm):
    """Find a person for the audit log's filter. Posted, so what is typed (a name or an email
    address) never goes into an address or an access log."""

    q = StringField(
        _l("Name or email address"),
        validators=[
            Length(max=200, message=_l("Name or email address must be 200 characters or fewer"))
        ],
    )

    def validate_q(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(gettext("Enter a name or email address"))
