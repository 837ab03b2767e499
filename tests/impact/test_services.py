"""Every figure against a hand count of the world in conftest.py."""

from datetime import UTC, date, datetime

from diaspora.impact import services
from diaspora.impact.services import Period, Scope
from tests.fixtures.impact import END, PERIOD, START, at


def _figures(db, scope):
    return services.figures(db.session, scope, PERIOD)


def test_platform_figures(db, world):
    f = _figures(db, Scope("platform"))
    # Approved logs in range: Alice 120 + 90, Bob 240, Erin 300, Dave 60, Frank 180. Alice's
    # December log is before the range; her pending and declined logs never count.
    assert f.approved_minutes == 990
    assert f.learners == 10 + 5 + 20 + 0 + 3 + 7
    # Nigeria (on the list): Alice 210, Erin 300, Dave 60; India (off it): Bob 240, Frank 180.
    assert f.safeguards_minutes == 570
    assert round(f.safeguards_share, 4) == round(570 / 990, 4)
    assert f.sessions == 1  # session 1 held; session 2 cancelled
    # Completed in range: Alice's project and booking, Erin's placement, Frank's project and
    # booking. Dave's project completed on 5 July, after the range.
    assert f.engagements_completed == 5
    assert f.placements_completed == 1
    assert f.people_active == 5  # Alice, Bob (active), Erin (erased), Dave (hours), Frank
    assert f.countries_served == 2
    # Every month of the range, in order: January and April had no approved hours.
    assert f.by_month == [
        (date(2026, 1, 1), 0, 0),
        (date(2026, 2, 1), 300, 17),
        (date(2026, 3, 1), 330, 25),
        (date(2026, 4, 1), 0, 0),
        (date(2026, 5, 1), 300, 0),
        (date(2026, 6, 1), 60, 3),
    ]
    assert f.by_country == [("NG", 570, 18), ("IN", 420, 27)]
    # Erin deleted her account: her 300 minutes still count, with no profession on record.
    assert f.by_profession == [
        ("doctor", 420, 2),
        ("", 300, 1),
        ("adult_nurse", 210, 1),
        ("paramedic", 60, 1),
    ]


def test_organisation_figures_count_its_cohorts_people(db, world):
    """Erin left every cohort when she deleted her account, so her work no longer counts
    for the charity (it still does for the platform and for the partner she worked for)."""
    f = _figures(db, Scope("organisation", organisation_id=world.charity.id))
    assert f.approved_minutes == 210 + 240 + 60
    assert f.learners == 10 + 5 + 20 + 3
    assert f.safeguards_minutes == 210 + 60
    assert f.sessions == 1  # Alice attended session 1
    assert f.engagements_completed == 2  # Alice's project and booking
    assert f.placements_completed == 0
    assert f.people_active == 3  # Alice, Bob, Dave; Frank is another charity's
    assert f.countries_served == 2
    assert f.by_profession == [("doctor", 240, 1), ("adult_nurse", 210, 1), ("paramedic", 60, 1)]
    assert f.by_country == [("NG", 270, 18), ("IN", 240, 20)]
    assert f.by_month == [
        (date(2026, 1, 1), 0, 0),
        (date(2026, 2, 1), 120, 10),
        (date(2026, 3, 1), 330, 25),
        (date(2026, 4, 1), 0, 0),
        (date(2026, 5, 1), 0, 0),
        (date(2026, 6, 1), 60, 3),
    ]


def test_cohort_figures(db, world):
    f = _figures(db, Scope("cohort", organisation_id=world.charity.id, cohort_id=world.nurses.id))
    assert f.approved_minutes == 450  # Alice 210, Bob ("only me") 240
    assert f.learners == 35
    assert f.safeguards_minutes == 210
    assert f.sessions == 1
    assert f.engagements_completed == 2
    assert f.placements_completed == 0
    assert f.people_active == 2
    assert f.countries_served == 2

    other = _figures(
        db, Scope("cohort", organisation_id=world.other_charity.id, cohort_id=world.other_cohort.id)
    )
    assert (other.approved_minutes, other.sessions, other.engagements_completed) == (180, 1, 2)


