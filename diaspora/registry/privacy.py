"""Who may see a staff profile. Every page, search, count and export asks these functions.

A profile's owner chooses its audience (`StaffProfile.visibility`):
- private: only its owner; administrators may open it, but it is never listed anywhere;
- coordinators: also coordinators, i.e. active members of a verified charity or NHS trust;
- verified_organisations: also active members of any verified organisation.
Contact details are never part of what an audience sees. Who is a coordinator or a partner
follows from memberships alone (diaspora.organisations.access), never from a stored role.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from diaspora.auth.models import Role, User
from diaspora.organisations.access import roles_from, verified_organisations
from diaspora.registry.models import StaffProfile, Visibility

__all__ = ["ViewerAccess", "access_of"]


@dataclass(frozen=True)
class ViewerAccess:
    """What one viewer may see of the registry, from a single look at their memberships."""

    audiences: frozenset[str]  # the visibilities listed in their searches, counts and exports
    coordinator: bool  # an active member of a verified charity or NHS trust
    admin: bool
    roles: frozenset[str] = frozenset()  # stored roles and those verified memberships give

    @property
    def oversees(self) -> bool:
        """Administrators and coordinators: they export the directory and verify registrations."""
        return self.admin or self.coordinator


def access_of(session: Session, viewer: User) -> ViewerAccess:
    if not viewer.is_authenticated:
        return ViewerAccess(frozenset(), coordinator=False, admin=False)
    organisations = verified_organisations(session, viewer)
    roles = viewer.role_names | roles_from(organisations)
    coordinator = Role.COORDINATOR in roles
    admin = Role.ADMIN in roles
    if admin or coordinator:
        audiences = {Visibility.COORDINATORS, Visibility.VERIFIED_ORGANISATIONS}
    elif organisations:
        audiences = {Visibility.VERIFIED_ORGANISATIONS}
    else:
        audiences = set()
    return ViewerAccess(
        frozenset(audiences), coordinator=coordinator, admin=admin, roles=frozenset(roles)
    )


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
