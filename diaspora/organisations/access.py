"""What a person may do because of the organisations they belong to.

"partner" and "coordinator" are never stored: they follow from the person's ACTIVE memberships
of VERIFIED organisations (a charity or an NHS trust makes its members coordinators, any other
kind partners). A pending or rejected organisation grants nothing, and removing a member,
rejecting an organisation or sending it back to verification takes away what it gave at once.
Only "staff" and "admin" are stored (`UserRole`), granted by registration or an administrator.

Every question about memberships starts from `verified_memberships` (what the roles follow
from) or `active_memberships` (seeing and running one's own organisation, verified or not).
"""

from collections.abc import Iterable
from typing import NoReturn

from flask_babel import gettext
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, contains_eager
from werkzeug.exceptions import Forbidden

from diaspora.auth.models import Role, User
from diaspora.core.errors import ExplainedRefusal
from diaspora.organisations.models import (
    COORDINATING_KINDS,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Verification,
)


def active_memberships(
    *columns: object, user_id: int | None = None, organisation_id: int | None = None
) -> Select:
    """A query for `columns` over active memberships joined to their organisation, of one
    person and of one organisation when given."""
    query = (
        select(*columns)
        .select_from(Membership)
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Membership.status == MembershipStatus.ACTIVE)
    )
    if user_id is not None:
        query = query.where(Membership.user_id == user_id)
    if organisation_id is not None:
        query = query.where(Membership.organisation_id == organisation_id)
    return query


def verified_memberships(
    *columns: object,
    user_id: int | None = None,
    organisation_id: int | None = None,
    kinds: Iterable[OrganisationKind] | None = None,
) -> Select:
    """`active_memberships` of verified organisations (of these kinds when given): the only
    source of the partner and coordinator roles."""
    query = active_memberships(*columns, user_id=user_id, organisation_id=organisation_id).where(
        Organisation.verification == Verification.VERIFIED
    )
    if kinds is not None:
        query = query.where(Organisation.kind.in_([str(kind) for kind in kinds]))
    return query


def is_active_member(session: Session, user: User, organisation_id: int) -> bool:
    query = active_memberships(Membership.id, user_id=user.id, organisation_id=organisation_id)
    return bool(session.scalar(select(query.exists())))


def is_verified_member(session: Session, user: User, organisation_id: int) -> bool:
    query = verified_memberships(Membership.id, user_id=user.id, organisation_id=organisation_id)
    return bool(session.scalar(select(query.exists())))


def active_members(session: Session, organisation_id: int) -> list[User]:
    """The active members (with active accounts) of an organisation: who hears of its news."""
    query = active_memberships(User, organisation_id=organisation_id).join(
        User, User.id == Membership.user_id
    )
    return list(session.scalars(query.where(User.active.is_(True)).order_by(User.id)))


def verified_organisations(
    session: Session, user: User, *, kinds: Iterable[OrganisationKind] | None = None
) -> list[Organisation]:
    """The verified organisations (of these kinds when given) the user is an active member of,
    by name."""
    if not user.is_authenticated:
        return []
    query = verified_memberships(Organisation, user_id=user.id, kinds=kinds)
    return list(session.scalars(query.order_by(Organisation.name, Organisation.id)))


def coordinated_organisations(session: Session, user: User) -> list[Organisation]:
    """The verified charities and NHS trusts the user is an active member of, by name."""
    return verified_organisations(session, user, kinds=COORDINATING_KINDS)


def member_role_for(organisation: Organisation) -> str:
    """Charities and NHS trusts coordinate volunteers; every other kind is a partner."""
    kind = OrganisationKind(organisation.kind)
    return Role.COORDINATOR if kind in COORDINATING_KINDS else Role.PARTNER


def roles_from(organisations: Iterable[Organisation]) -> set[str]:
    """The roles a set of verified organisations gives its active members."""
    return {member_role_for(organisation) for organisation in organisations}


def roles_of(session: Session, user: User) -> set[str]:
    """Every role a person has: the stored ones and those their memberships give."""
    return user.role_names | roles_from(verified_organisations(session, user))


def roles_of_many(session: Session, users: Iterable[User]) -> dict[int, set[str]]:
    """`roles_of` for a page of people, in one query."""
    roles = {user.id: set(user.role_names) for user in users}
    rows = session.execute(
        verified_memberships(Membership.user_id, Organisation.kind).where(
            Membership.user_id.in_(list(roles) or [0])
        )
    )
    for user_id, kind in rows:
        roles[user_id].add(Role.COORDINATOR if kind in COORDINATING_KINDS else Role.PARTNER)
    return roles


# Refusing an organisation action --------------------------------------------------------------


def waiting_memberships(
    session: Session, user: User, organisation_id: int | None = None
) -> list[Membership]:
    """The person's memberships that will give something once someone else acts: an active
    membership of an organisation waiting for verification (an administrator decides), and a
    request to join not yet answered (the organisation's owners decide). Of one organisation
    when given."""
    if not getattr(user, "is_authenticated", False):
        return []
    query = (
        select(Membership)
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .options(contains_eager(Membership.organisation))
        .where(
            Membership.user_id == user.id,
            or_(
                Membership.status == MembershipStatus.REQUESTED,
                and_(
                    Membership.status == MembershipStatus.ACTIVE,
                    Organisation.verification == Verification.PENDING,
                ),
            ),
        )
        .order_by(Organisation.name, Organisation.id)
    )
    if organisation_id is not None:
        query = query.where(Membership.organisation_id == organisation_id)
    return list(session.scalars(query))


def refuse_organisation_action(
    session: Session, user: User, organisation_id: int | None = None
) -> NoReturn:
    """The refusal of every action done for an organisation (posting, managing an opportunity,
    finding volunteers, coordinating, checking registrations): 403. When what the person lacks
    is a verification or an answer still to come (of this organisation, when given), the page
    says so, who decides, what happens next and what they can do meanwhile, rather than only
    "You do not have permission"."""
    waiting = waiting_memberships(session, user, organisation_id)
    if not waiting:
        raise Forbidden()
    pending = [m.organisation for m in waiting if m.status == MembershipStatus.ACTIVE]
    requested = [m.organisation for m in waiting if m.status == MembershipStatus.REQUESTED]
    if pending:
        title = gettext("Your organisation is waiting for verification")
        description = (
            "Your organisation is waiting for verification by an administrator. "
            "You will be emailed when it is verified."
        )
    else:
        title = gettext("Your request to join is waiting for an answer")
        description = (
            "Your request to join the organisation is waiting for its owners to accept it. "
            "You will be emailed when they do."
        )
    raise ExplainedRefusal(
        "organisations/waiting.html",
        title,
        description,
        pending=pending,
        requested=requested,
    )
