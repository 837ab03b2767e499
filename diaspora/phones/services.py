"""A person's mobile number and its rules: adding, confirming, changing and removing it, and
what happens when the text gateway refuses it.

A number is confirmed by a six-digit code sent to it by text. This module makes the code and
hands it back: the outbox reads numbers from here, so texting the code (at once, whatever the
hour) and cancelling the texts waiting for a number that is removed or refused are done by the
callers above (`account/services.py`, `notifications/jobs.py`). The code is kept as an HMAC
under a key derived from SECRET_KEY and bound to the person and the number, works for
MOBILE_CODE_MAX_AGE and for MOBILE_CODE_ATTEMPTS wrong tries; at most MOBILE_CODES_PER_DAY codes
are sent a day, MOBILE_RESEND_WAIT apart. Every step is audited, without the number.
Functions never commit.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.core.context import setting
from diaspora.core.errors import DomainError
from diaspora.core.time import as_utc, utcnow
from diaspora.core.words import N_
from diaspora.phones.models import MobileNumber

CODE_DIGITS = 6
CODE_WINDOW = timedelta(days=1)


class MobileError(DomainError):
    """A step the rules do not allow now; the message says why, in words for the person."""


@dataclass(frozen=True)
class Code:
    """A confirmation code to text to `number` (the caller queues the text)."""

    number: str
    code: str


def mobile_of(session: Session, user: User) -> MobileNumber | None:
    return session.scalar(select(MobileNumber).where(MobileNumber.user_id == user.id))


def usable_number(session: Session, user_id: int) -> str | None:
    """The confirmed number texts may go to, or None."""
    row = session.execute(
        select(MobileNumber.number).where(
            MobileNumber.user_id == user_id,
            MobileNumber.number.is_not(None),
            MobileNumber.failing_at.is_(None),
            MobileNumber.opted_out_at.is_(None),
        )
    ).first()
    return row.number if row else None


def usable_numbers(session: Session, user_ids: Iterable[int]) -> set[int]:
    """Of these people, those with a confirmed number texts may go to (one statement)."""
    return set(
        session.scalars(
            select(MobileNumber.user_id).where(
                MobileNumber.user_id.in_(set(user_ids)),
                MobileNumber.number.is_not(None),
                MobileNumber.failing_at.is_(None),
                MobileNumber.opted_out_at.is_(None),
            )
        )
    )


def _digest(user_id: int, number: str, code: str) -> str:
    key = hashlib.sha256(f"mobile-code:{setting('SECRET_KEY')}".encode()).digest()
    return hmac.new(key, f"{user_id}:{number}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code(session: Session, user: User, mobile: MobileNumber, now: datetime) -> Code:
    if mobile.codes_window_at is None or as_utc(mobile.codes_window_at) + CODE_WINDOW <= now:
        mobile.codes_window_at, mobile.codes_sent = now, 0
    if mobile.codes_sent >= setting("MOBILE_CODES_PER_DAY", 5):
        raise MobileError(
            N_("You have asked for too many codes today. Try again tomorrow, or contact us")
        )
    wait = setting("MOBILE_RESEND_WAIT", timedelta(seconds=60))
    if mobile.last_code_at is not None and as_utc(mobile.last_code_at) + wait > now:
        raise MobileError(N_("We sent you a code a moment ago. Wait a minute before asking again"))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    mobile.code_digest = _digest(user.id, mobile.pending_number, code)
    mobile.code_expires_at = now + setting("MOBILE_CODE_MAX_AGE", timedelta(minutes=10))
    mobile.code_attempts = 0
    mobile.codes_sent += 1
    mobile.last_code_at = now
    record(session, "mobile.code_sent", actor=user, subject=mobile, attempt=mobile.codes_sent)
    return Code(mobile.pending_number, code)


def add_number(session: Session, user: User, number: str) -> Code:
    """Start adding or changing the person's number (E.164): returns the code to text to it.
    The number they confirmed before, if any, keeps working until the new one is confirmed."""
    now = utcnow()
    mobile = mobile_of(session, user)
    if mobile is None:
        mobile = MobileNumber(user_id=user.id, code_attempts=0, codes_sent=0)
        session.add(mobile)
        session.flush()
    if mobile.number == number and mobile.failing_at is None and mobile.opted_out_at is None:
        raise MobileError(N_("This is already your confirmed mobile number"))
    if mobile.pending_number != number:
        mobile.pending_number = number
        mobile.last_code_at = None  # a new number may get its code at once
    return _new_code(session, user, mobile, now)


def resend_code(session: Session, user: User) -> Code:
    """A new code for the number waiting for one (the old code stops working)."""
    mobile = mobile_of(session, user)
    if mobile is None or mobile.pending_number is None:
        raise MobileError(N_("Enter your mobile number first"))
    return _new_code(session, user, mobile, utcnow())


def confirm(session: Session, user: User, code: str) -> MobileNumber:
    """Confirm the waiting number with the code typed. Raises MobileError when the code is
    wrong, expired or has been tried too often (then a new one must be asked for)."""
    now = utcnow()
    mobile = mobile_of(session, user)
    if mobile is None or mobile.pending_number is None or mobile.code_digest is None:
        raise MobileError(N_("Ask for a new code: there is no code waiting for this number"))
    if mobile.code_expires_at is None or as_utc(mobile.code_expires_at) <= now:
        record(session, "mobile.code_failed", actor=user, subject=mobile, reason="expired")
        raise MobileError(N_("This code has expired. Ask for a new code"))
    typed = "".join((code or "").split())
    wanted = mobile.code_digest
    if not (typed.isdigit() and len(typed) == CODE_DIGITS) or not hmac.compare_digest(
        _digest(user.id, mobile.pending_number, typed), wanted
    ):
        mobile.code_attempts += 1
        spent = mobile.code_attempts >= setting("MOBILE_CODE_ATTEMPTS", 5)
        if spent:
            mobile.code_digest = None
        record(
            session,
            "mobile.code_failed",
            actor=user,
            subject=mobile,
            reason="too many tries" if spent else "wrong code",
        )
        if spent:
            raise MobileError(N_("The code was wrong too many times. Ask for a new code"))
        raise MobileError(N_("The code is not correct. Check the text message and try again"))
    changed = mobile.number is not None
    mobile.number = mobile.pending_number
    mobile.confirmed_at = now
    mobile.failing_at = None
    mobile.opted_out_at = None  # confirming the number again after STOP turns it back on
    mobile.pending_number = None
    mobile.code_digest = None
    mobile.code_expires_at = None
    mobile.code_attempts = 0
    record(session, "mobile.confirmed", actor=user, subject=mobile, changed=changed)
    return mobile


def cancel_change(session: Session, user: User) -> None:
    """Forget a number waiting for its code (the confirmed one, if any, stays)."""
    mobile = mobile_of(session, user)
    if mobile is None or mobile.pending_number is None:
        return
    if mobile.number is None:
        session.delete(mobile)
    else:
        mobile.pending_number = None
        mobile.code_digest = None
        mobile.code_expires_at = None
    record(session, "mobile.change_cancelled", actor=user, subject=user)


def remove(session: Session, user: User) -> bool:
    """Remove the person's number (confirmed or waiting). False when there was none; when
    there was, the caller cancels the texts waiting for it (kinds they chose texts for then
    go by email)."""
    mobile = mobile_of(session, user)
    if mobile is None:
        return False
    session.delete(mobile)
    record(session, "mobile.removed", actor=user, subject=user)
    return True


class Refused(Enum):
    """What a refusal by the text gateway did to the person's number."""

    WAITING = "waiting"  # the number waiting for its code was dropped
    CONFIRMED = "confirmed"  # the confirmed number now fails: texts waiting for it must go


