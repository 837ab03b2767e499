"""What waits for each person: the queues of their home page and the counts in the header.

Each queue is one query: its first CAP items in the order they are dealt with (oldest first)
and, in the same statement, how many there are in all (a window count), so a home page runs the
same statements however long its queues are. The rules (who may see what, when an application
is nudged or expires, when a registration is flagged) are the areas' own, imported from them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, lazyload

from diaspora.auth.models import Role, User
from diaspora.bookings.services import HOLDS_PLACE
from diaspora.cohorts.models import Cohort, CohortMember
from diaspora.contributions.models import HoursLog, HoursStatus
from diaspora.core.time import utcnow
from diaspora.credentials import services as credentials
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.directory.services import listed
from diaspora.engagements import services as engagements
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.matching.models import Invitation, InvitationState
from diaspora.milestones.models import Milestone, Plan
from diaspora.milestones.services import DEFAULT_LEAD_DAYS, local_today
from diaspora.notifications.models import Notification
from diaspora.notifications.services import failed_query, unread_query
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SessionStatus,
    TeachingSession,
)
from diaspora.opportunities.services import MAX_DURATION
from diaspora.organisations.access import verified_memberships
from diaspora.organisations.models import (
    COORDINATING_KINDS,
    Membership,
    Organisation,
    Verification,
)
from diaspora.registry.models import CountryTie, StaffProfile
from diaspora.registry.privacy import ViewerAccess

S = EngagementState

CAP = 5  # items shown per queue; "see all" leads to the rest
# Milestones come onto the home page with the first reminder (30 days before by default).
DUE_SOON_DAYS = max(DEFAULT_LEAD_DAYS)
DECLINED_HOURS_SHOWN = timedelta(days=30)  # declined hours stay on the home page this long
CLOSING_DAYS = 14  # an open opportunity ending within this many days is "closing"
NEW_VOLUNTEER_DAYS = 30  # a profile completed within this many days is "new"
UNCONFIRMED_AFTER = timedelta(days=7)  # an email address still unconfirmed after this long
# A booked session stays on the list until it can no longer be under way.
SESSION_SHOWN_AFTER_START = timedelta(minutes=MAX_DURATION)
# Applications waiting, as the organisation's "to do"; the person's own states as "yours".
YOUR_APPLICATIONS = (S.INTERESTED, S.APPLIED, S.ACCEPTED)


@dataclass
class Queue:
    """The first items of a queue, and how many it holds."""

    items: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> bool:
        return self.total > len(self.items)


def capped(session: Session, query: Select, cap: int = CAP) -> Queue:
    """The first `cap` rows of `query` and the number of rows it has, in one statement."""
    rows = session.execute(query.add_columns(func.count().over()).limit(cap)).all()
    if not rows:
        return Queue()
    width = len(rows[0]) - 1
    items = [row[0] if width == 1 else tuple(row[:width]) for row in rows]
    return Queue(items, rows[0][-1])


def _quiet_opportunity(path):
    """Opportunities load their wanted professions, skills and languages eagerly; queues do not
    show them."""
    return path.options(
        lazyload(Opportunity.professions),
        lazyload(Opportunity.skills),
        lazyload(Opportunity.languages),
    )


# Staff ----------------------------------------------------------------------------------------


def _invitations_to_answer(user_id: int) -> Select:
    return (
        select(Invitation)
        .join(Opportunity, Opportunity.id == Invitation.opportunity_id)
        .where(
            Invitation.user_id == user_id,
            Invitation.state == InvitationState.PENDING,
            Opportunity.status == OpportunityStatus.OPEN,
        )
    )


def invitations(session: Session, user: User) -> Queue:
    """Invitations to open opportunities the person has not answered, oldest first."""
    query = (
        _invitations_to_answer(user.id)
        .options(_quiet_opportunity(contains_eager(Invitation.opportunity)))
        .order_by(Invitation.created_at, Invitation.id)
    )
    return capped(session, query)


def upcoming_sessions(session: Session, user: User, now: datetime | None = None) -> Queue:
    """Tele-teaching sessions the person holds a place on that are still to come or may be
    under way, soonest first."""
    now = now or utcnow()
    query = (
        select(Engagement)
        .join(TeachingSession, TeachingSession.id == Engagement.session_id)
        .join(Opportunity, Opportunity.id == TeachingSession.opportunity_id)
        .where(
            Engagement.user_id == user.id,
            Engagement.state.in_(HOLDS_PLACE),
            TeachingSession.status == SessionStatus.SCHEDULED,
            TeachingSession.starts_at > now - SESSION_SHOWN_AFTER_START,
        )
        .options(
            _quiet_opportunity(
                contains_eager(Engagement.session).contains_eager(TeachingSession.opportunity)
            )
        )
        .order_by(TeachingSession.starts_at, Engagement.id)
    )
    return capped(session, query)


def applications(session: Session, user: User) -> Queue:
    """The person's own applications still under way (not tele-teaching bookings), oldest
    first: interested (not applied yet), applied (waiting for an answer), accepted."""
    query = (
        select(Engagement)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(
            Engagement.user_id == user.id,
            Engagement.session_id.is_(None),
            Engagement.state.in_(YOUR_APPLICATIONS),
        )
        .options(_quiet_opportunity(contains_eager(Engagement.opportunity)))
        .order_by(Engagement.created_at, Engagement.id)
    )
    return capped(session, query)


def milestones(session: Session, user: User, now: datetime | None = None) -> Queue:
    """Milestones of the person's plans not done and overdue or due within DUE_SOON_DAYS of
    their own today, earliest first."""
    today = local_today(user, now)
    query = (
        select(Milestone)
        .join(Plan, Plan.id == Milestone.plan_id)
        .where(
            Plan.owner_id == user.id,
            Milestone.done_at.is_(None),
            Milestone.due_on <= today + timedelta(days=DUE_SOON_DAYS),
        )
        .options(contains_eager(Milestone.plan))
        .order_by(Milestone.due_on, Milestone.id)
    )
    return capped(session, query)


def hours(session: Session, user: User, now: datetime | None = None) -> Queue:
    """The person's hours waiting for approval, and those declined in the last
    DECLINED_HOURS_SHOWN (with the organisation's reason), oldest first."""
    now = now or utcnow()
    query = (
        select(HoursLog)
        .join(Engagement, Engagement.id == HoursLog.engagement_id)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(
            Engagement.user_id == user.id,
            or_(
                HoursLog.status == HoursStatus.PENDING,
                and_(
                    HoursLog.status == HoursStatus.DECLINED,
                    HoursLog.decided_at >= now - DECLINED_HOURS_SHOWN,
                ),
            ),
        )
        .options(
            _quiet_opportunity(
                contains_eager(HoursLog.engagement).contains_eager(Engagement.opportunity)
            )
        )
        .order_by(HoursLog.created_at, HoursLog.id)
    )
    return capped(session, query)


def profile_incomplete(session: Session, user: User) -> bool:
    return not engagements.profile_complete(session, user)


def expiring_registrations(session: Session, user: User, today: date | None = None) -> Queue:
    """The person's registrations (not rejected) expired or expiring within the credentials
    area's warning period, soonest first."""
    today = today or credentials.today()
    query = (
        select(Credential)
        .join(StaffProfile, StaffProfile.id == Credential.profile_id)
        .where(
            StaffProfile.user_id == user.id,
            Credential.status != CredentialStatus.REJECTED,
            Credential.expires_on <= today + timedelta(days=credentials.EXPIRY_WARNING_DAYS),
        )
        .order_by(Credential.expires_on, Credential.id)
    )
    return capped(session, query)


# Organisations (partners, and coordinators whose organisation posts opportunities) -----------


def _organisation_ids(user_id: int):
    """The verified organisations the person acts for (organisations/access.py), as SQL."""
    return verified_memberships(Membership.organisation_id, user_id=user_id).scalar_subquery()


def _applications_waiting(user_id: int) -> Select:
    return (
        select(Engagement)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(
            Opportunity.organisation_id.in_(_organisation_ids(user_id)),
            Engagement.state == S.APPLIED,
        )
    )


def applications_waiting(session: Session, user: User) -> Queue:
    """Applications to the person's organisations waiting for an answer, oldest first: the
    engagements area nudges after NUDGE_AFTER and expires them after EXPIRE_AFTER."""
    query = (
        _applications_waiting(user.id)
        .options(_quiet_opportunity(contains_eager(Engagement.opportunity)))
        .order_by(Engagement.applied_at, Engagement.id)
    )
    return capped(session, query)


def _hours_to_review(user_id: int) -> Select:
    return (
        select(HoursLog)
        .join(Engagement, Engagement.id == HoursLog.engagement_id)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(
            Opportunity.organisation_id.in_(_organisation_ids(user_id)),
            HoursLog.status == HoursStatus.PENDING,
        )
    )


def hours_to_review(session: Session, user: User) -> Queue:
    """Hours logged on the person's organisations' opportunities waiting for a decision."""
    query = (
        _hours_to_review(user.id)
        .options(
            _quiet_opportunity(
                contains_eager(HoursLog.engagement).contains_eager(Engagement.opportunity)
            )
        )
        .order_by(HoursLog.created_at, HoursLog.id)
    )
    return capped(session, query)


def attendance_to_record(session: Session, user: User, now: datetime | None = None) -> Queue:
    """Sessions of the person's organisations that have started, had people booked, and whose
    attendance nobody has recorded (bookings.attendance_problem's rule), oldest first."""
    now = now or utcnow()
    query = (
        select(TeachingSession)
        .join(Opportunity, Opportunity.id == TeachingSession.opportunity_id)
        .where(
            Opportunity.organisation_id.in_(_organisation_ids(user.id)),
            TeachingSession.status == SessionStatus.SCHEDULED,
            TeachingSession.starts_at <= now,
            TeachingSession.attendance_recorded_at.is_(None),
            TeachingSession.booked > 0,
        )
        .options(_quiet_opportunity(contains_eager(TeachingSession.opportunity)))
        .order_by(TeachingSession.starts_at, TeachingSession.id)
    )
    return capped(session, query)


def releases_pending(session: Session, user: User) -> Queue:
    """Accepted engagements that cannot start until the person's NHS line manager confirms
    release, oldest decision first."""
    query = (
        select(Engagement)
        .join(Opportunity, Opportunity.id == Engagement.opportunity_id)
        .where(
            Opportunity.organisation_id.in_(_organisation_ids(user.id)),
            Engagement.state == S.ACCEPTED,
            Engagement.release_status.in_(engagements.RELEASE_CHANGEABLE),
        )
        .options(_quiet_opportunity(contains_eager(Engagement.opportunity)))
        .order_by(Engagement.decided_at, Engagement.id)
    )
    return capped(session, query)


def places_taken():
    """Per opportunity: how many people hold a place (accepted or active), as SQL."""
    return (
        select(func.count())
        .select_from(Engagement)
        .where(
            Engagement.opportunity_id == Opportunity.id,
            Engagement.state.in_((S.ACCEPTED, S.ACTIVE)),
        )
        .scalar_subquery()
    )


def opportunities_to_fill(session: Session, user: User, today: date | None = None) -> Queue:
    """Open opportunities of the person's organisations that end within CLOSING_DAYS or still
    have places nobody holds, ending soonest first. Rows are (opportunity, places taken)."""
    today = today or utcnow().date()
    taken = places_taken()
    query = (
        select(Opportunity, taken)
        .where(
            Opportunity.organisation_id.in_(_organisation_ids(user.id)),
            Opportunity.status == OpportunityStatus.OPEN,
            or_(
                Opportunity.ends_on <= today + timedelta(days=CLOSING_DAYS),
                and_(Opportunity.places.is_not(None), taken < Opportunity.places),
            ),
        )
        .options(
            lazyload(Opportunity.professions),
            lazyload(Opportunity.skills),
            lazyload(Opportunity.languages),
        )
        .order_by(Opportunity.ends_on.is_(None), Opportunity.ends_on, Opportunity.id)
    )
    return capped(session, query)


# Coordinators ---------------------------------------------------------------------------------


def registrations_to_verify(session: Session, user: User, access: ViewerAccess) -> Queue:
    """The credentials area's verification queue, oldest first."""
    return capped(session, credentials.verification_queue(session, user, access))


def overdue_milestones(session: Session, user: User, today: date | None = None) -> Queue:
    """Overdue milestones of the plans that name the person as their coordinator, oldest first.
    Rows are (milestone, the plan's owner). The day is UTC's: a plan's owner far east or west
    may see a milestone overdue a few hours before or after it shows here."""
    today = today or utcnow().date()
    owner = aliased(User)
    query = (
        select(Milestone, owner)
        .join(Plan, Plan.id == Milestone.plan_id)
        .join(owner, owner.id == Plan.owner_id)
        .where(
            Plan.coordinator_id == user.id,
            Milestone.done_at.is_(None),
            Milestone.due_on < today,
        )
        .options(contains_eager(Milestone.plan))
        .order_by(Milestone.due_on, Milestone.id)
    )
    return capped(session, query)


def new_volunteers(
    session: Session, user: User, access: ViewerAccess, now: datetime | None = None
) -> Queue:
    """People who completed their profile in the last NEW_VOLUNTEER_DAYS, with a tie to the
    country one of the coordinator's current cohorts serves, listed to the coordinator (the
    directory's privacy rule), willing to be contacted and not in that cohort yet; oldest first.
    Rows are (profile, cohort)."""
    now = now or utcnow()
    coordinated = verified_memberships(
        Membership.organisation_id, user_id=user.id, kinds=COORDINATING_KINDS
    ).scalar_subquery()
    member = (
        select(CohortMember.id)
        .where(CohortMember.cohort_id == Cohort.id, CohortMember.user_id == StaffProfile.user_id)
        .exists()
    )
    tie = (
        select(CountryTie.id)
        .where(CountryTie.profile_id == StaffProfile.id, CountryTie.country == Cohort.country)
        .exists()
    )
    query = (
        select(StaffProfile, Cohort)
        .join(User, User.id == StaffProfile.user_id)
        .join(Cohort, tie)
        .where(
            *listed(access.audiences),
            Cohort.organisation_id.in_(coordinated),
            Cohort.archived_at.is_(None),
            StaffProfile.user_id != user.id,
            StaffProfile.consent_to_contact.is_(True),
            StaffProfile.completed_at >= now - timedelta(days=NEW_VOLUNTEER_DAYS),
            ~member,
        )
        .options(contains_eager(StaffProfile.user))
        .order_by(StaffProfile.completed_at, StaffProfile.id, Cohort.id)
    )
    return capped(session, query)


# Administrators -------------------------------------------------------------------------------


def _organisations_to_verify() -> Select:
    return select(Organisation).where(Organisation.verification == Verification.PENDING)


def organisations_to_verify(session: Session) -> Queue:
    """Organisations waiting for verification, oldest first (as the administration queue)."""
    query = _organisations_to_verify().order_by(Organisation.created_at, Organisation.id)
    return capped(session, query)


def _failed_emails() -> Select:
    return failed_query().order_by(None)


def failed_emails(session: Session) -> Queue:
    """Emails the outbox gave up on, oldest first."""
    query = _failed_emails().order_by(Notification.claimed_at, Notification.id)
    return capped(session, query)


def accounts_needing_attention(session: Session, now: datetime | None = None) -> Queue:
    """Active accounts whose email address is still unconfirmed UNCONFIRMED_AFTER after they
    were made: a mistyped address, or someone stuck at the first step. Oldest first."""
    now = now or utcnow()
    query = (
        select(User)
        .where(
            User.active.is_(True),
            User.email_verified_at.is_(None),
            User.created_at <= now - UNCONFIRMED_AFTER,
        )
        .options(lazyload(User.roles))
        .order_by(User.created_at, User.id)
    )
    return capped(session, query)


# Everything a person's home page lists ----------------------------------------------------------


@dataclass
class Home:
    roles: frozenset[str]
    staff: dict[str, Queue] = field(default_factory=dict)
    profile_incomplete: bool = False
    organisation: dict[str, Queue] = field(default_factory=dict)
    coordinator: dict[str, Queue] = field(default_factory=dict)
    admin: dict[str, Queue] = field(default_factory=dict)


def acts_for_organisations(access: ViewerAccess) -> bool:
    """A verified organisation's active member: its partner and coordinator roles follow from
    such memberships alone (organisations/access.py)."""
    return bool(access.roles & {Role.PARTNER, Role.COORDINATOR})


def home_of(
    session: Session, user: User, access: ViewerAccess, now: datetime | None = None
) -> Home:
    """Every queue of the person's roles: one statement each."""
    now = now or utcnow()
    home = Home(access.roles)
    if Role.STAFF in access.roles:
        home.staff = {
            "invitations": invitations(session, user),
            "sessions": upcoming_sessions(session, user, now),
            "milestones": milestones(session, user, now),
            "applications": applications(session, user),
            "hours": hours(session, user, now),
            "registrations": expiring_registrations(session, user, now.date()),
        }
        home.profile_incomplete = profile_incomplete(session, user)
    if acts_for_organisations(access):
        home.organisation = {
            "applications": applications_waiting(session, user),
            "hours": hours_to_review(session, user),
            "attendance": attendance_to_record(session, user, now),
            "releases": releases_pending(session, user),
            "opportunities": opportunities_to_fill(session, user, now.date()),
        }
    if access.coordinator:
        home.coordinator = {
            "registrations": registrations_to_verify(session, user, access),
            "milestones": overdue_milestones(session, user, now.date()),
            "volunteers": new_volunteers(session, user, access, now),
        }
    if access.admin:
        home.admin = {
            "organisations": organisations_to_verify(session),
            "emails": failed_emails(session),
            "accounts": accounts_needing_attention(session, now),
        }
        if not access.coordinator:
            home.admin["registrations"] = registrations_to_verify(session, user, access)
    return home


# The header's counts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """What the header shows next to its links: only the queues that ask for action."""

    invitations: int = 0  # staff: invitations to answer
    organisation: int = 0  # applications waiting and hours to review
    registrations: int = 0  # coordinators and administrators: registrations to verify
    admin: int = 0  # organisations to verify and emails failed for good
    unread: int = 0  # messages in the inbox not read yet (everyone)


def _count(query: Select):
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


def counts_of(session: Session, user: User, access: ViewerAccess, *, unread: bool = True) -> Counts:
    """The header's counts for the person's roles and, unless `unread` is false (a page that
    counted them already), their unread messages: one statement for them all."""
    wanted: dict[str, Any] = {}
    if unread:
        wanted["unread"] = _count(unread_query(user))
    if Role.STAFF in access.roles:
        wanted["invitations"] = _count(_invitations_to_answer(user.id))
    if acts_for_organisations(access):
        wanted["organisation"] = _count(_applications_waiting(user.id)) + _count(
            _hours_to_review(user.id)
        )
    if access.oversees:
        wanted["registrations"] = _count(credentials.verification_queue(session, user, access))
    if access.admin:
        wanted["admin"] = _count(_organisations_to_verify()) + _count(_failed_emails())
    if not wanted:
        return Counts()
    row = session.execute(select(*(value.label(name) for name, value in wanted.items()))).one()
    return Counts(**{name: int(row._mapping[name] or 0) for name in wanted})
