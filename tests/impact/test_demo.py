from datetime import date

from sqlalchemy import func, select

from demo import cohorts as cohorts_demo
from demo import impact as demo
from diaspora.contributions.models import Certificate, HoursLog
from diaspora.impact import services
from diaspora.opportunities.models import Opportunity


def _world(make):
    charity = make.organisation(kind="charity", name=cohorts_demo.CHARITY, country="GB")
    make.organisation(name="Dhaka Medical College Hospital", country="BD")
    make.organisation(name="Lagos University Teaching Hospital", country="NG")
    people = [make.profile(make.user(email=email)).user for email in cohorts_demo.MEMBERS]
    return make.cohort(charity, members=tuple(people))


def test_the_demo_year_shows_on_the_cohort_dashboard(db, make):
    cohort = _world(make)
    demo.load(db.session)
    db.session.commit()
    demo.load(db.session)  # a second run adds nothing
    db.session.commit()
    assert db.session.scalar(select(func.count(Opportunity.id))) == 3
    assert db.session.scalar(select(func.count(HoursLog.id))) == 8

    figures = services.figures(
        db.session,
        services.Scope("cohort", cohort_id=cohort.id),
        services.Period(date(2026, 1, 1), date(2026, 12, 31)),
    )
    # Approved by hand: 6 + 8 + 10 + 5 + 40 + 40 + 4 hours (staff01's May log waits for review).
    assert figures.approved_minutes == 113 * 60
    assert figures.learners == 12 + 15 + 20 + 8 + 30 + 25 + 10
    assert figures.engagements_completed == 5
    assert figures.placements_completed == 1
    assert figures.people_active == 4
    assert figures.countries_served == 2
    assert figures.safeguards_minutes == 113 * 60  # Bangladesh and Nigeria: both on the list


def test_finished_demo_work_has_its_certificates_one_in_bengali_script(db, make):
    _world(make)
    make.profile(make.user(email="staff06@demo.test", name="রুমানা ইসলাম"))
    demo.load(db.session)
    db.session.commit()

    names = db.session.scalars(select(Certificate.person_name)).all()
    # staff01's last month waits for review on the Sylhet course, so no certificate for that.
    assert len(names) == 5
    assert "রুমানা ইসলাম" in names
