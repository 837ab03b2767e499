"""Every area's models, imported so that Alembic and create_app see all tables."""

from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User, UserRole
from diaspora.credentials.models import Credential
from diaspora.organisations.models import Membership, Organisation
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)

__all__ = [
    "AuditEvent",
    "AvailabilityWindow",
    "CountryTie",
    "Credential",
    "LanguageSkill",
    "Membership",
    "Organisation",
    "ProfileSkill",
    "StaffProfile",
    "User",
    "UserRole",
]
