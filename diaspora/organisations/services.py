"""Partner organisations, their members and their verification by administrators."""

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.auth.services import fingerprint, make_token, normalise_email, read_token
from diaspora.core.context import setting
from diaspora.core.domains import within
from diaspora.core.errors import DomainError
from diaspora.core.time import utcnow
from diaspora.core.urls import external_url
from diaspora.core.words import N_
from diaspora.notifications import mail
from diaspora.organisations.access import active_members
from diaspora.organisations.models import (
    MemberRole,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationInvitation,
    OrganisationKind,
    Verification,
)
from diaspora.reference.places import DEFAULT_TIME_ZONE, is_time_zone

# Changing one of these on a verified organisation sends it back to verification: what its
# members may do follows from them (diaspora.organisations.access).
VERIFIED_FIELDS = ("name", "kind")
FIELDS = ("name", "kind", "country", "website", "description", "time_zone")


class OrganisationError(DomainError):
    """A request the rules refuse; the message is safe to show."""


def _checked_zone(time_zone: str | None) -> str:
    if not is_time_zone(time_zone):
        raise OrganisationError(N_("Select a time zone from the list"))
    return time_zone


def _membership_details(membership: Membership) -> dict:
    return {
        "member_id": membership.user_id,
        "membership_role": membership.role,
        "membership_status": membership.status,
    }


def create_organisation(
    session: Session,
    owner: User,
    *,
    name: str,
    kind: str,
    country: str,
    website: str | None = None,
    description: str = "",
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Organisation:
    """A new organisation, owned by its creator, waiting in the verification queue. Until an
    administrator verifies it, belonging to it grants nothing (organisations.access)."""
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        country=country,
        website=(website or "").strip() or None,
        description=description.strip(),
        time_zone=_checked_zone(time_zone),
        verification=Verification.PENDING,
    )
    membership = Membership(
        user=owner, organisation=organisation, role=MemberRole.OWNER, status=MembershipStatus.ACTIVE
    )
    session.add_all([organisation, membership])
    session.flush()
    record(
        session,
        "organisation.created",
        actor=owner,
        subject=organisation,
        after={key: getattr(organisation, key) for key in FIELDS},
        verification=organisation.verification,
    )
    return organisation


def update_organisation(
    session: Session, organisation: Organisation, actor: User, **fields: str | None
) -> bool:
    """Change an organisation's details; only the fields given change.

    Changing the name or kind of a verified organisation sends it back to the verification
    queue (status pending), because what its members may do follows from them: until an
    administrator verifies it again its members are neither partners nor coordinators through
    it. Returns True when that happened, so the page and the API can say so.
    """
    before = {key: getattr(organisation, key) for key in FIELDS}
    if "time_zone" in fields:
        _checked_zone(fields["time_zone"])
    for key in FIELDS:
        if key in fields:
            value = fields[key]
            setattr(organisation, key, value.strip() if isinstance(value, str) else value)
    organisation.website = organisation.website or None
    after = {key: getattr(organisation, key) for key in FIELDS}
    changed = sorted(key for key in FIELDS if before[key] != after[key])
    reverify = organisation.verification == Verification.VERIFIED and any(
        key in VERIFIED_FIELDS for key in changed
    )
    if reverify:
        organisation.verification = Verification.PENDING
        organisation.verified_by_id = None
        organisation.verified_at = None
    record(
        session,
        "organisation.updated",
        actor=actor,
        subject=organisation,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
        sent_back_to_verification=reverify,
    )
    return reverify


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
            .order_by(Membership.created_at, Membership.id)
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
        raise OrganisationError(N_("This organisation cannot take new members"))
    if membership_of(session, user, organisation.id) is not None:
        raise OrganisationError(N_("You have already asked to join this organisation"))
    membership = Membership(user=user, organisation=organisation, status=MembershipStatus.REQUESTED)
    session.add(membership)
    session.flush()
    for owner in owners(session, organisation):
        mail.queue(
            session,
            owner.email,
            N_("Someone asked to join %(organisation)s", organisation=organisation.name),
            "join_requested",
            owner=owner,
            organisation=organisation,
            url=external_url("organisations.members", organisation_id=organisation.id),
        )
    record(
        session,
        "membership.requested",
        actor=user,
        subject=organisation,
        **_membership_details(membership),
    )
    return membership


def approve_request(session: Session, membership: Membership, actor: User) -> None:
    if membership.status != MembershipStatus.REQUESTED:
        raise OrganisationError(N_("This request has already been answered"))
    membership.status = MembershipStatus.ACTIVE
    mail.queue(
        session,
        membership.user.email,
        N_(
            "You are now a member of %(organisation)s",
            organisation=membership.organisation.name,
        ),
        "join_approved",
        user=membership.user,
        organisation=membership.organisation,
    )
    record(
        session,
        "membership.approved",
        actor=actor,
        subject=membership.organisation,
        before={"membership_status": MembershipStatus.REQUESTED},
        **_membership_details(membership),
    )


