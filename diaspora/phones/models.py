"""Mobile numbers: one per person, confirmed by a code sent by text message before any other
text goes to it."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.core.time import utcnow
from diaspora.extensions import db


class MobileNumber(db.Model):
    """A person's mobile number, in E.164 (`+447700900123`).

    `number` is the confirmed number texts go to (None until one is confirmed). A number being
    added or changed waits in `pending_number` with the digest of the code sent to it; the
    confirmed number keeps working until the new one is confirmed. `failing_at` is set when the
    text gateway refuses the number for good: no more texts go to it until it is changed.
    `opted_out_at` is set when the person replied STOP: nothing goes to it until they confirm it
    again with a new code.
    """

    __tablename__ = "mobile_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    number: Mapped[str | None] = mapped_column(String(20))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the person answered a text or WhatsApp message with STOP: nothing more goes to
    # the number until they confirm it again.
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pending_number: Mapped[str | None] = mapped_column(String(20))
    # HMAC-SHA256 of the code under a key derived from SECRET_KEY, bound to the number.
    code_digest: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_attempts: Mapped[int] = mapped_column(SmallInteger, default=0)  # wrong codes typed
    # Codes sent in the window that started at `codes_window_at` (resends are limited).
    codes_sent: Mapped[int] = mapped_column(SmallInteger, default=0)
    codes_window_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_code_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def usable(self) -> bool:
        """Texts can go to it: confirmed, not refused by the gateway, not stopped."""
        return self.number is not None and self.failing_at is None and self.opted_out_at is None

    def __repr__(self) -> str:  # no personal data
        return f"<MobileNumber {self.id} user {self.user_id}>"
