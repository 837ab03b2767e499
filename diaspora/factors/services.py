"""Second factors (ADR 16): who must have one, authenticator apps (TOTP, RFC 6238), passkeys
(WebAuthn), recovery codes, remembered browsers, and an administrator's reset.

Functions take and return models and never commit; every enrolment, use, failure, reset and
recovery-code use is audited here, in the caller's transaction.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from markupsafe import Markup
from sqlalchemy import and_, delete, exists, func, not_, or_, select, true
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.auth.services import end_all_sessions, fingerprint
from diaspora.core.context import setting
from diaspora.core.errors import DomainError
from diaspora.core.time import as_utc, iso_utc, utcnow
from diaspora.core.urls import external_url, service_url
from diaspora.core.words import N_
from diaspora.factors.models import Passkey, RecoveryCode, RememberedDevice, TotpFactor
from diaspora.notifications import mail
from diaspora.organisations.access import active_memberships
from diaspora.organisations.models import Membership

TOTP_STEP = 30  # seconds, RFC 6238's default, which every authenticator app uses
TOTP_DRIFT = 1  # steps either side of now that are still accepted
RECOVERY_CODE_COUNT = 10
STEP_UP_MAX_AGE = timedelta(minutes=15)


class FactorError(DomainError):
    """A change to a person's factors that the rules do not allow; the message says why."""


# Who must use a second factor ------------------------------------------------------------------


def must_use_second_factor(session: Session, user: User) -> bool:
    """Administrators and anyone with an active membership of an organisation (verified or
    not: coordinators and partners are among them) can see other people's data."""
    if user.has_role(Role.ADMIN):
        return True
    return bool(session.scalar(select(active_memberships(Membership.id, user_id=user.id).exists())))


def lacks_required_factor(session: Session, user: User) -> bool:
    """`must_use_second_factor` and not `has_factor`, in one statement: the gate asks it on
    every signed-in request."""
    factor = or_(
        exists().where(TotpFactor.user_id == user.id), exists().where(Passkey.user_id == user.id)
    )
    required = (
        true()
        if user.has_role(Role.ADMIN)
        else active_memberships(Membership.id, user_id=user.id).exists()
    )
    return bool(session.scalar(select(and_(required, not_(factor)))))


def has_factor(session: Session, user: User) -> bool:
    """Whether the person has a confirmed authenticator app or a passkey (one query)."""
    app = exists().where(TotpFactor.user_id == user.id)
    key = exists().where(Passkey.user_id == user.id)
    return bool(session.scalar(select(app | key)))


def confirmed_totp(session: Session, user: User) -> TotpFactor | None:
    return session.scalar(select(TotpFactor).where(TotpFactor.user_id == user.id))


def passkeys_of(session: Session, user: User) -> list[Passkey]:
    return list(
        session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id))
    )


def _factor_count(session: Session, user: User) -> int:
    return (1 if confirmed_totp(session, user) else 0) + len(passkeys_of(session, user))


def _check_can_remove(session: Session, user: User) -> None:
    if _factor_count(session, user) <= 1 and must_use_second_factor(session, user):
        raise FactorError(
            N_("You need a second factor: add another passkey or an authenticator app first")
        )


# Authenticator apps ----------------------------------------------------------------------------


def _fernet() -> Fernet:
    """A key derived from SECRET_KEY (HKDF-SHA-256) that encrypts TOTP secrets, so reading
    the database alone does not give them away."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"diaspora.totp", info=b"totp-secret"
    ).derive(setting("SECRET_KEY").encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def totp_secret(factor: TotpFactor) -> str:
    try:
        return _fernet().decrypt(factor.secret.encode()).decode()
    except InvalidToken as error:  # SECRET_KEY changed: the person uses a recovery code
        raise FactorError(
            N_(
                "Your authenticator app can no longer be checked. Use a recovery code, or ask an"
                " administrator to reset your second factor"
            )
        ) from error


def new_totp_secret(session: Session, user: User) -> str:
    """A secret for a new authenticator app (the caller keeps it until it is confirmed)."""
    if confirmed_totp(session, user) is not None:
        raise FactorError(N_("You already use an authenticator app: remove it to set up another"))
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=setting("SERVICE_NAME"))


def qr_svg(uri: str) -> Markup:
    """The QR code of the app's setup link as inline SVG."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, svgclass="app-qr", lineclass=None)
    label = "QR code to scan with your authenticator app"
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_step() -> int:
    return int(utcnow().timestamp()) // TOTP_STEP


