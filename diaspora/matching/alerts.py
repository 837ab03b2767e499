"""Alerts of newly published opportunities that match a person strongly.

Staff opt in on their recommendations page (`AlertSetting`; no row: no alerts), at once or in a
weekly digest. When an opportunity is published, `on_published` scores it for the people who
opted in, as they would see it themselves (`engine.matching_people`), and keeps those at or
above `services.STRONG`:
- at once: an `opportunity_alert` message, key `alert:<opportunity id>`;
- weekly: a `PendingAlert` row, sent by `weekly_digests` from 09:00 on Monday in the person's time
  zone, one digest a week at most (key `alerts:<user id>:<ISO year>-W<week>`), listing the
  opportunities still open. Alerts that arrive after this week's digest wait for next week's.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from diaspora.auth.models import User
from diaspora.core.time import as_utc, zone_of
from diaspora.core.urls import service_path
from diaspora.core.words import N_
from diaspora.matching import engine
from diaspora.matching.models import AlertFrequency, AlertSetting, PendingAlert
from diaspora.matching.services import STRONG
from diaspora.notifications.services import DIGEST_HOUR, notify
from diaspora.opportunities.models import Opportunity, OpportunityStatus

KIND = "opportunity_alert"
DIGEST_WEEKDAY = 0  # Monday


def on_published(session: Session, opportunity: Opportunity) -> int:
    """Alert the opted-in people the opportunity matches strongly, in the publishing
    transaction. Returns how many people were alerted or queued for their digest."""
    opted_in = select(AlertSetting.user_id)
    people = engine.matching_people(session, opportunity, min_score=STRONG, user_ids=opted_in)
    ids = [person.user_id for person in people]
    if not ids:
        return 0
    rows = session.execute(
        select(User, AlertSetting.frequency)
        .join(AlertSetting, AlertSetting.user_id == User.id)
        .where(User.id.in_(ids), User.active.is_(True))
    )
    queued = set(
        session.scalars(
            select(PendingAlert.user_id).where(
                PendingAlert.opportunity_id == opportunity.id, PendingAlert.user_id.in_(ids)
            )
        )
    )
    link = service_path("opportunities.detail", opportunity_id=opportunity.id)
    count = 0
    for user, frequency in rows:
        if frequency == AlertFrequency.IMMEDIATE:
            notify(  # written in the recipient's language
                session,
                user,
                KIND,
                subject=N_("New opportunity for you: %(title)s", title=opportunity.title),
                template="matching_alert",
                link=link,
                dedupe_key=f"alert:{opportunity.id}",
                organisation_id=opportunity.organisation_id,
                opportunity=opportunity,
            )
        elif user.id not in queued:
            session.add(PendingAlert(user_id=user.id, opportunity_id=opportunity.id))
        count += 1
    return count


def digest_week(now: datetime, zone_name: str | None) -> str | None:
    """The ISO week ("2027-W05") whose digest is due for a person at `now`, or None before
    09:00 on Monday of this week in their time zone."""
    zone = zone_of(zone_name)
    local = as_utc(now).astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    if local < datetime.combine(day, DIGEST_HOUR, tzinfo=zone):
        return None
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_digests(session: Session, now: datetime) -> int:
    """Send each weekly subscriber whose digest is due the opportunities waiting for them.
    Returns how many digests were sent. Safe to run any number of times."""
    pending = session.scalars(
        select(PendingAlert)
        .join(AlertSetting, AlertSetting.user_id == PendingAlert.user_id)
        .options(
            joinedload(PendingAlert.user),
            joinedload(PendingAlert.opportunity).joinedload(Opportunity.organisation),
        )
        .where(
            PendingAlert.sent_at.is_(None),
            AlertSetting.frequency == AlertFrequency.WEEKLY,
        )
        .order_by(PendingAlert.user_id, PendingAlert.created_at, PendingAlert.id)
    )
    by_user: dict[int, list[PendingAlert]] = defaultdict(list)
    for alert in pending:
        by_user[alert.user_id].append(alert)
    sent = 0
    for alerts in by_user.values():
        user = alerts[0].user
        week = digest_week(now, user.time_zone)
        if week is None:
            continue
        still_open = [
            a.opportunity for a in alerts if a.opportunity.status == OpportunityStatus.OPEN
        ]
        added = []
        if still_open and user.active:
            added = notify(  # written in the recipient's language
                session,
                user,
                KIND,
                subject=N_("New opportunities that match you")
                if len(still_open) > 1
                else N_("New opportunity for you: %(title)s", title=still_open[0].title),
                template="matching_digest",
                link=service_path("matching.recommendations"),
                dedupe_key=f"alerts:{user.id}:{week}",
                opportunities=still_open,
            )
            if not added:
                continue  # this week's digest went out already: these wait for next week's
            sent += 1
        for alert in alerts:
            alert.sent_at = now
    return sent
