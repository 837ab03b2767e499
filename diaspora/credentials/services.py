"""Professional registrations: the format rules, the owner's changes and their verification.

Functions never commit; the caller does. Rules that refuse input raise `CredentialError`, whose
`errors` map a field name to a message safe to show.

For other areas (directory search, profile pages, exports):
- `verified_credential_clause()`: a SQL condition on `StaffProfile` ("has a current verified
  registration"), for `select(StaffProfile).where(verified_credential_clause())`;
- `has_verified_credential(session, profile)`: the same question for one profile;
- `profile_ids_with_verified_credential(session, ids)`: the same for a page of results, one query;
- `credentials_for(session, profile)`: a profile's credentials with their verifiers loaded.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.core.errors import DomainError
from diaspora.core.time import utcnow
from diaspora.core.words import N_
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.reference.catalogue import Profession, professions, regulators
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile
from diaspora.registry.services import profile_for

OTHER = "OTHER"
UK = "GB"
EXPIRY_WARNING_DAYS = 60
MAX_NUMBER_LENGTH = 40

# What each regulator calls its number, for messages ("Enter your NMC PIN ...").
NUMBER_NAMES = {
    "GMC": N_("GMC reference number"),
    "NMC": N_("NMC PIN"),
    "HCPC": N_("HCPC registration number"),
    "GPhC": N_("GPhC registration number"),
    "GDC": N_("GDC registration number"),
    "GOsC": N_("GOsC registration number"),
}

# The regulators' public register searches, for the people who verify.
REGISTER_SEARCH_URLS = {
    "GMC": "https://www.gmc-uk.org/registration-and-licensing/the-medical-register",
    "NMC": "https://www.nmc.org.uk/registration/search-the-register/",
    "HCPC": "https://www.hcpc-uk.org/check-the-register/",
    "GPhC": "https://www.pharmacyregulation.org/registers",
    "GDC": "https://olr.gdc-uk.org/SearchRegister",
}

# (regulator, profession) pairs whose number format has not been verified: any number is
# accepted (see the header of reference/data/regulators.csv and shared/reference/regulators.csv).
UNVERIFIED_FORMATS = {("GPhC", "pharmacy_technician")}

_WHITESPACE = re.compile(r"\s+")
_ALLOWED = re.compile(r"[A-Z0-9][A-Z0-9/.\-]*")


class CredentialError(DomainError):
    """Input or an action the rules refuse; `errors` maps field names to messages."""


class NotAllowed(Exception):
    """The person may not take this action on this credential (the view answers 403)."""


# The format rules -------------------------------------------------------------------------


def regulator_label(code: str, other_name: str = "") -> str:
    if code == OTHER:
        return other_name
    regulator = regulators().get(code)
    return f"{regulator.name} ({code})" if regulator else code


def normalise_number(number: str | None) -> str:
    """Registration numbers are compared without spaces, in capitals: ' 71a 2998e' → '71A2998E'."""
    return _WHITESPACE.sub("", number or "").upper()


def _profession(code: str | None) -> Profession | None:
    return professions().get(code or "")


def regulator_problem(regulator: str, profession_code: str | None) -> str | None:
    """Why this UK regulator does not fit the person's profession, or None when it does.

    A regulator outside the UK always fits; so does any regulator for a profession the UK does
    not regulate (managers, educators, "other").
    """
    profession = _profession(profession_code)
    if regulator == OTHER or profession is None or not profession.regulator:
        return None
    entry = regulators().get(regulator)
    if entry is not None and not entry.in_uk:
        return None
    if regulator == profession.regulator:
        return None
    name = profession.name.lower()
    return N_(
        "Your profile says you are %(profession)s, registered with the %(expected)s, not the "
        "%(regulator)s. Choose the %(expected)s, or change your profession on your profile",
        profession=f"{_article(name)} {name}",
        expected=profession.regulator,
        regulator=regulator,
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def number_problem(regulator: str, number: str, profession_code: str | None) -> str | None:
    """Why this (normalised) number is not valid for the regulator, or None when it is."""
    if not number:
        return N_("Enter your registration number")
    if len(number) > MAX_NUMBER_LENGTH:
        return N_("Registration number must be %(max)s characters or fewer", max=MAX_NUMBER_LENGTH)
    if not _ALLOWED.fullmatch(number):
        return N_(
            "Registration number must only include letters, numbers, hyphens, "
            "full stops and slashes"
        )
    if regulator == OTHER:
        return None
    entry = regulators().get(regulator)
    if entry is None:
        return N_("Select your regulator")
    if entry.pattern is None or (regulator, profession_code) in UNVERIFIED_FORMATS:
        return None
    what = NUMBER_NAMES.get(regulator, N_("%(regulator)s registration number", regulator=regulator))
    profession = _profession(profession_code)
    if regulator == "HCPC" and profession is not None and profession.hcpc_prefix:
        prefix = profession.hcpc_prefix
        example = f"{prefix}123456"
        if re.fullmatch(rf"{prefix}\d{{1,6}}", number):
            return None
        if entry.pattern.fullmatch(number):  # an HCPC number, but another profession's
            return N_(
                "HCPC registration numbers for %(professions)s start with %(prefix)s. Enter "
                "your number in the correct format, like %(example)s",
                professions=profession.name.lower() + "s",
                prefix=prefix,
                example=example,
            )
        return N_(
            "Enter your %(what)s in the correct format: %(prefix)s then up to 6 digits, like "
            "%(example)s",
            what=what,
            prefix=prefix,
            example=example,
        )
    if entry.pattern.fullmatch(number):
        return None
    return N_(
        "Enter your %(what)s in the correct format: %(hint)s, like %(example)s",
        what=what,
        hint=entry.format_hint,
        example=entry.example,
    )


@dataclass(frozen=True)
class CredentialInput:
    """What the owner enters, as `CredentialForm.details` parses it (number normalised)."""

    regulator: str
    number: str
    regulator_name: str = ""
    country: str = UK
    expires_on: date | None = None


def check_duplicate(
    session: Session,
    details: CredentialInput,
    profile: StaffProfile | None,
    *,
    editing: Credential | None = None,
) -> None:
    """CredentialError when the profile already holds this registration (the form has
    parsed `details`: number normalised, a UK regulator's country set)."""
    if profile is None or profile.id is None:
        return
    duplicate = select(Credential.id).where(
        Credential.profile_id == profile.id,
        Credential.regulator == details.regulator,
        Credential.regulator_name == details.regulator_name,
        Credential.number == details.number,
    )
    if editing is not None:
        duplicate = duplicate.where(Credential.id != editing.id)
    if session.scalar(duplicate.limit(1)) is not None:
        raise CredentialError(N_("You have already added this registration"), field="number")


# The owner's changes ----------------------------------------------------------------------


def credentials_for(session: Session, profile: StaffProfile | None) -> list[Credential]:
    """A profile's credentials, oldest first, with their verifiers loaded."""
    if profile is None or profile.id is None:
        return []
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.profile_id == profile.id)
            .options(selectinload(Credential.verified_by))
            .order_by(Credential.created_at, Credential.id)
        )
    )


