"""Demo hours and certificates, on the engagements the demo world already holds.

For each engagement that can take hours and has none yet, one or two months of hours are
logged: approved on completed engagements (which then get their certificate), waiting for
review on the others. Idempotent: an engagement that has any log is left alone, and a second
run adds nothing. Written straight to the tables: no messages are sent for demo data.
"""

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from diaspora.contributions import codes, services
from diaspora.contributions.models import Certificate, HoursLog, HoursStatus
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement, EngagementState

NOTES = (
    "Taught two online sessions on neonatal resuscitation and answered questions afterwards.",
    "Reviewed the unit's sepsis protocol and ran a case discussion with the junior doctors.",
    "Prepared teaching material and mentored two nurses by video call.",
)


def load(session: Session) -> None:
    query = (
        select(Engagement)
        .where(
            Engagement.state.in_(
                (EngagementState.ACCEPTED, EngagementState.ACTIVE, EngagementState.COMPLETED)
            ),
            ~exists().where(HoursLog.engagement_id == Engagement.id),
        )
        .options(joinedload(Engagement.opportunity), joinedload(Engagement.user))
        .order_by(Engagement.id)
    )
    today = utcnow().date()
    for n, engagement in enumerate(session.scalars(query).unique()):
        if not services.can_log(engagement):
            continue
        months = services.loggable_months(engagement, today)
        if not months:
            continue
        completed = engagement.state == EngagementState.COMPLETED
        for i, month in enumerate(months[:2]):
            session.add(
                HoursLog(
                    engagement=engagement,
                    month=month,
                    minutes=(4 + (n + i) % 6) * 60 + (30 if i else 0),
                    learners_reached=(n * 7 + i * 5) % 40,
                    note=NOTES[(n + i) % len(NOTES)],
                    status=HoursStatus.APPROVED if completed else HoursStatus.PENDING,
                    decided_at=utcnow() if completed else None,
                )
            )
        session.flush()
        if completed:
            certificate(session, engagement)
    session.commit()


def certificate(session: Session, engagement: Engagement) -> None:
    totals = services.approved_totals(session, [engagement.id])[engagement.id]
    if totals.minutes <= 0 or services.standing_certificate(session, engagement.id):
        return
    opportunity = engagement.opportunity
    starts_on, ends_on = services.engagement_dates(engagement)
    session.add(
        Certificate(
            engagement=engagement,
            code=codes.new_code(),
            person_name=engagement.user.display_name[:120],
            organisation_name=opportunity.organisation.name[:200],
            country=opportunity.country,
            activity=services.activity_of(opportunity),
            minutes=totals.minutes,
            learners_reached=totals.learners,
            starts_on=starts_on,
            ends_on=ends_on,
        )
    )
