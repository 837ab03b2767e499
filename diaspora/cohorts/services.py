"""Cohorts: a coordinating organisation's groups of staff, who is in them, and what the
coordinator sees of them.

Who may do what:
- a coordinator (privacy.access_of(...).coordinator) manages the cohorts of the charities and
  NHS trusts they coordinate for; anyone else gets "not found" for a cohort, except
  administrators, who may look at every cohort but change none;
- a staff member joins through a cohort's signed invitation link, or is added by a coordinator
  from the people the coordinator may list (the directory's search, so the privacy rule is the
  directory's), and may leave at any time.

What a coordinator sees of members follows the privacy rule too: a member is listed only when
their profile could appear in the coordinator's own lists (completed, an audience the
coordinator belongs to, an active account) and they agreed to be contacted. The others are
counted, never named, and nothing of theirs is shown. Administrators see what a coordinator
sees: they may open any profile, but private ones are never listed.

The cohort page costs a fixed number of queries whatever the number of members (see
`overview`). Functions here never commit; the caller does, then the outbox sends.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload, lazyload

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.auth.services import make_token, read_token
from diaspora.bookings.services import HOLDS_PLACE
from diaspora.contributions.models import HoursLog, HoursStatus
from diaspora.core.erasure import name_pattern, without_name
from diaspora.core.errors import DomainError
from diaspora.core.paging import PageNumbers
from diaspora.core.time import as_utc, utcnow
from diaspora.core.urls import service_path
from diaspora.core.words import N_
from diaspora.directory import services as directory
from diaspora.engagements import states
from diaspora.engagements.models import Engagement
from diaspora.milestones.models import Milestone, Plan
from diaspora.milestones.services import local_today
from diaspora.notifications.services import notify
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SessionStatus,
    TeachingSession,
)
from diaspora.organisations.access import coordinated_organisations
from diaspora.organisations.models import Organisation
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile

from .models import Cohort, CohortInvitation, CohortMember, CohortMessage

LINK_PURPOSE = "cohort-invite"
LINK_MAX_AGE = timedelta(days=90)  # a link older than this stops working; a new one can be made
UPCOMING_SESSIONS = 10
MESSAGES_SHOWN = 20  # the latest, on the cohort page
MESSAGES_PER_PAGE = 20  # on the page of all the cohort's messages
OPPORTUNITIES_OFFERED = 200


class CohortError(DomainError):
    """A change the rules refuse; `str()` is a message fit to show the person."""


# Who coordinates what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What one person may do with cohorts, worked out once (two queries) for a page."""

    user: User
    access: privacy.ViewerAccess  # for lists: without the administrator's right to open any one
    organisations: tuple[Organisation, ...]  # the charities and NHS trusts they coordinate for
    admin: bool

    def manages(self, cohort: Cohort) -> bool:
        return any(org.id == cohort.organisation_id for org in self.organisations)

    def may_view(self, cohort: Cohort) -> bool:
        return self.admin or self.manages(cohort)


def viewer_of(session: Session, user: User) -> Viewer:
    """A list shows what a coordinator's would (privacy.py): an administrator may open any
    profile, but that right does not put private profiles in lists, so it is left out."""
    access = privacy.access_of(session, user)
    organisations: tuple[Organisation, ...] = ()
    if access.coordinator:
        organisations = tuple(coordinated_organisations(session, user))
    return Viewer(user, replace(access, admin=False), organisations, access.admin)


def coordinating_organisations(session: Session, user: User) -> list[Organisation]:
    """The charities and NHS trusts the user coordinates for; empty for anyone not a coordinator."""
    return list(viewer_of(session, user).organisations)