def test_a_range_without_work_counts_nothing(db, world):
    f = services.figures(
        db.session, Scope("platform"), services.Period(date(2024, 1, 1), date(2024, 12, 31))
    )
    assert (f.approved_minutes, f.sessions, f.people_active, f.countries_served) == (0, 0, 0, 0)
    assert f.safeguards_share is None
    assert f.by_country == f.by_profession == []
    assert [minutes for _, minutes, _ in f.by_month] == [0] * 12


def test_pipeline_counts_returns_by_country_month_and_profession(db, world):
    today = date.today()
    platform = services.pipeline(db.session, Scope("platform"), today)
    assert platform.total == 4  # Dave's plan that already ended does not count
    assert dict((c, total) for c, _, total in platform.by_country()) == {"NG": 3, "IN": 1}
    organisation = services.pipeline(
        db.session, Scope("organisation", organisation_id=world.charity.id), today
    )
    assert organisation.total == 3  # Frank belongs to another charity
    assert organisation.by_profession() == [("adult_nurse", 1), ("doctor", 1), ("paramedic", 1)]
    assert sum(organisation.per_month()) == 3


def test_partner_received_by_month(db, world):
    result = services.received(db.session, world.lagos, PERIOD)
    assert [m.month for m in result.months] == [1, 2, 3, 4, 5, 6]
    assert result.sessions == [0, 1, 0, 0, 0, 0]
    assert result.minutes == [0, 120, 90, 0, 300, 60]
    assert result.learners == [0, 10, 5, 0, 0, 3]
    assert result.placements == [0, 0, 0, 0, 1, 0]

    delhi = services.received(db.session, world.delhi, PERIOD)
    assert delhi.minutes == [0, 180, 240, 0, 0, 0]
    assert sum(delhi.sessions) == sum(delhi.placements) == 0


def test_partner_months_are_the_viewers(db, make, world):
    """A placement that ended at 20:00 UTC on 31 March ended on 1 April in Dhaka: each viewer
    sees it in their own month, and the session held on 10 February stays in February."""
    placement = make.opportunity(world.lagos, kind="placement", country="NG")
    late = make.profile(make.user(name="Late Finisher"), profession="doctor").user
    make.engagement(
        placement,
        late,
        state="completed",
        started_at=at(2026, 1, 5),
        ended_at=datetime(2026, 3, 31, 20, tzinfo=UTC),
    )
    london = services.received(db.session, world.lagos, PERIOD)
    dhaka = services.received(db.session, world.lagos, Period(START, END, "Asia/Dhaka"))
    assert london.placements == [0, 0, 1, 0, 1, 0]
    assert dhaka.placements == [0, 0, 0, 1, 1, 0]
    assert london.sessions == dhaka.sessions == [0, 1, 0, 0, 0, 0]


def test_default_period_is_the_last_12_months():
    period = services.default_period(date(2026, 11, 22), "Europe/London")
    assert (period.start, period.end) == (date(2025, 11, 23), date(2026, 11, 22))
    leap = services.default_period(date(2028, 2, 29), "Europe/London")
    assert leap.start == date(2027, 3, 1)


def test_dates_are_local_to_the_viewer(db, world, make):
    """An engagement completed at 23:30 UTC on 30 June ended on 1 July in London (BST): a London
    range ending 30 June leaves it out, a UTC one keeps it."""
    late = make.opportunity(world.delhi, country="IN")
    make.engagement(
        late, world.alice, state="completed", ended_at=at(2026, 6, 30, 23).replace(minute=30)
    )
    scope = Scope("cohort", organisation_id=world.charity.id, cohort_id=world.nurses.id)
    london = services.figures(db.session, scope, PERIOD)
    utc = services.figures(db.session, scope, services.Period(PERIOD.start, PERIOD.end, "UTC"))
    assert london.engagements_completed == 2
    assert utc.engagements_completed == 3
