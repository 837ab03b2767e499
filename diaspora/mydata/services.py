"""A person's own data: a copy of all of it (subject access) and erasure of their account.

Erasure keeps the `users` row, anonymised, because records other people depend on point at it
(the audit log's actors, who verified an organisation or a credential, and later engagement
history). Everything that describes the person goes: profile, ties, languages, skills,
availability, credentials, memberships, roles, name, email and password.

Functions never commit and never touch the request; the view commits once.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from diaspora.api import tokens
from diaspora.audit.models import AuditEvent
from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.auth.services import check_current_password, end_all_sessions
from diaspora.bookings import services as bookings
from diaspora.cohorts import services as cohorts
from diaspora.contributions import services as contributions
from diaspora.core.time import iso_utc, utcnow
from diaspora.core.words import N_
from diaspora.credentials.models import Credential
from diaspora.engagements import services as engagements
from diaspora.factors import services as factors
from diaspora.matching import services as matching
from diaspora.milestones import services as milestones
from diaspora.notifications import services as notifications
from diaspora.organisations.access import active_memberships, roles_of
from diaspora.organisations.models import (
    MemberRole,
    Membership,
    MembershipStatus,
    Organisation,
)
from diaspora.organisations.services import memberships_for
from diaspora.phones import services as phones
from diaspora.reference import catalogue
from diaspora.reference.places import DEFAULT_TIME_ZONE, country_name
from diaspora.registry.models import (
    MODALITY_LABELS,
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    TIE_LABELS,
    VISIBILITY_LABELS,
    StaffProfile,
)
from diaspora.registry.services import load_profile

EXPORT_FORMAT = "diaspora-my-data"
EXPORT_VERSION = 1
DELETED_NAME = "Deleted user"
# Not an argon2 hash: verification fails with InvalidHashError, so no password ever matches.
UNUSABLE_HASH = "!erased"


def placeholder_email(user: User) -> str:
    """Unique (it holds the id), not personal, and undeliverable (`.invalid` is reserved)."""
    return f"deleted-{user.id}@invalid"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _label(labels: dict, key: str | None) -> str | None:
    return labels.get(key) if key is not None else None  # StrEnum keys equal their values


# Subject access: everything about the person ---------------------------------------------


def credentials_of(session: Session, profile: StaffProfile | None) -> list[Credential]:
    if profile is None:
        return []
    return list(
        session.scalars(
            select(Credential).where(Credential.profile_id == profile.id).order_by(Credential.id)
        )
    )


def _account(session: Session, user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "pending_email": user.pending_email,
        "display_name": user.display_name,
        "time_zone": user.time_zone,
        "language": user.language,
        "roles": sorted(roles_of(session, user)),
        "active": user.active,
        "email_verified_at": iso_utc(user.email_verified_at),
        "created_at": iso_utc(user.created_at),
        "last_login_at": iso_utc(user.last_login_at),
    }


def _membership(membership: Membership) -> dict[str, Any]:
    organisation = membership.organisation
    return {
        "organisation": {
            "id": organisation.id,
            "name": organisation.name,
            "kind": organisation.kind,
            "country": organisation.country,
            "verification": organisation.verification,
        },
        "role": membership.role,
        "status": membership.status,
        "since": iso_utc(membership.created_at),
    }


def _profile(profile: StaffProfile) -> dict[str, Any]:
    profession = catalogue.professions().get(profile.profession or "")
    grade = catalogue.grades().get(profile.grade or "")
    return {
        "work": {
            "profession": profile.profession,
            "profession_name": profession.name if profession else None,
            "grade": profile.grade,
            "grade_name": grade["name"] if grade else None,
            "specialty": profile.specialty,
            "nhs_employer": profile.nhs_employer,
            "years_experience": profile.years_experience,
            "bio": profile.bio,
        },
        "country_ties": [
            {
                "country": tie.country,
                "country_name": country_name(tie.country),
                "kind": tie.kind,
                "kind_label": _label(TIE_LABELS, tie.kind),
            }
            for tie in profile.ties
        ],
        "languages": [
            {
                "language": language.language,
                "language_name": catalogue.language_names().get(language.language),
                "proficiency": language.proficiency,
                "proficiency_label": PROFICIENCY_LABELS.get(language.proficiency),
            }
            for language in profile.languages
        ],
        "skills": [
            {
                "code": skill.code,
                "name": (catalogue.skills().get(skill.code) or {}).get("name"),
                "tag": skill.tag,
                "level": skill.level,
                "level_label": SKILL_LEVEL_LABELS.get(skill.level),
            }
            for skill in profile.skills
        ],
        "availability": {
            "hours_per_month": profile.hours_per_month,
            "modality": profile.modality,
            "modality_label": _label(MODALITY_LABELS, profile.modality),
            "notice_weeks": profile.notice_weeks,
            "unavailable_until": _day(profile.unavailable_until),
            "windows": [
                {"starts_on": _day(window.starts_on), "ends_on": _day(window.ends_on)}
                for window in profile.windows
            ],
        },
        "privacy": {
            "visibility": profile.visibility,
            "visibility_label": _label(VISIBILITY_LABELS, profile.visibility),
            "consent_to_contact": profile.consent_to_contact,
        },
        "completed_at": iso_utc(profile.completed_at),
        "updated_at": iso_utc(profile.updated_at),
        "last_active_at": iso_utc(profile.last_active_at),
    }


def _credential(credential: Credential) -> dict[str, Any]:
    regulator = catalogue.regulators().get(credential.regulator)
    return {
        "regulator": credential.regulator,
        "regulator_name": credential.regulator_name or (regulator.name if regulator else ""),
        "country": credential.country,
        "number": credential.number,
        "expires_on": _day(credential.expires_on),
        "status": credential.status,
        # Who checked it is another person's data; when, and the note about it, are the person's.
        "verified_at": iso_utc(credential.verified_at),
        "note": credential.note,
        "added_at": iso_utc(credential.created_at),
    }


def _events_about(
    session: Session, user: User, profile: StaffProfile | None, credential_ids: list[int]
) -> list[AuditEvent]:
    about = [
        AuditEvent.actor_id == user.id,
        and_(AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id),
    ]
    if profile is not None:
        about.append(
            and_(AuditEvent.subject_type == "StaffProfile", AuditEvent.subject_id == profile.id)
        )
    if credential_ids:
        about.append(
            and_(AuditEvent.subject_type == "Credential", AuditEvent.subject_id.in_(credential_ids))
        )
    return list(
        session.scalars(
            select(AuditEvent).where(or_(*about)).order_by(AuditEvent.at, AuditEvent.id)
        ).unique()
    )


def _event(event: AuditEvent, user: User) -> dict[str, Any]:
    if event.actor_id == user.id:
        by = "you"
    elif event.actor_id is None:
        by = "not recorded"  # the service itself, or someone not signed in (a failed sign-in)
    else:
        by = "someone else"  # an administrator or an organisation owner: their data, not yours
    return {
        "at": iso_utc(event.at),
        "action": event.action,
        "by": by,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        # The address a request came from is the person's only when they made it.
        "ip": event.ip if event.actor_id == user.id else None,
        "details": event.details or {},
    }


def export_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the service holds about the person, as JSON-ready data."""
    profile = load_profile(session, user)
    credentials = credentials_of(session, profile)
    events = _events_about(session, user, profile, [c.id for c in credentials])
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": iso_utc(utcnow()),
        "account": _account(session, user),
        "mobile_number": phones.export_for(session, user),
        "organisation_memberships": [_membership(m) for m in memberships_for(session, user)],
        "staff_profile": _profile(profile) if profile is not None else None,
        "credentials": [_credential(c) for c in credentials],
        "second_factors": factors.export_for(session, user),
        "audit_events": [_event(e, user) for e in events],
        "messages": notifications.export_for(session, user),
        "contributions": contributions.export_for(session, user),
        "engagements": engagements.export_for(session, user),
        "plans": milestones.export_for(session, user),
        "cohorts": cohorts.export_for(session, user),
        "matching": matching.export_for(session, user),
    }


