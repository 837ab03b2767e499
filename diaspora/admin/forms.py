from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from diaspora.auth.models import ROLE_LABELS, STORED_ROLES
from diaspora.organisations import services as organisations
from diaspora.widgets import CheckboxList, NhsukForm, options


class RolesForm(NhsukForm):
    """Only stored roles: partners and coordinators follow from verified memberships."""

    roles = SelectMultipleField(
        "Roles",
        choices=options(
            (role.value, label) for role, label in ROLE_LABELS.items() if role in STORED_ROLES
        ),
        widget=CheckboxList(),
    )


class UserSearchForm(NhsukForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search by name or email address")


class EmailDomainsForm(NhsukForm):
    """Only on the administrators' page of an organisation: the organisation's own owners
    never set its domains, or they could confirm a free-mail domain and self-sign releases."""

    email_domains = TextAreaField(
        "Email domains this organisation uses",
        description=(
            "One a line, like leedsth.nhs.uk or trust.example.org. Check the organisation uses "
            "them, for example on its website. While it is a verified NHS trust, a line "
            "manager's address at these domains (or their subdomains) can confirm a release. "
            f"Free email services are refused. Up to {organisations.MAX_EMAIL_DOMAINS}."
        ),
    )

    def validate_email_domains(self, field) -> None:
        try:
            organisations.clean_email_domains(field.data)
        except organisations.OrganisationError as error:
            raise ValidationError(str(error)) from error
