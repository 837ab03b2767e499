"""Monthly text budgets: how many text segments the messages an organisation causes may use.

A text an organisation causes (about its action or one of its opportunities) is charged to it
when it is queued; account texts, such as a confirmation code, belong to no organisation and
are never counted. The budget counts segments, not messages, because GOV.UK Notify charges by
the segment (a text is one or two: see texts.py), so a budget is what the texts cost.

A month is the calendar month in UTC. An organisation with no budget set gets
TEXT_BUDGET_DEFAULT; a budget of 0 turns its texts off. A text that does not fit what is left
goes by email instead (the inbox keeps its copy as always): nothing is dropped.

Counting is exact under concurrency: the month's row is created if missing (an insert that
does nothing when another transaction made it first) and charged with one conditional UPDATE
(`used + n <= budget`), which PostgreSQL re-checks on the row it locked once the other
writer's transaction has ended, and which SQLite runs one writer at a time. Two workers
queueing at once never both take the last segments. The row stays locked until the caller
commits, so an organisation's texts are queued one transaction after another.

At 80 % the organisation's owners are warned once that month: `due_warnings` lists the months
that reached it, and `claim_warning` marks one as warned in the caller's transaction (only one
caller gets True), for the organisations area to tell its owners.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from diaspora.audit.services import record
from diaspora.auth.models import User
from diaspora.core.context import setting
from diaspora.core.time import as_utc, utcnow
from diaspora.notifications.models import TextBudget, TextUsage

WARN_AT = 80  # per cent of the budget
MAX_BUDGET = 1_000_000


def month_of(moment: datetime) -> str:
    """The calendar month in UTC, as `YYYY-MM`."""
    return f"{as_utc(moment):%Y-%m}"


def default_budget() -> int:
    return max(0, int(setting("TEXT_BUDGET_DEFAULT", 0) or 0))


def budget_for(session: Session, organisation_id: int) -> int:
    """The segments the organisation's texts may use a month."""
    segments = session.scalar(
        select(TextBudget.segments).where(TextBudget.organisation_id == organisation_id)
    )
    return default_budget() if segments is None else segments


@dataclass(frozen=True)
class Usage:
    month: str
    budget: int
    used: int
    is_default: bool
    warned: bool = False  # the owners were warned this month (WARN_AT)

    @property
    def left(self) -> int:
        return max(0, self.budget - self.used)

    @property
    def percent(self) -> int:
        return 100 if self.budget <= 0 else min(100, self.used * 100 // self.budget)


def usage(session: Session, organisation_id: int, now: datetime | None = None) -> Usage:
    """The organisation's budget and what its texts used this month."""
    month = month_of(now or utcnow())
    row = session.get(TextBudget, organisation_id)
    spent = session.execute(
        select(TextUsage.used, TextUsage.warned_at).where(
            TextUsage.organisation_id == organisation_id, TextUsage.month == month
        )
    ).first()
    budget = default_budget() if row is None else row.segments
    if spent is None:
        return Usage(month, budget, 0, row is None)
    return Usage(month, budget, spent.used, row is None, spent.warned_at is not None)


def set_budget(session: Session, admin: User, organisation: Any, segments: int | None) -> bool:
    """Set the organisation's monthly budget (None: back to the default). Returns whether it
    changed; recorded in the audit log with the organisation (any row with an `id`) as subject.
    """
    organisation_id = organisation.id
    row = session.get(TextBudget, organisation_id)
    before = None if row is None else row.segments
    if before == segments:
        return False
    if segments is None:
        session.delete(row)
    elif row is None:
        session.add(
            TextBudget(organisation_id=organisation_id, segments=segments, updated_by_id=admin.id)
        )
    else:
        row.segments = segments
        row.updated_by_id = admin.id
    record(
        session,
        "organisation.text_budget_set",
        actor=admin,
        subject=organisation,
        segments=segments,
        before=before,
    )
    return True


def _ensure_month(session: Session, organisation_id: int, month: str) -> None:
    values = {"organisation_id": organisation_id, "month": month, "used": 0}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(TextUsage).values(**values).on_conflict_do_nothing())


def charge(session: Session, organisation_id: int, segments: int, now: datetime) -> bool:
    """Take `segments` from the organisation's budget for the month of `now`, in the caller's
    transaction. False (nothing taken) when they do not fit in what is left."""
    budget = budget_for(session, organisation_id)
    if segments <= 0 or segments > budget:
        return False
    month = month_of(now)
    _ensure_month(session, organisation_id, month)
    result = session.execute(
        update(TextUsage)
        .where(
            TextUsage.organisation_id == organisation_id,
            TextUsage.month == month,
            TextUsage.used + segments <= budget,
        )
        .values(used=TextUsage.used + segments)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def due_warnings(session: Session, now: datetime) -> list[int]:
    """The organisations whose texts used WARN_AT % of this month's budget (of one above 0)
    and whose owners have not been warned this month."""
    month = month_of(now)
    rows = session.execute(
        select(TextUsage.organisation_id, TextUsage.used, TextBudget.segments)
        .outerjoin(TextBudget, TextBudget.organisation_id == TextUsage.organisation_id)
        .where(TextUsage.month == month, TextUsage.warned_at.is_(None), TextUsage.used > 0)
        .order_by(TextUsage.organisation_id)
    ).all()
    default = default_budget()
    due = []
    for organisation_id, used, segments in rows:
        budget = default if segments is None else segments
        if budget > 0 and used * 100 >= budget * WARN_AT:
            due.append(organisation_id)
    return due


def claim_warning(session: Session, organisation_id: int, now: datetime) -> bool:
    """Mark this month's warning as given, in the caller's transaction; True for the one caller
    that did (another scheduler that tries at the same time gets False)."""
    result = session.execute(
        update(TextUsage)
        .where(
            TextUsage.organisation_id == organisation_id,
            TextUsage.month == month_of(now),
            TextUsage.warned_at.is_(None),
        )
        .values(warned_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