def remove_member(session: Session, membership: Membership, actor: User) -> None:
    """Remove a member or decline a request. The last owner cannot be removed.

    What the membership gave goes with it (roles follow from memberships), and so do the open
    invitations to the person's address: they cannot let themselves back in.
    """
    organisation = membership.organisation
    if membership.is_owner and len(owners(session, organisation)) == 1:
        raise OrganisationError(N_("An organisation must keep at least one owner"))
    details = _membership_details(membership)
    session.delete(membership)
    _withdraw_invitations(
        session,
        organisation,
        OrganisationInvitation.email_fingerprint == fingerprint(membership.user.email),
    )
    record(session, "membership.removed", actor=actor, subject=organisation, **details)


# Invitations ----------------------------------------------------------------------------


def invite(session: Session, organisation: Organisation, actor: User, email: str) -> None:
    """Email a single-use invitation link; the person accepts it signed in with that address.

    The link carries the id of an `OrganisationInvitation` row, which records its use and its
    withdrawal; the signature only proves the link was made here and is not too old.
    """
    if organisation.verification == Verification.REJECTED:
        raise OrganisationError(N_("This organisation cannot take new members"))
    email = normalise_email(email)
    invitation = OrganisationInvitation(
        organisation=organisation, email_fingerprint=fingerprint(email)
    )
    session.add(invitation)
    session.flush()
    token = make_token("invite", {"i": invitation.id, "e": invitation.email_fingerprint})
    mail.queue(
        session,
        email,
        N_("You are invited to join %(organisation)s", organisation=organisation.name),
        "invitation",
        organisation=organisation,
        inviter=actor,
        url=external_url("organisations.accept_invitation", token=token),
    )
    record(
        session,
        "membership.invited",
        actor=actor,
        subject=organisation,
        invitation_id=invitation.id,
    )


def open_invitations(session: Session, organisation: Organisation) -> list[OrganisationInvitation]:
    return list(
        session.scalars(
            select(OrganisationInvitation)
            .where(
                OrganisationInvitation.organisation_id == organisation.id,
                OrganisationInvitation.used_at.is_(None),
                OrganisationInvitation.withdrawn_at.is_(None),
            )
            .order_by(OrganisationInvitation.created_at, OrganisationInvitation.id)
        )
    )


