"""What the second-factor tests share: a fixed clock and reading pages."""

import re
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select

from diaspora.audit.models import AuditEvent
from diaspora.factors import services as factors
from diaspora.factors.models import TotpFactor

T0 = datetime(2027, 1, 4, 9, 0, 0, tzinfo=UTC)  # the start of a 30-second time step
APP = "/account/two-factor/app"
VERIFY = "/account/two-factor"
RECOVERY = "/account/two-factor/recovery"
STEP_UP = "/account/confirm-it-is-you"


def html(response) -> str:
    return response.get_data(as_text=True)


def secret_on_page(response) -> str:
    match = re.search(r'id="totp-secret"[^>]*>([^<]+)<', html(response))
    assert match, "no setup key on the page"
    return match.group(1).replace(" ", "")


def secret_of(db, user) -> str:
    factor = db.session.scalar(select(TotpFactor).where(TotpFactor.user_id == user.id))
    return factors.totp_secret(factor)


def code(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def actions(db, user) -> list[str]:
    """The audit log's actions about `user`, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id)
            .order_by(AuditEvent.id)
        )
    )
