"""Demo engagements on the demo opportunities: the demo staff member has applied to one project
and is interested in a placement; other demo staff have applied to the Sylhet project (two
still waiting for an answer), one of them accepted and waiting for their line manager's
release. Idempotent: a person who already has an engagement with an opportunity is left alone.
Written straight to the table (as if the steps had happened), so loading the demo queues no
messages."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.engagements.models import Engagement, EngagementState, ReleaseStatus
from diaspora.opportunities.models import Opportunity

SYLHET = "Set up a neonatal resuscitation training programme in Sylhet"
ACCRA = "Improve diabetes care in community clinics around Accra"
LAGOS = "Return placement: emergency medicine at Lagos University Teaching Hospital"


@dataclass(frozen=True)
class Demo:
    email: str
    title: str
    state: str
    days_ago: int
    message: str = ""
    release: str = ReleaseStatus.NOT_NEEDED


DEMOS = [
    Demo(
        "staff@demo.test",
        ACCRA,
        EngagementState.APPLIED,
        3,
        "I ran the diabetes clinic at my practice for six years and would be glad to help "
        "write the protocols and review them with your nurses by video.",
    ),
    Demo("staff@demo.test", LAGOS, EngagementState.INTERESTED, 1),
    Demo(
        "staff01@demo.test",
        SYLHET,
        EngagementState.APPLIED,
        8,
        "I teach Newborn Life Support in my trust and speak Sylheti.",
    ),
    Demo(
        "staff02@demo.test",
        SYLHET,
        EngagementState.ACCEPTED,
        12,
        "Midwife, NLS instructor, happy to visit Sylhet for two weeks.",
        ReleaseStatus.NEEDED,
    ),
    Demo("staff03@demo.test", SYLHET, EngagementState.INTERESTED, 2),
    # A second application waiting on the Sylhet project: enough to decline several at once.
    Demo(
        "staff04@demo.test",
        SYLHET,
        EngagementState.APPLIED,
        5,
        "Children's nurse with simulation teaching experience; I can give two evenings a month.",
    ),
]


def load(session: Session) -> None:
    now = utcnow()
    for demo in DEMOS:
        user = session.scalar(select(User).where(User.email == demo.email))
        opportunity = session.scalar(select(Opportunity).where(Opportunity.title == demo.title))
        if user is None or opportunity is None:
            continue  # the demo accounts and opportunities load first
        exists = session.scalar(
            select(Engagement.id).where(
                Engagement.opportunity_id == opportunity.id,
                Engagement.user_id == user.id,
                Engagement.session_id.is_(None),
            )
        )
        if exists is not None:
            continue
        when = now - timedelta(days=demo.days_ago)
        applied = demo.state != EngagementState.INTERESTED
        session.add(
            Engagement(
                opportunity=opportunity,
                user=user,
                state=demo.state,
                message=demo.message,
                created_at=when,
                applied_at=when if applied else None,
                decided_at=now - timedelta(days=1) if demo.state == "accepted" else None,
                decision_message=(
                    "Thank you: we would love you to lead the first instructor course."
                    if demo.state == "accepted"
                    else ""
                ),
                release_status=demo.release,
            )
        )
    session.flush()