def _withdraw_invitations(session: Session, organisation: Organisation, *conditions) -> None:
    session.execute(
        update(OrganisationInvitation)
        .where(
            OrganisationInvitation.organisation_id == organisation.id,
            OrganisationInvitation.used_at.is_(None),
            OrganisationInvitation.withdrawn_at.is_(None),
            *conditions,
        )
        .values(withdrawn_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


def withdraw_invitation(session: Session, invitation: OrganisationInvitation, actor: User) -> None:
    """An owner takes an invitation back: its link stops working."""
    if not invitation.is_open:
        raise OrganisationError(N_("This invitation has already been used or withdrawn"))
    invitation.withdrawn_at = utcnow()
    record(
        session,
        "membership.invitation_withdrawn",
        actor=actor,
        subject=invitation.organisation,
        invitation_id=invitation.id,
    )


def invitation_for(session: Session, token: str, user: User) -> OrganisationInvitation | None:
    """The open invitation a link is for, if it was sent to this user's address and its
    organisation may still take members; None otherwise."""
    if not token or len(token) > 300:
        return None
    data = read_token("invite", token, setting("INVITATION_MAX_AGE"))
    if not isinstance(data, dict) or data.get("e") != fingerprint(user.email):
        return None
    invitation_id = data.get("i")
    if not isinstance(invitation_id, int):
        return None
    invitation = session.get(OrganisationInvitation, invitation_id)
    if (
        invitation is None
        or not invitation.is_open
        or invitation.email_fingerprint != data["e"]
        or invitation.organisation.verification == Verification.REJECTED
    ):
        return None
    return invitation


def accept_invitation(
    session: Session, invitation: OrganisationInvitation, user: User
) -> Membership:
    """Use the invitation (it works once) and make the person an active member."""
    organisation = invitation.organisation
    invitation.used_at = utcnow()
    membership = membership_of(session, user, organisation.id)
    before = membership.status if membership is not None else None
    if membership is None:
        membership = Membership(user=user, organisation=organisation)
        session.add(membership)
    membership.status = MembershipStatus.ACTIVE
    session.flush()
    record(
        session,
        "membership.invitation_accepted",
        actor=user,
        subject=organisation,
        invitation_id=invitation.id,
        before={"membership_status": before},
        **_membership_details(membership),
    )
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
    """Verify or reject an organisation and tell its active members (verified) or its owners
    (rejected) by email. Rejecting it withdraws its open invitations."""
    before = organisation.verification
    if verified:
        organisation.verification = Verification.VERIFIED
        organisation.rejection_reason = None
    else:
        if not reason.strip():
            raise OrganisationError(N_("Enter the reason for rejecting this organisation"))
        organisation.verification = Verification.REJECTED
        organisation.rejection_reason = reason.strip()
        _withdraw_invitations(session, organisation)
    organisation.verified_by_id = admin.id
    organisation.verified_at = utcnow()
    # Verified: every active member, as each was told on being refused that they would hear.
    # Rejected: the owners, who can change the details and ask again.
    told = active_members(session, organisation.id) if verified else owners(session, organisation)
    for person in told:
        mail.queue(
            session,
            person.email,
            f"{organisation.name} has been {'verified' if verified else 'rejected'}",
            "organisation_verified" if verified else "organisation_rejected",
            owner=person,
            organisation=organisation,
            url=external_url("organisations.detail", organisation_id=organisation.id),
        )
    record(
        session,
        "organisation.verified" if verified else "organisation.rejected",
        actor=admin,
        subject=organisation,
        name=organisation.name,
        kind=organisation.kind,
        before={"verification": before},
        after={"verification": organisation.verification},
        reason=organisation.rejection_reason,
    )


# Mail domains an administrator confirms -------------------------------------------------

# Anyone can open a mailbox at these (or their subdomains), so none may be confirmed as an
# organisation's: a staff member could otherwise name an address of their own as their line
# manager's and confirm their own release. Not every free-mail service, but the common ones.
FREE_MAIL_DOMAINS = (
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "outlook.co.uk",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "live.co.uk",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "aol.co.uk",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.co.uk",
    "mail.com",
    "yandex.com",
    "zoho.com",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "talktalk.net",
)
# Second-level labels under which anyone registers names in country-code domains (co.uk,
# org.uk, com.bd...): such a pair alone is a public suffix, not an organisation's domain.
PUBLIC_SECOND_LEVEL = frozenset(
    {"ac", "co", "com", "edu", "gov", "ltd", "me", "net", "nhs", "org", "plc", "sch"}
)
MAX_EMAIL_DOMAINS = 5
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LABEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


def _domain_problem(domain: str) -> str | None:
    labels = domain.split(".")
    if (
        len(domain) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or not _TOP_LABEL.fullmatch(labels[-1])
    ):
        return f"{domain} is not a domain name: enter one like trust.example.org"
    if within(domain, FREE_MAIL_DOMAINS):
        return f"{domain} is a free email service: anyone can have an address there"
    if len(labels) == 2 and len(labels[-1]) == 2 and labels[0] in PUBLIC_SECOND_LEVEL:
        return f"{domain} is shared by many organisations: enter the organisation's own domain"
    return None


def clean_email_domains(text: str | None) -> list[str]:
    """The domains an administrator typed (one a line, or separated by commas or spaces),
    lower-cased, without a leading @ or trailing dot, each once, in the order given.

    Raises OrganisationError for the first that is not a DNS name, is a free-mail domain or a
    public suffix such as co.uk, or when there are more than MAX_EMAIL_DOMAINS."""
    domains: list[str] = []
    for item in re.split(r"[\s,;]+", (text or "").strip().lower()):
        domain = item.removeprefix("@").rstrip(".")
        if domain and domain not in domains:
            problem = _domain_problem(domain)
            if problem:
                raise OrganisationError(problem)
            domains.append(domain)
    if len(domains) > MAX_EMAIL_DOMAINS:
        raise OrganisationError(N_("Enter %(max)s domains or fewer", max=MAX_EMAIL_DOMAINS))
    return domains


def set_email_domains(
    session: Session, organisation: Organisation, admin: User, text: str | None
) -> bool:
    """An administrator confirms the mail domains the organisation uses (the caller checks that
    the actor is one: owners and members never set them, or they could confirm gmail.com).
    The change is audited with the lists before and after. Returns whether anything changed."""
    domains = clean_email_domains(text)
    before = list(organisation.email_domains or [])
    if domains == before:
        return False
    organisation.email_domains = domains
    record(
        session,
        "organisation.email_domains_changed",
        actor=admin,
        subject=organisation,
        before={"email_domains": before},
        after={"email_domains": domains},
    )
    return True


def employer_mail_domains(session: Session) -> list[str]:
    """The confirmed mail domains of the verified NHS trusts, the employers of NHS staff. A
    pending or rejected organisation's count for nothing, so one sent back to verification
    (its name or kind changed) stops counting at once."""
    lists = session.scalars(
        select(Organisation.email_domains).where(
            Organisation.verification == Verification.VERIFIED,
            Organisation.kind == OrganisationKind.NHS_TRUST,
        )
    )
    return [domain for domains in lists for domain in domains or ()]