def visible_cohort(session: Session, viewer: Viewer, cohort_id: int) -> Cohort | None:
    """The cohort, for its coordinators and administrators; None (not found) for anyone else."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not viewer.may_view(cohort):
        return None
    return cohort


@dataclass(frozen=True)
class CohortRow:
    cohort: Cohort
    members: int


def cohorts_for(session: Session, viewer: Viewer) -> list[CohortRow]:
    """The cohorts of the user's coordinating organisations (every cohort for administrators),
    current ones first, by name, each with its number of members (active accounts), in one
    query."""
    members = (
        select(CohortMember.cohort_id, func.count().label("members"))
        .join(User, User.id == CohortMember.user_id)
        .where(User.active.is_(True))
        .group_by(CohortMember.cohort_id)
        .subquery()
    )
    query = (
        select(Cohort, func.coalesce(members.c.members, 0))
        .outerjoin(members, members.c.cohort_id == Cohort.id)
        .options(joinedload(Cohort.organisation))
        .order_by(Cohort.archived_at.is_not(None), Cohort.name, Cohort.id)
    )
    if not viewer.admin:
        ids = [org.id for org in viewer.organisations]
        query = query.where(Cohort.organisation_id.in_(ids))
    return [CohortRow(cohort, count) for cohort, count in session.execute(query)]


# Creating, changing and archiving ------------------------------------------------------------


@dataclass(frozen=True)
class CohortInput:
    organisation_id: int
    name: str
    description: str = ""
    country: str | None = None


def _organisation_for(session: Session, actor: User, organisation_id: int) -> Organisation:
    for org in coordinating_organisations(session, actor):
        if org.id == organisation_id:
            return org
    raise CohortError(N_("Select an organisation you coordinate for"))


def create_cohort(session: Session, actor: User, details: CohortInput) -> Cohort:
    organisation = _organisation_for(session, actor, details.organisation_id)
    cohort = Cohort(
        organisation=organisation,
        name=details.name.strip(),
        description=details.description.strip(),
        country=details.country or None,
        created_by_id=actor.id,
    )
    session.add(cohort)
    session.flush()
    record(session, "cohort.created", actor=actor, subject=cohort)
    return cohort


def update_cohort(session: Session, cohort: Cohort, actor: User, details: CohortInput) -> None:
    cohort.name = details.name.strip()
    cohort.description = details.description.strip()
    cohort.country = details.country or None
    record(session, "cohort.updated", actor=actor, subject=cohort)


def archive_cohort(session: Session, cohort: Cohort, actor: User) -> None:
    """An archived cohort keeps its members and messages but takes no changes, and its
    invitation link stops working."""
    cohort.archived_at = utcnow()
    cohort.invite_nonce = None
    record(session, "cohort.archived", actor=actor, subject=cohort)


def restore_cohort(session: Session, cohort: Cohort, actor: User) -> None:
    cohort.archived_at = None
    record(session, "cohort.restored", actor=actor, subject=cohort)


def _current(cohort: Cohort) -> None:
    if cohort.archived_at is not None:
        raise CohortError(N_("This cohort is archived: restore it to change it"))


# Members: what a coordinator may see ---------------------------------------------------------


def listable(access: privacy.ViewerAccess, viewer: User, profile: StaffProfile | None) -> bool:
    """Whether a member may be named to this viewer: a completed profile the privacy rule lets
    the viewer see, whose owner agreed to be contacted."""
    return (
        profile is not None
        and profile.completed_at is not None
        and profile.consent_to_contact
        and privacy.visible_with(access, viewer, profile)
    )


@dataclass(frozen=True)
class PersonFilters:
    text: str = ""
    profession: str | None = None
    country: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Found:
    profile: StaffProfile
    member: bool  # already in the cohort
    addable: bool  # not in it, and agreed to be contacted


def find_people(
    session: Session, viewer: User, cohort: Cohort, filters: PersonFilters, page: int = 1
) -> tuple[directory.ResultPage, list[Found]]:
    """People the coordinator may add, found by the directory's own search (so exactly the
    people the directory lists to them), each marked with whether they can be added."""
    access = directory.access_for(session, viewer)
    results = directory.search(
        session,
        access,
        directory.Filters(
            text=filters.text,
            profession=filters.profession,
            country=filters.country,
            language=filters.language,
        ),
        page=page,
    )
    user_ids = [result.profile.user_id for result in results.items]
    members = set(
        session.scalars(
            select(CohortMember.user_id).where(
                CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(user_ids)
            )
        )
    )
    found = [
        Found(
            result.profile,
            result.profile.user_id in members,
            result.profile.user_id not in members and result.profile.consent_to_contact,
        )
        for result in results.items
    ]
    return results, found


def add_member(session: Session, cohort: Cohort, actor: User, profile_id: int) -> CohortMember:
    """Add a person the coordinator may list and who agreed to be contacted; tell them."""
    _current(cohort)
    profile = session.get(StaffProfile, profile_id)
    if profile is None or not listable(viewer_of(session, actor).access, actor, profile):
        raise CohortError(N_("This person cannot be added to the cohort"))
    person = profile.user
    exists = session.scalar(
        select(CohortMember.id).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == person.id
        )
    )
    if exists:
        raise CohortError(N_("%(name)s is already in this cohort", name=person.display_name))
    member = CohortMember(cohort=cohort, user_id=person.id, added_by_id=actor.id)
    session.add(member)
    session.flush()
    notify(
        session,
        person,
        "cohort_update",
        subject=N_("You have been added to %(cohort)s", cohort=cohort.name),
        template="cohort_added",
        link=service_path("cohorts.mine"),
        organisation_id=cohort.organisation_id,
        cohort=cohort,
        organisation=cohort.organisation,
    )
    record(session, "cohort.member_added", actor=actor, subject=cohort, member_id=person.id)
    return member


def listed_member(
    session: Session, cohort: Cohort, viewer: Viewer, member_id: int
) -> CohortMember | None:
    """A member of this cohort the viewer may see; a hidden member is never named, even here."""
    member = session.get(CohortMember, member_id)
    if member is None or member.cohort_id != cohort.id:
        return None
    profile = member.user.profile
    return member if listable(viewer.access, viewer.user, profile) else None


def remove_member(session: Session, member: CohortMember, actor: User) -> bool:
    """Take a person out of a cohort. A live invitation link is replaced, as the old one would
    let them straight back in; returns True when that happened, so the page can say so."""
    cohort = member.cohort
    person = member.user
    session.delete(member)
    new_link_made = cohort.invite_nonce is not None
    if new_link_made:
        cohort.invite_nonce = secrets.token_urlsafe(16)
    if person.active:
        notify(
            session,
            person,
            "cohort_update",
            subject=N_("You are no longer in %(cohort)s", cohort=cohort.name),
            template="cohort_removed",
            link=service_path("cohorts.mine"),
            organisation_id=cohort.organisation_id,
            cohort=cohort,
            organisation=cohort.organisation,
        )
    record(
        session,
        "cohort.member_removed",
        actor=actor,
        subject=cohort,
        member_id=person.id,
        link_replaced=new_link_made,
    )
    return new_link_made


# The invitation link -------------------------------------------------------------------------


def invitation_token(cohort: Cohort) -> str | None:
    """The signed link's secret part, or None when the cohort has no live link."""
    if cohort.invite_nonce is None or cohort.archived_at is not None:
        return None
    return make_token(LINK_PURPOSE, {"c": cohort.id, "n": cohort.invite_nonce})


