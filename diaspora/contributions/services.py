"""Hours and learners logged against engagements, their review, and certificates of contribution.

Functions never commit; the caller does. What a person types is parsed and held to the rules
below by `forms.HoursForm`; the rules that need the database (the engagement's state, the
monthly limit across engagements) raise `ContributionError`, whose `errors` map a field name to
a message safe to show.

The rules:
- A person logs time against their own engagement when it is accepted, active or completed;
  against a tele-teaching booking only once it is completed (they attended).
- The month is the month the time was given: not in the future, not before the month before
  the work began (one month of slack for preparation, e.g. writing teaching material), and not
  after the month the engagement ended.
- Hours are more than 0, with at most two decimals, stored as whole minutes. Everything one
  person logs for one calendar month, pending and approved, across all their engagements, is at
  most 200 hours: more is not plausible.
- Learners reached: 0 to 100,000.
- The organisation that posted the opportunity approves or declines each log; a decline needs a
  reason. Only approved time counts anywhere: other areas use `approved_minutes()` and
  `approved_totals()` (one aggregate query for any number of engagements).
- A certificate is issued to the person for a completed engagement with approved time. Issuing
  again after more time is approved replaces it with a new certificate under a new code; the
  old code's page says it was replaced. A revoked certificate is never replaced.

For other areas:
- `approved_minutes(session, engagement_ids) -> dict[int, int]`
- `approved_totals(session, engagement_ids) -> dict[int, Totals]` (minutes, learners, logs)
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from diaspora.audit.services import record
from diaspora.auth.models import Role, User
from diaspora.changelog import changes
from diaspora.contributions import codes
from diaspora.contributions.models import Certificate, HoursLog, HoursStatus
from diaspora.core.errors import DomainError
from diaspora.core.time import as_utc, iso_utc, utcnow
from diaspora.core.urls import service_path
from diaspora.core.words import N_, Month
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.notifications.services import notify
from diaspora.opportunities.access import manages
from diaspora.opportunities.models import KIND_LABELS, Opportunity
from diaspora.organisations.access import active_members

KIND = "hours_update"
SLACK_MONTHS = 1
MONTHLY_LIMIT_HOURS = 200
MONTHLY_LIMIT_MINUTES = MONTHLY_LIMIT_HOURS * 60
MAX_LEARNERS = 100_000
MAX_NOTE = 2000
MAX_REASON = 2000

LOGGABLE = frozenset({EngagementState.ACCEPTED, EngagementState.ACTIVE, EngagementState.COMPLETED})


class ContributionError(DomainError):
    """Input or an action the rules refuse; `errors` maps field names to messages."""


class Undecidable(Exception):
    """One of several selected logs can no longer be decided; `log` is the one, `str()` why."""

    def __init__(self, log: HoursLog, message: str) -> None:
        super().__init__(message)
        self.log = log


class CertificateUnavailable(Exception):
    """No certificate can be issued for this engagement; `str()` says why, fit to show."""


@dataclass(frozen=True)
class HoursInput:
    """A log as `HoursForm` parsed it."""

    month: date  # its first day
    minutes: int
    learners: int = 0
    note: str = ""


@dataclass(frozen=True)
class Totals:
    minutes: int = 0
    learners: int = 0
    logs: int = 0


# Months ---------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str | None) -> date | None:
    """'2026-03' → 1 March 2026; None for anything else."""
    try:
        year, month = (int(part) for part in (text or "").strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def _local_day(instant, zone: str | None) -> date:
    return as_utc(instant).astimezone(ZoneInfo(zone or "UTC")).date()


def work_began(engagement: Engagement) -> date:
    """The day the work began: the session's date for tele-teaching, else the opportunity's
    start (or, without one, the day the engagement was created)."""
    if engagement.session is not None:
        return _local_day(engagement.session.starts_at, engagement.opportunity.host_time_zone)
    opportunity = engagement.opportunity
    if opportunity.starts_on is not None:
        return opportunity.starts_on
    return as_utc(engagement.created_at).date()


def month_range(engagement: Engagement, today: date) -> tuple[date, date] | None:
    """The first and last month time can be logged for, or None when there is none."""
    first = add_months(month_start(work_began(engagement)), -SLACK_MONTHS)
    last = month_start(today)
    if engagement.ended_at is not None:
        last = min(last, month_start(as_utc(engagement.ended_at).date()))
    return (first, last) if first <= last else None


def loggable_months(engagement: Engagement, today: date) -> list[date]:
    """The months a log may name, most recent first."""
    bounds = month_range(engagement, today)
    if bounds is None:
        return []
    first, month = bounds
    months = []
    while month >= first:
        months.append(month)
        month = add_months(month, -1)
    return months


# Logging --------------------------------------------------------------------------------------


def logging_problem(engagement: Engagement) -> str | None:
    """Why time cannot be logged against this engagement now, or None when it can."""
    if engagement.session_id is not None:
        if engagement.state == EngagementState.COMPLETED:
            return None
        return N_("You can log time for a tele-teaching session once it has taken place.")
    if engagement.state in LOGGABLE:
        return None
    return N_("You can log time once the organisation has accepted you for this opportunity.")


def can_log(engagement: Engagement) -> bool:
    return logging_problem(engagement) is None


def parse_hours(text: str | None) -> int | None:
    """Hours as typed ('2', '2.5', '2,5', '0.25') in whole minutes; None if it is not such a
    number."""
    cleaned = (text or "").strip()
    if "," in cleaned and "." not in cleaned:  # a decimal comma: 2,5
        cleaned = cleaned.replace(",", ".")
    try:
        hours = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not hours.is_finite() or hours.as_tuple().exponent < -2:
        return None
    return int((hours * 60).to_integral_value())


def minutes_in_month(
    session: Session, user_id: int, month: date, *, excluding: int | None = None
) -> int:
    """Pending and approved minutes one person has logged for a month, on all engagements."""
    query = (
        select(func.coalesce(func.sum(HoursLog.minutes), 0))
        .join(Engagement, Engagement.id == HoursLog.engagement_id)
        .where(
            Engagement.user_id == user_id,
            HoursLog.month == month,
            HoursLog.status.in_((HoursStatus.PENDING, HoursStatus.APPROVED)),
        )
    )
    if excluding is not None:
        query = query.where(HoursLog.id != excluding)
    return int(session.scalar(query) or 0)


def hours_text(minutes: int) -> str:
    """150 → '2.5 hours', 60 → '1 hour', 20 → '0.33 hours'."""
    hours = Decimal(minutes) / 60
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return N_("%(hours)s hour", hours=text) if text == "1" else N_("%(hours)s hours", hours=text)


def monthly_limit_problem(session: Session, user_id: int, month: date, minutes: int) -> str | None:
    """Why `minutes` more for `month` would pass the person's monthly limit, or None."""
    already = minutes_in_month(session, user_id, month)
    if already + minutes <= MONTHLY_LIMIT_MINUTES:
        return None
    room = MONTHLY_LIMIT_MINUTES - already
    if room > 0:
        return N_(
            "You have already logged %(already)s for %(month)s. No more than %(limit)s hours "
            "can be logged for one month, so you can log up to %(room)s more",
            already=hours_text(already),
            month=Month.of(month),
            limit=MONTHLY_LIMIT_HOURS,
            room=hours_text(room),
        )
    return N_(
        "You have already logged %(already)s for %(month)s. No more than %(limit)s hours "
        "can be logged for one month, so you cannot log more for that month",
        already=hours_text(already),
        month=Month.of(month),
        limit=MONTHLY_LIMIT_HOURS,
    )


