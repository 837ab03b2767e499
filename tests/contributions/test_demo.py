from sqlalchemy import func, select

from demo import contributions as demo
from diaspora.contributions.models import Certificate, HoursLog


def _counts(db) -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(HoursLog)),
        db.session.scalar(select(func.count()).select_from(Certificate)),
    )


def test_demo_hours_are_loaded_once(db, make, world, complete):
    finished = make.engagement(world.opportunity, make.user(), state="active")
    complete(finished)
    make.engagement(world.opportunity, make.user(), state="applied")

    demo.load(db.session)
    logs, certificates = _counts(db)
    assert logs == 4 and certificates == 1  # two months each for the two that can take hours
    statuses = db.session.scalars(
        select(HoursLog.status).where(HoursLog.engagement_id == finished.id)
    ).all()
    assert set(statuses) == {"approved"}

    demo.load(db.session)
    assert _counts(db) == (logs, certificates)