def new_link(session: Session, cohort: Cohort, actor: User) -> str:
    """Make (or remake) the cohort's link; the old one stops working."""
    _current(cohort)
    cohort.invite_nonce = secrets.token_urlsafe(16)
    record(session, "cohort.link_created", actor=actor, subject=cohort)
    return invitation_token(cohort) or ""


def turn_off_link(session: Session, cohort: Cohort, actor: User) -> None:
    cohort.invite_nonce = None
    record(session, "cohort.link_removed", actor=actor, subject=cohort)


def cohort_for_link(session: Session, token: str) -> Cohort | None:
    """The current cohort a link opens, if it is the cohort's live link and its organisation is
    verified."""
    if not token or len(token) > 300:
        return None
    data = read_token(LINK_PURPOSE, token, LINK_MAX_AGE)
    if not data:
        return None
    cohort = session.get(Cohort, data.get("c"))
    if cohort is None or cohort.archived_at is not None or cohort.invite_nonce is None:
        return None
    if not cohort.organisation.is_verified:  # its coordinators could not even see the cohort
        return None
    return cohort if secrets.compare_digest(cohort.invite_nonce, str(data.get("n"))) else None


def may_join(user: User) -> bool:
    return user.has_role(Role.STAFF) and user.active


def membership(session: Session, cohort: Cohort, user: User) -> CohortMember | None:
    return session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id
        )
    )


def join(session: Session, cohort: Cohort, user: User) -> CohortMember:
    """The person accepts the cohort's invitation link. Joining twice is harmless."""
    if not may_join(user):
        raise CohortError(N_("Only NHS staff can join a cohort"))
    existing = membership(session, cohort, user)
    if existing is not None:
        return existing
    member = CohortMember(cohort_id=cohort.id, user_id=user.id)
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:  # joined at the same moment from another tab
        return membership(session, cohort, user)
    record(session, "cohort.joined", actor=user, subject=cohort)
    return member