def _lock_person(session: Session, user_id: int) -> None:
    """On PostgreSQL, serialise one person's logging so two requests cannot both pass the
    monthly limit (SQLite has one writer at a time; the FOR UPDATE is left out there)."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update())


def log_hours(session: Session, engagement: Engagement, data: HoursInput, today: date) -> HoursLog:
    """Save a log, pending review, and tell the organisation's active members. `data` is
    what `HoursForm` parsed; the engagement's state and the person's monthly limit are
    checked here."""
    problem = logging_problem(engagement)
    if problem:
        raise ContributionError(problem, field="month")
    _lock_person(session, engagement.user_id)
    problem = monthly_limit_problem(session, engagement.user_id, data.month, data.minutes)
    if problem:
        raise ContributionError(problem, field="hours")
    month, minutes, learners = data.month, data.minutes, data.learners
    log = HoursLog(
        engagement=engagement,
        month=month,
        minutes=minutes,
        learners_reached=learners,
        note=data.note.strip(),
        status=HoursStatus.PENDING,
    )
    session.add(log)
    session.flush()
    record(
        session,
        "hours.logged",
        actor=engagement.user,
        subject=log,
        engagement_id=engagement.id,
        minutes=minutes,
    )
    opportunity = engagement.opportunity
    link = service_path("contributions.review", opportunity_id=opportunity.id)
    for member in active_members(session, opportunity.organisation_id):
        if member.id == engagement.user_id:
            continue
        notify(
            session,
            member,
            KIND,
            subject=N_("Hours to review: %(title)s", title=opportunity.title),
            template="contributions_logged",
            link=link,
            dedupe_key=f"hours:{log.id}:logged",
            about=engagement.user,
            organisation_id=opportunity.organisation_id,
            person=engagement.user.display_name,
            opportunity=opportunity,
            month=Month.of(month),
            hours=hours_text(minutes),
            learners=learners,
        )
    return log


def logs_for(session: Session, engagement: Engagement) -> list[HoursLog]:
    query = (
        select(HoursLog)
        .where(HoursLog.engagement_id == engagement.id)
        .order_by(HoursLog.month.desc(), HoursLog.id.desc())
    )
    return list(session.scalars(query))


def owned_engagement(session: Session, user: User, engagement_id: int) -> Engagement | None:
    """The engagement, if it is `user`'s own; None otherwise (the view answers 404)."""
    query = (
        select(Engagement)
        .where(Engagement.id == engagement_id, Engagement.user_id == user.id)
        .options(joinedload(Engagement.opportunity), joinedload(Engagement.session))
    )
    return session.scalar(query)


