"""Every area's models, imported so that Alembic and create_app see all tables."""

from sqlalchemy import MetaData

from diaspora.api.models import AccessToken
from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User, UserRole
from diaspora.bookings.models import CalendarFeed
from diaspora.changelog import models as changelog_models  # noqa: F401  (tables of their own)
from diaspora.cohorts.models import Cohort, CohortInvitation, CohortMember, VolunteerImport
from diaspora.contributions.models import Certificate, HoursLog
from diaspora.credentials.models import Credential
from diaspora.engagements.models import Engagement
from diaspora.extensions import db
from diaspora.factors.models import Passkey, RecoveryCode, RememberedDevice, TotpFactor
from diaspora.matching import models as matching_models  # noqa: F401  (tables of their own)
from diaspora.milestones.models import Milestone, Plan, PlanTemplate, TemplateMilestone
from diaspora.notifications.models import Notification
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
    TeachingSession,
)
from diaspora.organisations.models import Membership, Organisation, OrganisationInvitation
from diaspora.phones.models import MobileNumber
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)

__all__ = [
    "AccessToken",
    "AuditEvent",
    "AvailabilityWindow",
    "CalendarFeed",
    "Certificate",
    "Cohort",
    "CohortInvitation",
    "CohortMember",
    "CountryTie",
    "Credential",
    "Engagement",
    "HoursLog",
    "LanguageSkill",
    "Membership",
    "Milestone",
    "MobileNumber",
    "Notification",
    "Opportunity",
    "OpportunityLanguage",
    "OpportunityProfession",
    "OpportunitySkill",
    "Organisation",
    "OrganisationInvitation",
    "Passkey",
    "Plan",
    "PlanTemplate",
    "ProfileSkill",
    "RecoveryCode",
    "RememberedDevice",
    "StaffProfile",
    "TeachingSession",
    "TemplateMilestone",
    "TotpFactor",
    "User",
    "UserRole",
    "VolunteerImport",
]


def metadata_for(dialect_name: str) -> MetaData:
    """The models' metadata as a database of this kind holds it, for Alembic to compare against.

    An index declared with `.ddl_if(dialect="postgresql")` (the directory's GIN index on
    staff_profiles.search_vector) is created by the migrations on PostgreSQL only. Compared
    against SQLite, autogenerate would still find it in the metadata and report it missing (and
    for an expression index, warn "autogenerate skipping metadata-specified expression-based
    index", an error under pytest). An `include_object` hook cannot filter it out in time:
    Alembic's SQLite comparison warns before it runs the hook. So other databases compare
    against a copy of the metadata without such objects; PostgreSQL compares against the metadata
    itself, where the index is checked like any other. migrations/env.py and
    tests/test_migrations.py both use this.
    """
    elsewhere = {
        (table.name, index.name)
        for table in db.metadata.tables.values()
        for index in table.indexes
        if not _built_on(index, dialect_name)
    }
    if not elsewhere:
        return db.metadata
    copy = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(copy)
    for table_name, index_name in elsewhere:
        table = copy.tables[table_name]
        table.indexes -= {index for index in table.indexes if index.name == index_name}
    return copy


def _built_on(item: object, dialect_name: str) -> bool:
    condition = getattr(item, "_ddl_if", None)  # set by SchemaItem.ddl_if(dialect=...)
    return condition is None or condition.dialect in (None, dialect_name)