def cohorts_of(session: Session, user: User) -> list[Cohort]:
    """The cohorts a person belongs to, for their own page."""
    return list(
        session.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user.id)
            .options(joinedload(Cohort.organisation))
            .order_by(Cohort.archived_at.is_not(None), Cohort.name, Cohort.id)
        )
    )


def leave(session: Session, cohort: Cohort, user: User) -> bool:
    member = membership(session, cohort, user)
    if member is None:
        return False
    session.delete(member)
    record(session, "cohort.left", actor=user, subject=cohort)
    return True


def export_for(session: Session, user: User) -> dict[str, list[dict]]:
    """What this area holds about `user`, for their copy of their data: their cohorts, the
    messages they sent to cohorts as a coordinator, and the invitations to their address (with
    what the coordinator's spreadsheet said of them)."""
    memberships = session.execute(
        select(CohortMember, Cohort)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.user_id == user.id)
        .options(joinedload(Cohort.organisation))
        .order_by(CohortMember.joined_at, CohortMember.id)
    ).all()
    sent = session.scalars(
        select(CohortMessage)
        .where(CohortMessage.sender_id == user.id)
        .order_by(CohortMessage.sent_at, CohortMessage.id)
    )
    invitations = session.execute(
        select(CohortInvitation, Cohort)
        .join(Cohort, Cohort.id == CohortInvitation.cohort_id)
        .where(
            (CohortInvitation.email == user.email.strip().lower())
            | (CohortInvitation.user_id == user.id)
        )
        .options(joinedload(Cohort.organisation))
        .order_by(CohortInvitation.sent_at, CohortInvitation.id)
    ).all()
    return {
        "invitations": [
            {
                "cohort": cohort.name,
                "organisation": cohort.organisation.name,
                "name": invitation.name,
                "email": invitation.email,
                "profession": invitation.profession,
                "countries": invitation.countries,
                "languages": invitation.languages,
                "sent_at": as_utc(invitation.sent_at).isoformat(),
                "accepted_at": as_utc(invitation.accepted_at).isoformat()
                if invitation.accepted_at
                else None,
            }
            for invitation, cohort in invitations
        ],
        "cohorts": [
            {
                "cohort": cohort.name,
                "organisation": cohort.organisation.name,
                "joined_at": as_utc(member.joined_at).isoformat(),
            }
            for member, cohort in memberships
        ],
        "messages_sent": [
            {
                "cohort_id": message.cohort_id,
                "subject": message.subject,
                "body": message.body,
                "sent_at": as_utc(message.sent_at).isoformat(),
                "recipients": message.recipients,
            }
            for message in sent
        ],
    }


def forget(session: Session, user: User) -> None:
    """For an account's erasure: the person leaves every cohort. Messages they sent stay with
    the cohort, under the anonymised account; messages naming them lose the name.
    Invitations to their address, or that they accepted, go."""
    for member in session.scalars(select(CohortMember).where(CohortMember.user_id == user.id)):
        session.delete(member)
    invited = (CohortInvitation.email == user.email.strip().lower()) | (
        CohortInvitation.user_id == user.id
    )
    for invitation in session.scalars(select(CohortInvitation).where(invited)):
        session.delete(invitation)
    name = user.display_name.strip()
    pattern = name_pattern(name)
    if pattern is None:
        return
    naming = CohortMessage.subject.contains(name, autoescape=True) | CohortMessage.body.contains(
        name, autoescape=True
    )
    for message in session.scalars(select(CohortMessage).where(naming)):
        message.subject = without_name(message.subject, pattern)[:150]
        message.body = without_name(message.body, pattern)


# The cohort page -----------------------------------------------------------------------------


@dataclass
class MemberRow:
    member: CohortMember
    user: User
    profile: StaffProfile
    open_engagements: int = 0
    plans: int = 0
    overdue: int = 0
    minutes_this_year: int = 0


@dataclass(frozen=True)
class SessionRow:
    teaching_session: TeachingSession
    members_booked: int  # listed members holding a place


@dataclass
class Overview:
    rows: list[MemberRow]
    hidden: int  # members the viewer may not see: counted, never named
    sessions: list[SessionRow] = field(default_factory=list)
    messages: list[CohortMessage] = field(default_factory=list)  # the latest MESSAGES_SHOWN
    message_total: int = 0