# Review ---------------------------------------------------------------------------------------


def _logs_of(opportunity: Opportunity):
    return (
        select(HoursLog)
        .join(Engagement, Engagement.id == HoursLog.engagement_id)
        .where(Engagement.opportunity_id == opportunity.id)
        .options(
            joinedload(HoursLog.engagement).joinedload(Engagement.user),
            joinedload(HoursLog.engagement).joinedload(Engagement.session),
            joinedload(HoursLog.decided_by),
        )
    )


def pending_logs(session: Session, opportunity: Opportunity) -> list[HoursLog]:
    """Logs waiting for a decision, oldest first."""
    query = _logs_of(opportunity).where(HoursLog.status == HoursStatus.PENDING)
    return list(session.scalars(query.order_by(HoursLog.created_at, HoursLog.id)))


def decided_logs(session: Session, opportunity: Opportunity, limit: int = 100) -> list[HoursLog]:
    """The most recent decisions, newest first."""
    query = _logs_of(opportunity).where(HoursLog.status != HoursStatus.PENDING)
    query = query.order_by(HoursLog.decided_at.desc(), HoursLog.id.desc()).limit(limit)
    return list(session.scalars(query))


def log_to_review(session: Session, opportunity: Opportunity, log_id: int) -> HoursLog | None:
    """A log of one of this opportunity's engagements, or None."""
    query = (
        select(HoursLog)
        .join(Engagement, Engagement.id == HoursLog.engagement_id)
        .where(HoursLog.id == log_id, Engagement.opportunity_id == opportunity.id)
    )
    return session.scalar(query)