def record_export(session: Session, user: User) -> None:
    record(session, "account.data_exported", actor=user, subject=user)


# Erasure ----------------------------------------------------------------------------------


class ErasureRefused(Exception):
    """The account cannot be deleted yet; the message says why and is safe to show."""


class WrongPassword(ErasureRefused):
    """The password given to confirm the deletion is not the account's."""


@dataclass
class Handover:
    """An organisation the person is the only owner of, with the members who could take over."""

    organisation: Organisation
    candidates: list[Membership] = field(default_factory=list)

    @property
    def field_name(self) -> str:
        return f"successor_{self.organisation.id}"


def _active_members(session: Session, organisation: Organisation) -> list[Membership]:
    return list(
        session.scalars(
            active_memberships(Membership, organisation_id=organisation.id)
            .options(selectinload(Membership.user))
            .order_by(Membership.created_at, Membership.id)
        )
    )


def handovers(session: Session, user: User) -> list[Handover]:
    """Organisations that would be left without an owner while still having active members.

    An organisation whose only active member is this person is not listed: nobody can take it
    over, so it stays, without members, for administrators to deal with.
    """
    needed = []
    for membership in memberships_for(session, user):
        if not membership.is_owner:
            continue
        active = _active_members(session, membership.organisation)
        if any(m.is_owner and m.user_id != user.id for m in active):
            continue
        others = [m for m in active if m.user_id != user.id]
        if others:
            needed.append(Handover(membership.organisation, others))
    return needed


