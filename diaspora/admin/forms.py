from wtforms import SelectMultipleField, StringField

from diaspora.auth.models import ROLE_LABELS, STORED_ROLES
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