def owned_credential(session: Session, owner: User, credential_id: int) -> Credential | None:
    """The credential if it belongs to this person, else None (the view answers 404)."""
    return session.scalar(
        select(Credential)
        .join(StaffProfile, StaffProfile.id == Credential.profile_id)
        .where(Credential.id == credential_id, StaffProfile.user_id == owner.id)
    )


def add_credential(session: Session, owner: User, details: CredentialInput) -> Credential:
    """Add a registration, creating the owner's (private, empty) profile when missing."""
    profile = profile_for(session, owner)
    check_duplicate(session, details, profile)
    profile = profile or profile_for(session, owner, create=True)
    credential = Credential(
        profile=profile,
        regulator=details.regulator,
        regulator_name=details.regulator_name,
        country=details.country,
        number=details.number,
        expires_on=details.expires_on,
        status=CredentialStatus.UNVERIFIED,
        note="",
    )
    session.add(credential)
    session.flush()
    record(session, "credential.added", actor=owner, subject=credential, status=credential.status)
    return credential


def _reset(credential: Credential) -> None:
    credential.status = CredentialStatus.UNVERIFIED
    credential.verified_by = None
    credential.verified_by_id = None
    credential.verified_at = None
    credential.note = ""


def update_credential(
    session: Session, credential: Credential, owner: User, details: CredentialInput
) -> bool:
    """Save the owner's changes. A new number (or regulator) needs checking again: a verified or
    rejected credential goes back to unverified. Returns whether it was reset."""
    check_duplicate(session, details, credential.profile, editing=credential)
    identity = ("regulator", "regulator_name", "country", "number")
    identity_changed = any(getattr(details, n) != getattr(credential, n) for n in identity)
    previous = credential.status
    reset = identity_changed and previous != CredentialStatus.UNVERIFIED
    credential.regulator = details.regulator
    credential.regulator_name = details.regulator_name
    credential.country = details.country
    credential.number = details.number
    credential.expires_on = details.expires_on
    if reset:
        _reset(credential)
    record(
        session,
        "credential.updated",
        actor=owner,
        subject=credential,
        status=credential.status,
        previous_status=previous,
    )
    return reset


def remove_credential(session: Session, credential: Credential, owner: User) -> None:
    record(
        session,
        "credential.removed",
        actor=owner,
        subject=credential,
        profile_id=credential.profile_id,
        status=credential.status,
    )
    session.delete(credential)


# Verification ------------------------------------------------------------------------------


def can_verify(session: Session, user: User) -> bool:
    """Administrators, and coordinators of verified charities and NHS trusts."""
    return privacy.access_of(session, user).oversees


