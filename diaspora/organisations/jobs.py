"""The warning an organisation's owners get when its texts have used 80 % of the month's text
budget (`notifications.budgets`): once a month, by email and in their inbox.

The month's usage row is marked as warned in the same transaction as the messages are queued,
by a conditional UPDATE only one scheduler can win, so owners are warned exactly once however
many schedulers run the job.
"""

from datetime import datetime

from diaspora.core.time import as_utc, utcnow
from diaspora.core.urls import service_path
from diaspora.core.words import N_
from diaspora.extensions import db
from diaspora.notifications import budgets
from diaspora.notifications.services import notify
from diaspora.organisations.models import Organisation
from diaspora.organisations.services import members

KIND = "text_budget"  # not a kind people choose: always emailed at once, and in the inbox


def warn_text_budgets(now: datetime | None = None) -> int:
    """Warn the owners of each organisation whose texts reached 80 % of this month's budget
    and were not warned yet this month. Commits; returns how many organisations were warned."""
    session = db.session
    now = as_utc(now) if now is not None else utcnow()
    warned = 0
    for organisation_id in budgets.due_warnings(session, now):
        organisation = session.get(Organisation, organisation_id)
        if organisation is None or not budgets.claim_warning(session, organisation_id, now):
            session.rollback()
            continue
        spent = budgets.usage(session, organisation_id, now)
        for membership in members(session, organisation):
            if not (membership.is_owner and membership.user.active):
                continue
            notify(
                session,
                membership.user,
                KIND,
                subject=N_(
                    "%(organisation)s has used most of its text messages for this month",
                    organisation=organisation.name,
                ),
                template="text_budget_warning",
                link=service_path("organisations.detail", organisation_id=organisation.id),
                dedupe_key=f"text-budget:{organisation.id}:{spent.month}",
                organisation=organisation,
                used=spent.used,
                budget=spent.budget,
                percent=spent.percent,
            )
        session.commit()
        warned += 1
    return warned