def number_refused(session: Session, user_id: int, number: str, now: datetime) -> Refused | None:
    """The text gateway refused `number` for good. Marks the person's confirmed number as
    failing, or drops it when it was waiting for its code, and says which: the caller then
    tells the person, and cancels their waiting texts when the confirmed number failed. None
    when this is not news (known already, or the number has changed since)."""
    mobile = session.scalar(select(MobileNumber).where(MobileNumber.user_id == user_id))
    if mobile is None:
        return None
    if mobile.pending_number == number:
        mobile.pending_number = None
        mobile.code_digest = None
        mobile.code_expires_at = None
        if mobile.number is None:
            session.delete(mobile)
        record(session, "mobile.refused", subject=mobile, waiting=True)
        return Refused.WAITING
    if mobile.number == number and mobile.failing_at is None:
        mobile.failing_at = now
        record(session, "mobile.refused", subject=mobile, waiting=False)
        return Refused.CONFIRMED
    return None


def opt_out(session: Session, number: str, now: datetime) -> list[int]:
    """The person with this confirmed number replied STOP: nothing more goes to it until they
    confirm it again. Returns the ids of the people whose number this news stopped (none when
    it was stopped already or is nobody's), for the caller to tell them and cancel what waits."""
    stopped = []
    for mobile in session.scalars(
        select(MobileNumber).where(
            MobileNumber.number == number, MobileNumber.opted_out_at.is_(None)
        )
    ):
        mobile.opted_out_at = now
        record(session, "mobile.opted_out", subject=mobile)
        stopped.append(mobile.user_id)
    return stopped


def forget(session: Session, user: User) -> None:
    """For an account's erasure: the number goes (its texts go with the person's messages)."""
    session.execute(delete(MobileNumber).where(MobileNumber.user_id == user.id))


def _when(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def export_for(session: Session, user: User) -> dict[str, object] | None:
    """The person's number and its state, for their "my data" download."""
    mobile = mobile_of(session, user)
    if mobile is None:
        return None
    return {
        "number": mobile.number,
        "confirmed_at": _when(mobile.confirmed_at),
        "failing_since": _when(mobile.failing_at),
        "stopped_since": _when(mobile.opted_out_at),
        "waiting_for_confirmation": mobile.pending_number,
        "added_at": _when(mobile.created_at),
    }


@dataclass(frozen=True)
class State:
    """What the account pages say about a number."""

    number: str | None
    pending: str | None
    failing: bool
    opted_out: bool = False

    @property
    def label(self) -> str:
        if self.opted_out:
            return N_("Stopped: you replied STOP, so we send nothing to it")
        if self.failing:
            return N_("Not working: texts cannot be sent to it")
        if self.number and self.pending:
            return N_("Confirmed (a new number is waiting for its code)")
        if self.number:
            return N_("Confirmed")
        return N_("Waiting for the code we sent") if self.pending else N_("Not added")


def state_of(session: Session, user: User) -> State:
    mobile = mobile_of(session, user)
    if mobile is None:
        return State(None, None, False)
    return State(
        mobile.number,
        mobile.pending_number,
        mobile.failing_at is not None,
        mobile.opted_out_at is not None,
    )
