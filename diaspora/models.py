"""Every area's models, imported so that Alembic and create_app see all tables."""

from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User, UserRole
from diaspora.organisations.models import Membership, Organisation

__all__ = ["AuditEvent", "Membership", "Organisation", "User", "UserRole"]