def decide(
    session: Session, log: HoursLog, reviewer: User, *, approve: bool, reason: str = ""
) -> HoursLog:
    """Approve or decline a pending log and tell the person. A decline needs a reason.

    The change is a conditional update, so of two reviewers deciding at once only one wins; the
    other gets a ContributionError.
    """
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ContributionError({"reason": N_("Enter the reason for declining these hours")})
    if len(reason) > MAX_REASON:
        raise ContributionError(
            {"reason": N_("Reason must be %(max)s characters or fewer", max=MAX_REASON)}
        )
    status = HoursStatus.APPROVED if approve else HoursStatus.DECLINED
    now = utcnow()
    changed = session.execute(
        update(HoursLog)
        .where(HoursLog.id == log.id, HoursLog.status == HoursStatus.PENDING)
        .values(
            status=status,
            decided_by_id=reviewer.id,
            decided_at=now,
            decline_reason="" if approve else reason,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ContributionError({"decision": N_("These hours have already been reviewed")})
    if approve:  # the impact figures count approved hours (a Core UPDATE is not flushed)
        changes.note(session, {"engagement_id": {log.engagement_id}})
    session.expire(log)
    record(
        session,
        f"hours.{status}",
        actor=reviewer,
        subject=log,
        engagement_id=log.engagement_id,
        minutes=log.minutes,
    )
    engagement = log.engagement
    opportunity = engagement.opportunity
    notify(
        session,
        engagement.user,
        KIND,
        subject=(
            N_("Your hours for %(title)s were approved", title=opportunity.title)
            if approve
            else N_("Your hours for %(title)s were not approved", title=opportunity.title)
        ),
        template="contributions_decided",
        link=service_path("contributions.log", engagement_id=engagement.id),
        dedupe_key=f"hours:{log.id}:{status}",
        organisation_id=opportunity.organisation_id,
        approved=approve,
        reason=reason,
        opportunity=opportunity,
        organisation=opportunity.organisation.name,
        month=Month.of(log.month),
        hours=hours_text(log.minutes),
    )
    return log


def approve_selected(
    session: Session, opportunity: Opportunity, log_ids: Iterable[int], reviewer: User
) -> list[HoursLog]:
    """Approve several pending logs of one opportunity, each through `decide`, so the rules,
    the audit and the messages are those of one at a time. All or nothing: raises LookupError
    when an id is not a log of this opportunity, and Undecidable naming the first log that can
    no longer be decided; the caller then rolls back whatever was approved before it."""
    ids = list(dict.fromkeys(log_ids))
    if not ids:
        raise ContributionError({"selected": N_("Select the hours you want to approve")})
    found = {
        log.id: log for log in session.scalars(_logs_of(opportunity).where(HoursLog.id.in_(ids)))
    }
    if len(found) != len(ids):
        raise LookupError("a selected log is not one of this opportunity's")
    approved = []
    for log_id in ids:
        log = found[log_id]
        if log.status != HoursStatus.PENDING:
            raise Undecidable(log, N_("These hours have already been reviewed"))
        try:
            approved.append(decide(session, log, reviewer, approve=True))
        except ContributionError as error:
            raise Undecidable(log, next(iter(error.errors.values()), error.message)) from error
    return approved


# What counts ----------------------------------------------------------------------------------


def approved_totals(session: Session, engagement_ids: Iterable[int]) -> dict[int, Totals]:
    """Approved minutes, learners and number of logs per engagement, in one query. Every id
    asked about is in the answer (zeros when nothing is approved)."""
    ids = sorted(set(engagement_ids))
    if not ids:
        return {}
    query = (
        select(
            HoursLog.engagement_id,
            func.sum(HoursLog.minutes),
            func.sum(HoursLog.learners_reached),
            func.count(HoursLog.id),
        )
        .where(HoursLog.engagement_id.in_(ids), HoursLog.status == HoursStatus.APPROVED)
        .group_by(HoursLog.engagement_id)
    )
    totals = dict.fromkeys(ids, Totals())
    for engagement_id, minutes, learners, count in session.execute(query):
        totals[engagement_id] = Totals(int(minutes or 0), int(learners or 0), int(count))
    return totals


def approved_minutes(session: Session, engagement_ids: Iterable[int]) -> dict[int, int]:
    """Approved minutes per engagement, in one query; 0 for an engagement with none."""
    return {key: value.minutes for key, value in approved_totals(session, engagement_ids).items()}


# Certificates ---------------------------------------------------------------------------------


def standing_certificate(session: Session, engagement_id: int) -> Certificate | None:
    """The engagement's certificate that has not been replaced (it may be revoked)."""
    query = select(Certificate).where(
        Certificate.engagement_id == engagement_id, Certificate.superseded_at.is_(None)
    )
    return session.scalar(query)


def certificate_problem(engagement: Engagement, totals: Totals) -> str | None:
    """Why no certificate can be issued for this engagement, or None when one can."""
    if engagement.state != EngagementState.COMPLETED:
        return N_("A certificate is available once the engagement is completed.")
    if totals.minutes <= 0:
        return N_(
            "A certificate is available once the organisation has approved some of your hours."
        )
    return None


def engagement_dates(engagement: Engagement) -> tuple[date | None, date | None]:
    """The dates a certificate names: the session's date for tele-teaching; otherwise from
    when the engagement started to when it ended, or the opportunity's dates where unknown."""
    if engagement.session is not None:
        day = work_began(engagement)
        return day, day
    opportunity = engagement.opportunity
    start = as_utc(engagement.started_at).date() if engagement.started_at else None
    end = as_utc(engagement.ended_at).date() if engagement.ended_at else None
    return start or opportunity.starts_on, end or engagement.ends_on or opportunity.ends_on


def activity_of(opportunity: Opportunity) -> str:
    return f"{KIND_LABELS.get(opportunity.kind, 'Opportunity')}: {opportunity.title}"[:200]


def issue_certificate(session: Session, engagement: Engagement) -> Certificate:
    """The engagement's certificate: the standing one if its hours are still right, else a new
    one (replacing the old). Raises CertificateUnavailable when none can be issued."""
    totals = approved_totals(session, [engagement.id])[engagement.id]
    problem = certificate_problem(engagement, totals)
    if problem:
        raise CertificateUnavailable(problem)
    current = standing_certificate(session, engagement.id)
    if current is not None and current.revoked_at is not None:
        raise CertificateUnavailable(N_("Your certificate for this engagement has been revoked."))
    if (
        current is not None
        and current.minutes == totals.minutes
        and current.learners_reached == totals.learners
    ):
        return current
    now = utcnow()
    if current is not None:
        current.superseded_at = now
        session.flush()  # before the new row: one standing certificate per engagement
    opportunity = engagement.opportunity
    starts_on, ends_on = engagement_dates(engagement)
    certificate = Certificate(
        engagement=engagement,
        code=codes.new_code(),
        person_name=engagement.user.display_name[:120],
        organisation_name=opportunity.organisation.name[:200],
        country=opportunity.country,
        activity=activity_of(opportunity),
        minutes=totals.minutes,
        learners_reached=totals.learners,
        starts_on=starts_on,
        ends_on=ends_on,
        issued_at=now,
    )
    session.add(certificate)
    session.flush()
    record(
        session,
        "certificate.issued",
        actor=engagement.user,
        subject=certificate,
        engagement_id=engagement.id,
        replaces=current.id if current is not None else None,
    )
    return certificate


def certificate_by_code(session: Session, typed: str | None) -> Certificate | None:
    code = codes.normalise(typed)
    if code is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def certificates_for(session: Session, opportunity: Opportunity) -> list[Certificate]:
    """The standing certificates of an opportunity's engagements, newest first."""
    query = (
        select(Certificate)
        .join(Engagement, Engagement.id == Certificate.engagement_id)
        .where(
            Engagement.opportunity_id == opportunity.id,
            Certificate.superseded_at.is_(None),
            Certificate.withdrawn_at.is_(None),
        )
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return list(session.scalars(query))


def can_revoke(session: Session, user: User, certificate: Certificate) -> bool:
    """Administrators, and the managers of the opportunity, revoke certificates."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(Role.ADMIN):
        return True
    return manages(session, user, certificate.engagement.opportunity)


def revoke(session: Session, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """Revoke a standing certificate with a reason (audited; the person is told)."""
    reason = (reason or "").strip()
    if certificate.superseded_at is not None:
        raise ContributionError({"reason": N_("This certificate has been replaced by a newer one")})
    if certificate.revoked_at is not None:
        raise ContributionError({"reason": N_("This certificate has already been revoked")})
    if certificate.withdrawn_at is not None:
        raise ContributionError(
            {"reason": N_("This certificate was withdrawn at its holder's request")}
        )
    if not reason:
        raise ContributionError({"reason": N_("Enter the reason for revoking this certificate")})
    if len(reason) > MAX_REASON:
        raise ContributionError(
            {"reason": N_("Reason must be %(max)s characters or fewer", max=MAX_REASON)}
        )
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoked_reason = reason
    record(
        session,
        "certificate.revoked",
        actor=actor,
        subject=certificate,
        engagement_id=certificate.engagement_id,
        reason=reason,
    )
    engagement = certificate.engagement
    notify(
        session,
        engagement.user,
        KIND,
        subject=N_(
            "Your certificate for %(title)s has been revoked", title=engagement.opportunity.title
        ),
        template="contributions_revoked",
        link=service_path("contributions.log", engagement_id=engagement.id),
        dedupe_key=f"certificate:{certificate.id}:revoked",
        organisation_id=engagement.opportunity.organisation_id,
        opportunity=engagement.opportunity,
        organisation=certificate.organisation_name,
        reason=reason,
    )
    return certificate


# A person's data ------------------------------------------------------------------------------


def export_for(session: Session, user: User) -> dict[str, list[dict]]:
    """Everything this area holds about `user`, for their copy of their data."""
    logs = session.scalars(
        select(HoursLog)
        .join(Engagement, Engagement.id == HoursLog.engagement_id)
        .where(Engagement.user_id == user.id)
        .order_by(HoursLog.month, HoursLog.id)
    )
    certificates = session.scalars(
        select(Certificate)
        .join(Engagement, Engagement.id == Certificate.engagement_id)
        .where(Engagement.user_id == user.id)
        .order_by(Certificate.issued_at, Certificate.id)
    )
    return {
        "hours_logged": [
            {
                "engagement_id": log.engagement_id,
                "month": log.month.isoformat(),
                "minutes": log.minutes,
                "learners_reached": log.learners_reached,
                "note": log.note,
                "status": log.status,
                "decline_reason": log.decline_reason,
                "logged_at": as_utc(log.created_at).isoformat(),
            }
            for log in logs
        ],
        "certificates": [
            {
                "code": c.code,
                "name": c.person_name,
                "organisation": c.organisation_name,
                "country": c.country,
                "activity": c.activity,
                "minutes": c.minutes,
                "learners_reached": c.learners_reached,
                "starts_on": c.starts_on.isoformat() if c.starts_on else None,
                "ends_on": c.ends_on.isoformat() if c.ends_on else None,
                "issued_at": as_utc(c.issued_at).isoformat(),
                "replaced_at": iso_utc(c.superseded_at),
                "revoked_at": iso_utc(c.revoked_at),
            }
            for c in certificates
        ],
    }


def forget(session: Session, user: User) -> int:
    """For an account's erasure: withdraw the person's certificates, without their name (their
    codes then say the certificate was withdrawn at its holder's request, rather than read as a
    forgery), and clear the notes of their hours logs. The minutes stay, as the organisation's
    record of approved work, tied only to the anonymised account. Returns how many certificates
    were withdrawn."""
    engagement_ids = select(Engagement.id).where(Engagement.user_id == user.id)
    certificates = list(
        session.scalars(select(Certificate).where(Certificate.engagement_id.in_(engagement_ids)))
    )
    now = utcnow()
    for certificate in certificates:
        certificate.person_name = ""
        certificate.withdrawn_at = certificate.withdrawn_at or now
    session.execute(
        update(HoursLog)
        .where(HoursLog.engagement_id.in_(engagement_ids))
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    return len(certificates)