def _digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` is for: now or one step either side, and later than the last one
    used (so a code works once)."""
    code = _digits(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = current_step()
    for step in range(now - TOTP_DRIFT, now + TOTP_DRIFT + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def _check_totp(factor: TotpFactor, code: str) -> bool:
    step = _matching_step(totp_secret(factor), code, factor.last_step)
    if step is None:
        return False
    factor.last_step = step
    factor.last_used_at = utcnow()
    return True


def enrol_totp(session: Session, user: User, secret: str, code: str) -> bool:
    """Turn on an authenticator app once the person typed a code from it."""
    step = _matching_step(secret, code, None)
    if step is None or confirmed_totp(session, user) is not None:
        record(session, "factor.failed", actor=user, subject=user, kind="totp", purpose="enrol")
        return False
    session.add(
        TotpFactor(
            user_id=user.id,
            secret=encrypt_secret(secret),
            last_step=step,
            last_used_at=utcnow(),
        )
    )
    record(session, "factor.enrolled", actor=user, subject=user, kind="totp")
    _enrolled(session, user, "an authenticator app")
    return True


def remove_totp(session: Session, user: User) -> None:
    factor = confirmed_totp(session, user)
    if factor is None:
        return
    _check_can_remove(session, user)
    session.delete(factor)
    record(session, "factor.removed", actor=user, subject=user, kind="totp")


def _enrolled(session: Session, user: User, what: str) -> None:
    """A new factor ends every other session: one opened with the password alone before
    it cannot carry on."""
    end_all_sessions(user)
    mail.queue(
        session,
        user.email,
        N_("A second factor was added to your account"),
        "factor_added",
        user=user,
        what=what,
        url=external_url("factors.manage"),
    )


# Checking a factor -----------------------------------------------------------------------------


def verify_code(session: Session, user: User, code: str, *, purpose: str) -> bool:
    """A code from the person's authenticator app; every failure is audited. Raises FactorError
    when the app's stored secret can no longer be read."""
    factor = confirmed_totp(session, user)
    try:
        right = factor is not None and _check_totp(factor, code)
    except FactorError:
        record(session, "factor.failed", actor=user, subject=user, kind="totp", purpose=purpose)
        raise
    event = "factor.used" if right else "factor.failed"
    record(session, event, actor=user, subject=user, kind="totp", purpose=purpose)
    return right


# Recovery codes --------------------------------------------------------------------------------

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def code_digest(code: str) -> str:
    return hashlib.sha256(_digits(code).lower().encode()).hexdigest()


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new codes (about 80 bits each), replacing any earlier ones; shown once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(4))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    session.add_all(RecoveryCode(user_id=user.id, digest=code_digest(code)) for code in codes)
    record(session, "factor.recovery_codes_created", actor=user, subject=user)
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(session: Session, user: User, code: str, *, purpose: str) -> int | None:
    """How many codes are left after using this one, or None when it is not a good code. The
    person is emailed, in case it was not them."""
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.digest == code_digest(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        record(
            session,
            "factor.failed",
            actor=user,
            subject=user,
            kind="recovery_code",
            purpose=purpose,
        )
        return None
    row.used_at = utcnow()
    session.flush()
    left = recovery_codes_left(session, user)
    record(
        session, "factor.recovery_code_used", actor=user, subject=user, left=left, purpose=purpose
    )
    mail.queue(
        session,
        user.email,
        N_("A recovery code was used on your account"),
        "recovery_code_used",
        user=user,
        left=left,
        url=external_url("factors.manage"),
    )
    return left


# Passkeys --------------------------------------------------------------------------------------


def relying_party() -> tuple[str, str]:
    """The relying party id (the service address's host name) and the origin browsers send."""
    address = urlsplit(service_url())
    return address.hostname or "", f"{address.scheme}://{address.netloc}"


def _user_handle(user: User) -> bytes:
    """A stable, opaque handle for the person: no email or id leaves in it."""
    key = setting("SECRET_KEY").encode()
    return hmac.new(key, f"webauthn-user:{user.id}".encode(), hashlib.sha256).digest()


def registration_options(session: Session, user: User) -> tuple[str, bytes]:
    """The options for navigator.credentials.create() as JSON, and their challenge."""
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=setting("SERVICE_NAME"),
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=key.credential_id)
            for key in passkeys_of(session, user)
        ],
    )
    return options_to_json(options), options.challenge


def register_passkey(
    session: Session, user: User, credential: dict, challenge: bytes, name: str
) -> Passkey:
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as error:
        record(session, "factor.failed", actor=user, subject=user, kind="passkey", purpose="enrol")
        raise FactorError(N_("The passkey could not be checked. Try again")) from error
    taken = session.scalar(select(exists().where(Passkey.credential_id == verified.credential_id)))
    if taken:
        raise FactorError(N_("This passkey is already registered"))
    passkey = Passkey(
        user_id=user.id,
        name=name.strip(),
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    session.add(passkey)
    session.flush()
    record(session, "factor.enrolled", actor=user, subject=user, kind="passkey", passkey=passkey.id)
    _enrolled(session, user, "a passkey")
    return passkey


def authentication_options(session: Session, user: User) -> tuple[str, bytes]:
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=key.credential_id)
            for key in passkeys_of(session, user)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def verify_passkey(
    session: Session, user: User, credential: dict, challenge: bytes, *, purpose: str
) -> bool:
    """A passkey's answer to the challenge, from one of the person's own passkeys."""
    rp_id, origin = relying_party()
    passkey = None
    try:
        raw_id = base64.urlsafe_b64decode(str(credential.get("rawId", "")) + "==")
        passkey = session.scalar(
            select(Passkey).where(Passkey.user_id == user.id, Passkey.credential_id == raw_id)
        )
        if passkey is not None:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
            )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError, AttributeError):
        passkey = None
    if passkey is None:
        record(session, "factor.failed", actor=user, subject=user, kind="passkey", purpose=purpose)
        return False
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    record(
        session,
        "factor.used",
        actor=user,
        subject=user,
        kind="passkey",
        passkey=passkey.id,
        purpose=purpose,
    )
    return True


def remove_passkey(session: Session, user: User, passkey_id: int) -> None:
    passkey = session.scalar(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id)
    )
    if passkey is None:
        raise LookupError(passkey_id)
    _check_can_remove(session, user)
    session.delete(passkey)
    record(session, "factor.removed", actor=user, subject=user, kind="passkey", passkey=passkey_id)


# Remembered browsers ---------------------------------------------------------------------------


def may_remember(user: User) -> bool:
    """Administrators always give their second factor."""
    return not user.has_role(Role.ADMIN)


def remember_device(session: Session, user: User, label: str) -> tuple[str, RememberedDevice]:
    """A new remembered browser: the token for its cookie (kept only as a digest here)."""
    if not may_remember(user):
        raise FactorError(N_("Administrators give their second factor at every sign-in"))
    token = secrets.token_urlsafe(32)
    device = RememberedDevice(
        user_id=user.id,
        digest=hashlib.sha256(token.encode()).hexdigest(),
        password_fingerprint=fingerprint(user.password_hash),
        label=label[:80],
        expires_at=utcnow() + timedelta(days=setting("REMEMBER_DEVICE_DAYS")),
    )
    session.add(device)
    session.flush()
    record(session, "factor.device_remembered", actor=user, subject=user, device=device.id)
    return token, device


def _live(device: RememberedDevice, user: User) -> bool:
    return as_utc(device.expires_at) > utcnow() and device.password_fingerprint == fingerprint(
        user.password_hash
    )


def remembered(session: Session, user: User, token: str | None) -> bool:
    """Whether this browser's cookie lets the person skip the second factor today."""
    if not token or not may_remember(user):
        return False
    device = session.scalar(
        select(RememberedDevice).where(
            RememberedDevice.user_id == user.id,
            RememberedDevice.digest == hashlib.sha256(token.encode()).hexdigest(),
        )
    )
    if device is None or not _live(device, user):
        return False
    device.last_used_at = utcnow()
    record(
        session,
        "factor.used",
        actor=user,
        subject=user,
        kind="remembered_device",
        device=device.id,
        purpose="sign_in",
    )
    return True


def remembered_devices(session: Session, user: User) -> list[RememberedDevice]:
    """The browsers that still skip the second factor (not expired, same password)."""
    devices = session.scalars(
        select(RememberedDevice)
        .where(RememberedDevice.user_id == user.id)
        .order_by(RememberedDevice.created_at.desc(), RememberedDevice.id.desc())
    )
    return [device for device in devices if _live(device, user)]


def forget_device(session: Session, user: User, device_id: int) -> None:
    deleted = session.execute(
        delete(RememberedDevice).where(
            RememberedDevice.id == device_id, RememberedDevice.user_id == user.id
        )
    ).rowcount
    if not deleted:
        raise LookupError(device_id)
    record(session, "factor.device_forgotten", actor=user, subject=user, device=device_id)


# An administrator's reset ----------------------------------------------------------------------


def forget(session: Session, user: User) -> None:
    """An erased account keeps no factor, recovery code or remembered browser."""
    for model in (TotpFactor, Passkey, RecoveryCode, RememberedDevice):
        session.execute(delete(model).where(model.user_id == user.id))


def reset_factors(session: Session, person: User, *, actor: User | None, via: str) -> None:
    """Remove every factor, recovery code and remembered browser of a person who lost theirs,
    and end their sessions: at their next sign-in they set up a new one. Never one's own
    (except from the command line, `actor` None). Both people are emailed."""
    if actor is not None and actor.id == person.id:
        raise FactorError(N_("You cannot reset your own second factor: ask another administrator"))
    forget(session, person)
    end_all_sessions(person)
    record(session, "factor.reset", actor=actor, subject=person, via=via)
    mail.queue(
        session,
        person.email,
        N_("Your second factor has been reset"),
        "factor_reset",
        user=person,
        sign_in_url=external_url("auth.sign_in"),
    )
    if actor is not None:
        mail.queue(
            session,
            actor.email,
            N_("You reset someone's second factor"),
            "factor_reset_by_you",
            user=actor,
            person=person,
        )


def export_for(session: Session, user: User) -> dict[str, object]:
    """The person's second factors, for their "my data" download: names and dates, never a
    secret, key or code."""

    totp = confirmed_totp(session, user)
    return {
        "authenticator_app": None
        if totp is None
        else {"set_up_at": iso_utc(totp.confirmed_at), "last_used_at": iso_utc(totp.last_used_at)},
        "passkeys": [
            {
                "name": passkey.name,
                "added_at": iso_utc(passkey.created_at),
                "last_used_at": iso_utc(passkey.last_used_at),
            }
            for passkey in passkeys_of(session, user)
        ],
        "recovery_codes_left": recovery_codes_left(session, user),
        "remembered_browsers": [
            {
                "label": device.label,
                "remembered_at": iso_utc(device.created_at),
                "until": iso_utc(device.expires_at),
                "last_used_at": iso_utc(device.last_used_at),
            }
            for device in remembered_devices(session, user)
        ],
    }