def left_without_members(session: Session, user: User) -> list[Organisation]:
    """Organisations whose only active member is this person: they stay, without members."""
    alone = []
    for membership in memberships_for(session, user):
        if membership.status != MembershipStatus.ACTIVE:
            continue
        active = _active_members(session, membership.organisation)
        if all(m.user_id == user.id for m in active):
            alone.append(membership.organisation)
    return alone


def _hand_over(session: Session, user: User, successors: dict[int, int]) -> list[int]:
    """Make the chosen member the owner of each organisation the person alone owns."""
    handed_over = []
    for handover in handovers(session, user):
        chosen = successors.get(handover.organisation.id)
        successor = next((m for m in handover.candidates if m.id == chosen), None)
        if successor is None:
            raise ErasureRefused(
                N_(
                    "Choose who will own %(organisation)s after you leave",
                    organisation=handover.organisation.name,
                )
            )
        successor.role = MemberRole.OWNER
        record(
            session,
            "membership.ownership_handed_over",
            actor=user,
            subject=handover.organisation,
            member_id=successor.user_id,
        )
        handed_over.append(handover.organisation.id)
    return handed_over


def erase_account(
    session: Session, user: User, password: str, successors: dict[int, int] | None = None
) -> None:
    """Delete the person's data and anonymise their account. Raises ErasureRefused, changing
    nothing, when the password is wrong or an organisation they alone own needs a new owner."""
    if not check_current_password(session, user, password, purpose="erase_account"):
        raise WrongPassword(N_("Your password is not correct"))
    handed_over = _hand_over(session, user, successors or {})

    # Places they held go to others, as their own cancellation would; what others are then
    # told names them until `forget_about` below rewrites it with everything else.
    bookings_cancelled = bookings.cancel_all(session, user.id)
    engagements_ended = engagements.leave_all(session, user)
    written = engagements.written_by(session, user)

    memberships = memberships_for(session, user)
    removed_from = sorted({m.organisation_id for m in memberships})
    for membership in memberships:
        session.delete(membership)

    profile = load_profile(session, user)
    credentials = credentials_of(session, profile)
    if profile is not None:
        for credential in credentials:
            session.delete(credential)
        session.delete(profile)  # ties, languages, skills and windows go with it
    notifications.forget(session, user)  # messages and message preferences
    phones.forget(session, user)  # their mobile number
    notifications.forget_about(session, user, user.display_name, written)  # others' messages
    bookings.turn_off_feed(session, user)  # their calendar feed
    contributions.forget(session, user)  # certificates withdrawn, unnamed; notes they wrote
    engagements.forget(session, user)  # messages about them, their line manager's address
    milestones.forget(session, user)  # their plans
    tokens.forget(session, user)  # their API tokens
    factors.forget(session, user)  # passkeys, authenticator app, recovery codes, browsers
    cohorts.forget(session, user)  # they leave every cohort; messages lose their name
    matching.forget(session, user)  # invitations to them, what they hid, their alerts
    session.flush()

    user.email = placeholder_email(user)
    user.display_name = DELETED_NAME
    user.password_hash = UNUSABLE_HASH
    user.pending_email = None
    user.email_verified_at = None
    user.time_zone = DEFAULT_TIME_ZONE
    user.last_login_at = None
    user.active = False
    user.roles = []
    end_all_sessions(user)
    # Ids and counts only: the old address and name must not survive in the audit log.
    record(
        session,
        "account.erased",
        actor=user,
        subject=user,
        profile_erased=profile is not None,
        credentials_erased=len(credentials),
        memberships_removed=removed_from,
        ownership_handed_over=handed_over,
        bookings_cancelled=bookings_cancelled,
        engagements_ended=engagements_ended,
    )
    session.flush()
