"""What a person may do because of the organisations they belong to.

"partner" and "coordinator" are never stored: they follow from the person's ACTIVE memberships
of VERIFIED organisations (a charity or an NHS trust makes its members coordinators, any other
kind partners). A pending or rejected organisation grants nothing, and removing a member,
rejecting an organisation or sending it back to verification takes away what it gave at once.
Only "staff" and "admin" are stored (`UserRole`), granted by registration or an administrator.

Every question about these roles goes through `verified_memberships` (one person) or
`active_in_verified` (a condition for queries over many people).
"""

from collections.abc import Iterable

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from diaspora.auth.models import Role, User
from diaspora.organisations.models import (
    COORDINATING_KINDS,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Verification,
)


def active_in_verified() -> ColumnElement[bool]:
    """The condition "an active membership of a verified organisation", for a query that joins
    Membership and Organisation."""
    return and_(
        Membership.organisation_id == Organisation.id,
        Membership.status == MembershipStatus.ACTIVE,
        Organisation.verification == Verification.VERIFIED,
    )


def coordinating() -> ColumnElement[bool]:
    """Of the organisations in a query, those whose members coordinate volunteers."""
    return Organisation.kind.in_([str(kind) for kind in COORDINATING_KINDS])


def verified_memberships(session: Session, user: User) -> list[Organisation]:
    """The verified organisations the user is an active member of."""
    if not user.is_authenticated:
        return []
    return list(
        session.scalars(
            select(Organisation)
            .join(Membership, active_in_verified())
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name, Organisation.id)
        )
    )


def coordinated_organisations(session: Session, user: User) -> list[Organisation]:
    """The verified charities and NHS trusts the user is an active member of, by name."""
    return [org for org in verified_memberships(session, user) if org.kind in COORDINATING_KINDS]


def member_role_for(organisation: Organisation) -> str:
    """Charities and NHS trusts coordinate volunteers; every other kind is a partner."""
    kind = OrganisationKind(organisation.kind)
    return Role.COORDINATOR if kind in COORDINATING_KINDS else Role.PARTNER


def roles_from(organisations: Iterable[Organisation]) -> set[str]:
    """The roles a set of verified organisations gives its active members."""
    return {member_role_for(organisation) for organisation in organisations}


def roles_of(session: Session, user: User) -> set[str]:
    """Every role a person has: the stored ones and those their memberships give."""
    return user.role_names | roles_from(verified_memberships(session, user))


def roles_of_many(session: Session, users: Iterable[User]) -> dict[int, set[str]]:
    """`roles_of` for a page of people, in one query."""
    roles = {user.id: set(user.role_names) for user in users}
    rows = session.execute(
        select(Membership.user_id, Organisation.kind)
        .join(Organisation, active_in_verified())
        .where(Membership.user_id.in_(list(roles) or [0]))
    )
    for user_id, kind in rows:
        roles[user_id].add(Role.COORDINATOR if kind in COORDINATING_KINDS else Role.PARTNER)
    return roles