def _visible_to(
    query: Select, session: Session, verifier: User, access: privacy.ViewerAccess | None = None
) -> Select:
    """Verifiers see only credentials of people they could see anyway, never their own.

    Administrators may open every profile; coordinators only those shown to coordinators, so a
    private profile's registrations are checked by administrators alone. `access`, when the
    caller has worked it out already, saves looking at the verifier's memberships again.
    """
    query = query.where(StaffProfile.user_id != verifier.id)
    if not verifier.has_role(Role.ADMIN):
        audiences = (access or privacy.access_of(session, verifier)).audiences
        query = query.where(StaffProfile.visibility.in_(sorted(audiences)))
    return query


def verification_queue(
    session: Session, verifier: User, access: privacy.ViewerAccess | None = None
) -> Select:
    """Unverified credentials the verifier may check, oldest first, with person and profile
    loaded in the same query (for `db.paginate`)."""
    query = (
        select(Credential)
        .join(Credential.profile)
        .join(StaffProfile.user)
        .where(Credential.status == CredentialStatus.UNVERIFIED)
        .options(contains_eager(Credential.profile).contains_eager(StaffProfile.user))
        .order_by(Credential.created_at, Credential.id)
    )
    return _visible_to(query, session, verifier, access)


def credential_to_verify(session: Session, verifier: User, credential_id: int) -> Credential:
    """A credential the verifier may decide on. LookupError when it is not theirs to see (404);
    NotAllowed when it is their own (403)."""
    credential = session.get(Credential, credential_id)
    if credential is None:
        raise LookupError(credential_id)
    if credential.profile.user_id == verifier.id:
        raise NotAllowed(N_("You cannot verify your own registration"))
    query = _visible_to(
        select(Credential.id).join(Credential.profile).where(Credential.id == credential_id),
        session,
        verifier,
    )
    if session.scalar(query) is None:
        raise LookupError(credential_id)
    return credential


def decide(
    session: Session, credential: Credential, verifier: User, *, verified: bool, note: str = ""
) -> None:
    """Mark an unverified credential verified or rejected (a rejection needs a note)."""
    if not can_verify(session, verifier):
        raise NotAllowed(N_("Only administrators and coordinators verify registrations"))
    if credential.profile.user_id == verifier.id:
        raise NotAllowed(N_("You cannot verify your own registration"))
    if credential.status != CredentialStatus.UNVERIFIED:
        raise CredentialError({"decision": N_("This registration has already been checked")})
    note = (note or "").strip()
    if not verified and not note:
        raise CredentialError({"note": N_("Enter a note saying why the registration was rejected")})
    credential.status = CredentialStatus.VERIFIED if verified else CredentialStatus.REJECTED
    credential.verified_by = verifier
    credential.verified_at = utcnow()
    credential.note = note
    record(
        session,
        f"credential.{credential.status}",
        actor=verifier,
        subject=credential,
        profile_id=credential.profile_id,
        status=credential.status,
    )


# Expiry --------------------------------------------------------------------------------------


def today() -> date:
    return utcnow().date()


def days_to_expiry(credential: Credential, on: date | None = None) -> int | None:
    if credential.expires_on is None:
        return None
    return (credential.expires_on - (on or today())).days


def expiry_warning(credential: Credential, on: date | None = None) -> str | None:
    """'Expired', 'Expires today' or 'Expires in N days' within 60 days of expiry, else None.

    A registration is valid up to and including its expiry date.
    """
    days = days_to_expiry(credential, on)
    if days is None or days > EXPIRY_WARNING_DAYS:
        return None
    if days < 0:
        return N_("Expired")
    if days == 0:
        return N_("Expires today")
    if days == 1:
        return N_("Expires in 1 day")
    return N_("Expires in %(days)s days", days=days)


# For other areas -----------------------------------------------------------------------------


def verified_credential_clause(on: date | None = None):
    """SQL condition on StaffProfile: it has a verified credential that has not expired."""
    current = on or today()
    return exists().where(
        Credential.profile_id == StaffProfile.id,
        Credential.status == CredentialStatus.VERIFIED,
        or_(Credential.expires_on.is_(None), Credential.expires_on >= current),
    )


def has_verified_credential(
    session: Session, profile: StaffProfile, on: date | None = None
) -> bool:
    """Whether the profile has a verified credential that has not expired."""
    query = select(StaffProfile.id).where(
        StaffProfile.id == profile.id, verified_credential_clause(on)
    )
    return session.scalar(query) is not None


def profile_ids_with_verified_credential(
    session: Session, profile_ids: Iterable[int], on: date | None = None
) -> set[int]:
    """Of these profiles, the ids of those with a current verified credential (one query)."""
    ids = list(profile_ids)
    if not ids:
        return set()
    current = on or today()
    query = select(Credential.profile_id).where(
        Credential.profile_id.in_(ids),
        Credential.status == CredentialStatus.VERIFIED,
        or_(Credential.expires_on.is_(None), Credential.expires_on >= current),
    )
    return set(session.scalars(query))
