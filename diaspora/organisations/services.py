"""Partner organisations, their members and their verification by administrators."""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.auth.services import fingerprint, grant_role, make_token, normalise_email, read_token
from diaspora.core.time import utcnow
from diaspora.core.urls import external_url
from diaspora.extensions import mail
from diaspora.organisations.models import (
    COORDINATING_KINDS,
    MemberRole,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Verification,
)


class OrganisationError(Exception):
    """A request the rules refuse; the message is safe to show."""


def member_role_for(organisation: Organisation) -> str:
    """Charities and NHS trusts coordinate volunteers; every other kind is a partner."""
    kind = OrganisationKind(organisation.kind)
    return Role.COORDINATOR if kind in COORDINATING_KINDS else Role.PARTNER


def _activate(session: Session, membership: Membership, *, actor: User | None) -> None:
    membership.status = MembershipStatus.ACTIVE
    grant_role(session, membership.user, member_role_for(membership.organisation), actor=actor)


def create_organisation(
    session: Session,
    owner: User,
    *,
    name: str,
    kind: str,
    country: str,
    website: str | None = None,
    description: str = "",
) -> Organisation:
    """A new organisation, owned by its creator, waiting in the verification queue."""
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        country=country,
        website=(website or "").strip() or None,
        description=description.strip(),
    )
    membership = Membership(user=owner, organisation=organisation, role=MemberRole.OWNER)
    session.add_all([organisation, membership])
    _activate(session, membership, actor=owner)
    session.flush()
    record(session, "organisation.created", actor=owner, subject=organisation)
    return organisation


def update_organisation(
    session: Session, organisation: Organisation, actor: User, **fields: str | None
) -> None:
    for key in ("name", "kind", "country", "website", "description"):
        if key in fields:
            value = fields[key]
            setattr(organisation, key, value.strip() if isinstance(value, str) else value)
    organisation.website = organisation.website or None
    record(session, "organisation.updated", actor=actor, subject=organisation)


def membership_of(session: Session, user: User, organisation_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation_id
        )
    )


def memberships_for(session: Session, user: User) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id)
            .options(selectinload(Membership.organisation))
            .order_by(Membership.created_at)
        )
    )


def members(session: Session, organisation: Organisation) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.organisation_id == organisation.id)
            .options(selectinload(Membership.user))
            .order_by(Membership.status, Membership.role.desc(), Membership.created_at)
        )
    )


def owners(session: Session, organisation: Organisation) -> list[User]:
    return [m.user for m in members(session, organisation) if m.is_owner]


def joinable_organisations(session: Session) -> list[Organisation]:
    """Organisations a person may ask to join: every one not rejected."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.verification != Verification.REJECTED)
            .order_by(Organisation.name)
        )
    )


def request_to_join(session: Session, user: User, organisation: Organisation) -> Membership:
    if organisation.verification == Verification.REJECTED:
        raise OrganisationError("This organisation cannot take new members")
    if membership_of(session, user, organisation.id) is not None:
        raise OrganisationError("You have already asked to join this organisation")
    membership = Membership(user=user, organisation=organisation, status=MembershipStatus.REQUESTED)
    session.add(membership)
    session.flush()
    for owner in owners(session, organisation):
        mail.queue(
            session,
            owner.email,
            f"Someone asked to join {organisation.name}",
            "join_requested",
            owner=owner,
            organisation=organisation,
            url=external_url("organisations.members", organisation_id=organisation.id),
        )
    record(session, "membership.requested", actor=user, subject=organisation)
    return membership


def approve_request(session: Session, membership: Membership, actor: User) -> None:
    if membership.status != MembershipStatus.REQUESTED:
        raise OrganisationError("This request has already been answered")
    _activate(session, membership, actor=actor)
    mail.queue(
        session,
        membership.user.email,
        f"You are now a member of {membership.organisation.name}",
        "join_approved",
        user=membership.user,
        organisation=membership.organisation,
    )
    record(
        session,
        "membership.approved",
        actor=actor,
        subject=membership.organisation,
        member_id=membership.user_id,
    )


def remove_member(session: Session, membership: Membership, actor: User) -> None:
    """Remove a member or decline a request. The last owner cannot be removed."""
    organisation = membership.organisation
    if membership.is_owner and len(owners(session, organisation)) == 1:
        raise OrganisationError("An organisation must keep at least one owner")
    session.delete(membership)
    record(
        session,
        "membership.removed",
        actor=actor,
        subject=organisation,
        member_id=membership.user_id,
    )


def invite(session: Session, organisation: Organisation, actor: User, email: str) -> None:
    """Email a signed invitation link; the person accepts it signed in with that address."""
    email = normalise_email(email)
    token = make_token("invite", {"o": organisation.id, "e": fingerprint(email)})
    mail.queue(
        session,
        email,
        f"You are invited to join {organisation.name}",
        "invitation",
        organisation=organisation,
        inviter=actor,
        url=external_url("organisations.accept_invitation", token=token),
    )
    record(session, "membership.invited", actor=actor, subject=organisation)


def organisation_for_invitation(session: Session, token: str, user: User) -> Organisation | None:
    data = read_token("invite", token, current_app.config["INVITATION_MAX_AGE"])
    if not data or data["e"] != fingerprint(user.email):
        return None
    return session.get(Organisation, data["o"])


def accept_invitation(session: Session, organisation: Organisation, user: User) -> Membership:
    membership = membership_of(session, user, organisation.id)
    if membership is None:
        membership = Membership(user=user, organisation=organisation)
        session.add(membership)
    if membership.status != MembershipStatus.ACTIVE:
        _activate(session, membership, actor=user)
    record(session, "membership.invitation_accepted", actor=user, subject=organisation)
    return membership


# Verification by administrators ---------------------------------------------------------


def verification_queue(session: Session) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.verification == Verification.PENDING)
            .order_by(Organisation.created_at)
        )
    )


def decide_verification(
    session: Session, organisation: Organisation, admin: User, *, verified: bool, reason: str = ""
) -> None:
    """Verify or reject an organisation and tell its owners by email."""
    if verified:
        organisation.verification = Verification.VERIFIED
        organisation.rejection_reason = None
    else:
        if not reason.strip():
            raise OrganisationError("Enter the reason for rejecting this organisation")
        organisation.verification = Verification.REJECTED
        organisation.rejection_reason = reason.strip()
    organisation.verified_by_id = admin.id
    organisation.verified_at = utcnow()
    for owner in owners(session, organisation):
        mail.queue(
            session,
            owner.email,
            f"{organisation.name} has been {'verified' if verified else 'rejected'}",
            "organisation_verified" if verified else "organisation_rejected",
            owner=owner,
            organisation=organisation,
            url=external_url("organisations.detail", organisation_id=organisation.id),
        )
    record(
        session,
        "organisation.verified" if verified else "organisation.rejected",
        actor=admin,
        subject=organisation,
    )
