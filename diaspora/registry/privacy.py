"""Who may see a staff profile. Every page, search, count and export asks these functions.

A profile's owner chooses its audience (`StaffProfile.visibility`):
- private: only its owner; administrators may open it, but it is never listed anywhere;
- coordinators: also coordinators, i.e. active members of a verified charity or NHS trust;
- verified_organisations: also active members of any verified organisation.
Contact details are never part of what an audience sees.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import Role, User
from diaspora.organisations.models import (
    COORDINATING_KINDS,
    Membership,
    MembershipStatus,
    Organisation,
    Verification,
)
from diaspora.registry.models import StaffProfile, Visibility


def verified_memberships(session: Session, user: User) -> list[Organisation]:
    """The verified organisations the user is an active member of."""
    return list(
        session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.user_id == user.id,
                Membership.status == MembershipStatus.ACTIVE,
                Organisation.verification == Verification.VERIFIED,
            )
        )
    )


@dataclass(frozen=True)
class ViewerAccess:
    """What one viewer may see of the registry, from a single look at their memberships."""

    audiences: frozenset[str]  # the visibilities listed in their searches, counts and exports
    coordinator: bool  # a coordinator of a verified charity or NHS trust (the role alone is not)
    admin: bool

    @property
    def oversees(self) -> bool:
        """Administrators and coordinators: they export the directory and verify registrations."""
        return self.admin or self.coordinator


def access_of(session: Session, viewer: User) -> ViewerAccess:
    if not viewer.is_authenticated:
        return ViewerAccess(frozenset(), coordinator=False, admin=False)
    organisations = verified_memberships(session, viewer)
    coordinator = viewer.has_role(Role.COORDINATOR) and any(
        org.kind in COORDINATING_KINDS for org in organisations
    )
    admin = viewer.has_role(Role.ADMIN)
    if admin or coordinator:
        audiences = {Visibility.COORDINATORS, Visibility.VERIFIED_ORGANISATIONS}
    elif organisations:
        audiences = {Visibility.VERIFIED_ORGANISATIONS}
    else:
        audiences = set()
    return ViewerAccess(frozenset(audiences), coordinator=coordinator, admin=admin)


def is_coordinator(session: Session, user: User) -> bool:
    return access_of(session, user).coordinator


def listable_audiences(session: Session, viewer: User) -> set[str]:
    """The visibilities whose profiles may appear in this viewer's searches, counts and exports."""
    return set(access_of(session, viewer).audiences)


def can_search(session: Session, viewer: User) -> bool:
    return bool(access_of(session, viewer).audiences)


def can_view(session: Session, viewer: User, profile: StaffProfile) -> bool:
    """Whether the viewer may open this profile's page. A disabled account's profile is shown to
    administrators only, as it is left out of every list."""
    if not viewer.is_authenticated:
        return False
    if profile.user_id == viewer.id or viewer.has_role(Role.ADMIN):
        return True
    return visible_with(access_of(session, viewer), viewer, profile)


def visible_with(access: ViewerAccess, viewer: User, profile: StaffProfile) -> bool:
    """can_view's rule, answered from access already worked out (once for a page of people)."""
    if profile.user_id == viewer.id or access.admin:
        return True
    return profile.user.active and profile.visibility in access.audiences