def _members(session: Session, cohort: Cohort) -> list[tuple[CohortMember, User, StaffProfile]]:
    """Every member with their account and profile (none for those without one), one query."""
    rows = session.execute(
        select(CohortMember, User, StaffProfile)
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(StaffProfile, StaffProfile.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id)
        .options(contains_eager(StaffProfile.user), lazyload(User.roles))
        .order_by(User.display_name, User.id)
    )
    return list(rows)


def _engagement_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    query = (
        select(Engagement.user_id, func.count())
        .where(Engagement.user_id.in_(user_ids), Engagement.state.in_(states.LIVE))
        .group_by(Engagement.user_id)
    )
    return dict(session.execute(query).all())


def _plan_counts(
    session: Session, users: dict[int, User], now: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """Plans per person, and their overdue milestones: not done, due before the owner's own
    today (milestone dates are the owner's local dates, as in the milestones area)."""
    plans = dict(
        session.execute(
            select(Plan.owner_id, func.count())
            .where(Plan.owner_id.in_(users))
            .group_by(Plan.owner_id)
        ).all()
    )
    latest = now.date() + timedelta(days=1)  # no time zone's today is later than UTC's tomorrow
    open_due = session.execute(
        select(Plan.owner_id, Milestone.due_on)
        .join(Milestone, Milestone.plan_id == Plan.id)
        .where(Plan.owner_id.in_(users), Milestone.done_at.is_(None), Milestone.due_on < latest)
    )
    today = {user_id: local_today(user, now) for user_id, user in users.items()}
    overdue: dict[int, int] = defaultdict(int)
    for owner_id, due_on in open_due:
        if due_on < today[owner_id]:
            overdue[owner_id] += 1
    return plans, overdue


def _minutes_this_year(session: Session, user_ids: list[int], year: int) -> dict[int, int]:
    """Approved minutes per person in months of `year`, summed by the database. Only approved
    logs count, as everywhere in the contributions area."""
    query = (
        select(Engagement.user_id, func.sum(HoursLog.minutes))
        .join(HoursLog, HoursLog.engagement_id == Engagement.id)
        .where(
            Engagement.user_id.in_(user_ids),
            HoursLog.status == HoursStatus.APPROVED,
            HoursLog.month >= date(year, 1, 1),
            HoursLog.month < date(year + 1, 1, 1),
        )
        .group_by(Engagement.user_id)
    )
    return {user_id: int(minutes or 0) for user_id, minutes in session.execute(query)}


def upcoming_sessions(
    session: Session, cohort: Cohort, member_ids: list[int], now: datetime
) -> list[SessionRow]:
    """The next tele-teaching sessions the cohort's organisation hosts (open opportunities,
    sessions not cancelled), each with how many of the listed members hold a place: two
    queries. Sessions elsewhere that members booked are theirs to tell, so are not shown."""
    sessions = list(
        session.scalars(
            select(TeachingSession)
            .join(TeachingSession.opportunity)
            .where(
                Opportunity.organisation_id == cohort.organisation_id,
                Opportunity.status == OpportunityStatus.OPEN,
                TeachingSession.status == SessionStatus.SCHEDULED,
                TeachingSession.starts_at > now,
            )
            .options(contains_eager(TeachingSession.opportunity).lazyload("*"))
            .order_by(TeachingSession.starts_at, TeachingSession.id)
            .limit(UPCOMING_SESSIONS)
        )
    )
    booked: dict[int, int] = {}
    if sessions and member_ids:
        booked = dict(
            session.execute(
                select(Engagement.session_id, func.count())
                .where(
                    Engagement.session_id.in_([s.id for s in sessions]),
                    Engagement.user_id.in_(member_ids),
                    Engagement.state.in_(HOLDS_PLACE),
                )
                .group_by(Engagement.session_id)
            ).all()
        )
    return [SessionRow(s, booked.get(s.id, 0)) for s in sessions]


def messages_of(
    session: Session, cohort: Cohort, limit: int = MESSAGES_SHOWN, offset: int = 0
) -> list[CohortMessage]:
    """The cohort's messages, newest first, with their senders: one query."""
    return list(
        session.scalars(
            select(CohortMessage)
            .where(CohortMessage.cohort_id == cohort.id)
            .options(joinedload(CohortMessage.sender).lazyload(User.roles))
            .order_by(CohortMessage.sent_at.desc(), CohortMessage.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def message_count(session: Session, cohort: Cohort) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(CohortMessage)
            .where(CohortMessage.cohort_id == cohort.id)
        )
        or 0
    )


@dataclass(frozen=True)
class MessagePage(PageNumbers):
    """One page of a cohort's messages (the same names as Flask-SQLAlchemy's pagination)."""

    items: list[CohortMessage]
    total: int
    page: int
    per_page: int


def message_page(
    session: Session, cohort: Cohort, page: int = 1, per_page: int = MESSAGES_PER_PAGE
) -> MessagePage | None:
    """One page of the cohort's messages, newest first, in two queries (the count, then the
    page) whatever their number; None for a page that does not exist. The first page exists
    even when no message has been sent."""
    empty = MessagePage([], message_count(session, cohort), page, per_page)
    if not 1 <= page <= empty.pages:
        return None
    return replace(empty, items=messages_of(session, cohort, per_page, (page - 1) * per_page))


def overview(
    session: Session, cohort: Cohort, viewer: Viewer, now: datetime | None = None
) -> Overview:
    """What the cohort page shows, in a fixed number of queries: the members with their
    accounts and profiles, then one each for open engagements, plans, overdue milestones,
    approved hours, the upcoming sessions, their bookings and the latest messages (and their
    count, when there may be more than are shown)."""
    now = now or utcnow()
    rows: list[MemberRow] = []
    hidden = 0
    for member, user, profile in _members(session, cohort):
        if not user.active:
            continue  # a disabled account is in no list or count
        if listable(viewer.access, viewer.user, profile):
            rows.append(MemberRow(member, user, profile))
        else:
            hidden += 1
    users = {row.user.id: row.user for row in rows}
    ids = list(users)
    if ids:
        engagements = _engagement_counts(session, ids)
        plans, overdue = _plan_counts(session, users, now)
        minutes = _minutes_this_year(session, ids, local_today(viewer.user, now).year)
        for row in rows:
            row.open_engagements = engagements.get(row.user.id, 0)
            row.plans = plans.get(row.user.id, 0)
            row.overdue = overdue.get(row.user.id, 0)
            row.minutes_this_year = minutes.get(row.user.id, 0)
    messages = messages_of(session, cohort)
    total = len(messages)
    if total == MESSAGES_SHOWN:
        total = message_count(session, cohort)
    return Overview(rows, hidden, upcoming_sessions(session, cohort, ids, now), messages, total)


def proposable_members(session: Session, cohort: Cohort, viewer: Viewer) -> list[User]:
    """The members a coordinator may propose for an opportunity: the ones listed to them."""
    return [
        user
        for _member, user, profile in _members(session, cohort)
        if user.active and listable(viewer.access, viewer.user, profile)
    ]


def open_opportunities(session: Session) -> list[Opportunity]:
    """Open, published opportunities to propose a member for, soonest first."""
    return list(
        session.scalars(
            select(Opportunity)
            .where(
                Opportunity.status == OpportunityStatus.OPEN,
                Opportunity.published_at.is_not(None),
            )
            .options(joinedload(Opportunity.organisation))
            .order_by(Opportunity.starts_on, Opportunity.title, Opportunity.id)
            .limit(OPPORTUNITIES_OFFERED)
        )
    )


# Messages ------------------------------------------------------------------------------------


def send_message(
    session: Session, cohort: Cohort, sender: User, subject: str, body: str
) -> CohortMessage:
    """Write to every member with an active account, each through notify (so their email
    preference for cohort messages applies), all in the caller's one transaction."""
    _current(cohort)
    recipients = list(
        session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id, User.active.is_(True))
            .order_by(User.id)
        )
    )
    message = CohortMessage(
        cohort_id=cohort.id,
        sender_id=sender.id,
        subject=subject.strip(),
        body=body.strip(),
        recipients=len(recipients),
    )
    session.add(message)
    session.flush()
    for person in recipients:
        notify(
            session,
            person,
            "cohort_message",
            subject=f"{cohort.name}: {message.subject}",
            template="cohort_message",
            link=service_path("cohorts.mine"),
            dedupe_key=f"cohort-message:{message.id}",
            about=sender,
            organisation_id=cohort.organisation_id,
            cohort=cohort,
            organisation=cohort.organisation,
            sender=sender,
            message=message,
        )
    record(
        session,
        "cohort.messaged",
        actor=sender,
        subject=cohort,
        message_id=message.id,
        recipients=len(recipients),
    )
    return message
