"""Who sees which impact figures, shared by the dashboards and the API. Anyone else is answered
404, so nobody learns which organisations or cohorts exist:
- a coordinating organisation's figures and its cohorts': coordinators of that organisation
  (privacy.access_of: an active member of it, verified) and
  administrators.
"""

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.cohorts.models import Cohort
from diaspora.core.time import utcnow
from diaspora.organisations.access import coordinated_organisations
from diaspora.organisations.models import COORDINATING_KINDS, Organisation
from diaspora.reference.places import DEFAULT_TIME_ZONE
from diaspora.registry.privacy import ViewerAccess


def zone_of(user: User) -> str:
    """The zone whose local dates a range is read in: the viewer's own."""
    return user.time_zone or DEFAULT_TIME_ZONE


def today_of(user: User) -> date:
    return utcnow().astimezone(ZoneInfo(zone_of(user))).date()


def coordinated_ids(session: Session, user: User, access: ViewerAccess) -> set[int]:
    """The coordinating organisations the viewer coordinates (none unless a coordinator)."""
    if not access.coordinator:
        return set()
    return {org.id for org in coordinated_organisations(session, user)}


def coordinating_organisation(
    session: Session, user: User, access: ViewerAccess, organisation_id: int
) -> Organisation | None:
    """The coordinating organisation if the viewer may see its figures, else None."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind not in COORDINATING_KINDS:
        return None
    if not access.admin and organisation.id not in coordinated_ids(session, user, access):
        return None
    return organisation


def visible_cohort(
    session: Session, user: User, access: ViewerAccess, cohort_id: int
) -> Cohort | None:
    """The cohort if the viewer may see its figures, else None."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        return None
    if not access.admin and cohort.organisation_id not in coordinated_ids(session, user, access):
        return None
    return cohort
