"""The impact figures read from each process's copy of the work (impact/work.py): every change
made the way the app makes it counts in the next call, rolled-back changes never do, the
figures agree with a plain count of the rows on any world, range and scope, and a call costs
the same few statements whatever the number of hours logs.

The freshness tests start from the world of conftest.py (figures counted by hand in
test_services.py) and compare every figure before and after one change: only the figures
named may move, and by exactly what is written."""

import random
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from diaspora.auth.models import User
from diaspora.cohorts import services as cohorts
from diaspora.cohorts.models import Cohort, CohortMember
from diaspora.contributions import services as contributions
from diaspora.contributions.models import HoursLog, HoursStatus
from diaspora.core.time import as_utc, utcnow
from diaspora.engagements import services as engagements
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.impact import services
from diaspora.impact.services import Period, Scope
from diaspora.impact.work import Work
from diaspora.matching import jobs
from diaspora.mydata.services import erase_account
from diaspora.opportunities import services as opportunities
from diaspora.opportunities.models import Opportunity, OpportunityKind
from diaspora.postings import services as postings
from diaspora.reference.catalogue import who_safeguards_list
from diaspora.registry import services as profiles
from diaspora.registry.models import StaffProfile
from tests.factories import PASSWORD
from tests.fixtures.impact import PERIOD, START, at

PLATFORM = Scope("platform")
BY_PROFESSION = [("doctor", 420, 2), ("", 300, 1), ("adult_nurse", 210, 1), ("paramedic", 60, 1)]
BY_COUNTRY = [("NG", 570, 18), ("IN", 420, 27)]


@pytest.fixture(autouse=True)
def in_a_request(app):
    """The services build links to the pages they notify about."""
    with app.test_request_context():
        yield


def figures(db, scope: Scope = PLATFORM, period: Period = PERIOD) -> dict:
    """The figures, with only the months that had approved hours (every month of the range is
    in `by_month`, the others as zeros: test_services checks those)."""
    result = asdict(services.figures(db.session, scope, period))
    result["by_month"] = [row for row in result["by_month"] if row[1] or row[2]]
    return result


def changed(before: dict, after: dict) -> dict:
    """The figures that moved, as (before, after)."""
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def up_to_today() -> Period:
    """From the world's first day to today: engagements started or completed now count."""
    return Period(START, utcnow().date(), "Europe/London")


def pending_log(db, person) -> HoursLog:
    """Alice's one pending log: April 2026, 60 minutes, 4 learners, on Lagos's project (NG)."""
    return db.session.scalars(
        select(HoursLog)
        .join(Engagement, Engagement.id == HoursLog.engagement_id)
        .where(Engagement.user_id == person.id, HoursLog.status == HoursStatus.PENDING)
    ).one()


def approve(db, world) -> None:
    contributions.decide(db.session, pending_log(db, world.alice), world.lagos_member, approve=True)


def become_midwife(profile: StaffProfile) -> None:
    """The profile's work section saved with another profession, as its form does."""
    profiles.update_work(
        profile,
        profession="midwife",
        grade="afc_6",
        specialty=profile.specialty,
        nhs_employer=profile.nhs_employer,
        years_experience=6,
        bio=profile.bio,
    )


APPROVED = {  # what approving Alice's pending log changes for the platform
    "approved_minutes": (990, 1050),
    "learners": (45, 49),
    "safeguards_minutes": (570, 630),
    "by_country": (BY_COUNTRY, [("NG", 630, 22), ("IN", 420, 27)]),
    "by_profession": (
        BY_PROFESSION,
        [("doctor", 420, 2), ("", 300, 1), ("adult_nurse", 270, 1), ("paramedic", 60, 1)],
    ),
    "by_month": (
        [
            (date(2026, 2, 1), 300, 17),
            (date(2026, 3, 1), 330, 25),
            (date(2026, 5, 1), 300, 0),
            (date(2026, 6, 1), 60, 3),
        ],
        [
            (date(2026, 2, 1), 300, 17),
            (date(2026, 3, 1), 330, 25),
            (date(2026, 4, 1), 60, 4),
            (date(2026, 5, 1), 300, 0),
            (date(2026, 6, 1), 60, 3),
        ],
    ),
}


# --- Hours -----------------------------------------------------------------------------------


def test_hours_approved_count_at_once(db, world):
    """Approving is a conditional UPDATE that the session never flushes: the engagement is
    logged by hand, and its approved logs are reloaded."""
    before = figures(db)
    approve(db, world)
    db.session.commit()
    assert changed(before, figures(db)) == APPROVED


def test_hours_declined_change_nothing(db, world):
    before = figures(db)
    contributions.decide(
        db.session,
        pending_log(db, world.alice),
        world.lagos_member,
        approve=False,
        reason="This month was logged twice.",
    )
    db.session.commit()
    assert changed(before, figures(db)) == {}
    assert minutes_seen_by(Work(), db) == 990


# --- Engagements -----------------------------------------------------------------------------


def test_an_engagement_completed_counts_and_is_no_longer_active(db, make, world):
    """A placement active since February, with no hours: active in January to June; completed
    today, it counts as a completed placement up to today and no longer in January to June."""
    placement = make.opportunity(world.lagos, kind="placement", country="NG")
    gina = make.profile(make.user(name="Gina Green"), profession="midwife").user
    engagement = make.engagement(placement, gina, state="active", started_at=at(2026, 2, 1))
    half_year, so_far = figures(db), figures(db, period=up_to_today())
    assert (half_year["people_active"], so_far["people_active"]) == (6, 6)
    engagements.change(db.session, engagement, world.lagos_member, "completed")
    db.session.commit()
    assert changed(half_year, figures(db)) == {"people_active": (6, 5)}
    # Up to today Dave's project (completed 5 July) counts too.
    assert changed(so_far, figures(db, period=up_to_today())) == {
        "engagements_completed": (6, 7),
        "placements_completed": (1, 2),
    }


def test_an_engagement_made_active_counts_its_person_from_today(db, make, world):
    project = make.opportunity(world.delhi, country="IN")
    hana = make.profile(make.user(name="Hana Hossain"), profession="doctor").user
    engagement = make.engagement(project, hana, state="accepted")
    half_year, so_far = figures(db), figures(db, period=up_to_today())
    engagements.change(db.session, engagement, world.delhi_member, "active")
    db.session.commit()
    assert changed(so_far, figures(db, period=up_to_today())) == {"people_active": (5, 6)}
    assert changed(half_year, figures(db)) == {}  # started after 30 June


# --- Profiles, opportunities, accounts, cohorts ----------------------------------------------


def test_a_profession_changed_moves_its_hours(db, world):
    before = figures(db)
    become_midwife(world.bob.profile)
    db.session.commit()
    assert changed(before, figures(db)) == {
        "by_profession": (
            BY_PROFESSION,
            [
                ("", 300, 1),
                ("midwife", 240, 1),
                ("adult_nurse", 210, 1),
                ("doctor", 180, 1),
                ("paramedic", 60, 1),
            ],
        )
    }


def test_an_opportunity_moved_to_another_country_takes_its_hours(db, world):
    """Lagos's project (Alice 210 minutes and 15 learners, Dave 60 and 3) moves from Nigeria,
    on the safeguards list, to India, off it."""
    project = db.session.scalars(
        select(Opportunity).where(
            Opportunity.organisation_id == world.lagos.id,
            Opportunity.kind == OpportunityKind.PROJECT,
        )
    ).one()
    before = figures(db)
    data = opportunities.OpportunityInput.from_opportunity(project)
    data.country = "IN"
    postings.update(db.session, project, world.lagos_member, data)
    db.session.commit()
    assert changed(before, figures(db)) == {
        "safeguards_minutes": (570, 300),
        "by_country": (BY_COUNTRY, [("IN", 690, 45), ("NG", 300, 0)]),
    }


def test_an_erased_account_keeps_its_hours_without_a_profession(db, world):
    before = figures(db)
    erase_account(db.session, world.alice, PASSWORD)
    db.session.commit()
    assert changed(before, figures(db)) == {
        "by_profession": (
            BY_PROFESSION,
            [("", 510, 2), ("doctor", 420, 2), ("paramedic", 60, 1)],
        )
    }


def test_a_member_added_to_a_cohort_brings_their_work(db, world):
    """Frank: 180 minutes and 7 learners in February in India; his project and his booking on
    session 1 completed in February."""
    nurses = Scope("cohort", organisation_id=world.charity.id, cohort_id=world.nurses.id)
    charity = Scope("organisation", organisation_id=world.charity.id)
    before, charity_before = figures(db, nurses), figures(db, charity)
    cohorts.add_member(db.session, world.nurses, world.kemi, world.frank.profile.id)
    db.session.commit()
    assert changed(before, figures(db, nurses)) == {
        "approved_minutes": (450, 630),
        "learners": (35, 42),
        "engagements_completed": (2, 4),
        "people_active": (2, 3),
        "by_country": (
            [("IN", 240, 20), ("NG", 210, 15)],
            [("IN", 420, 27), ("NG", 210, 15)],
        ),
        "by_profession": (
            [("doctor", 240, 1), ("adult_nurse", 210, 1)],
            [("doctor", 420, 2), ("adult_nurse", 210, 1)],
        ),
        "by_month": (
            [(date(2026, 2, 1), 120, 10), (date(2026, 3, 1), 330, 25)],
            [(date(2026, 2, 1), 300, 17), (date(2026, 3, 1), 330, 25)],
        ),
    }
    after = figures(db, charity)
    assert (charity_before["approved_minutes"], after["approved_minutes"]) == (510, 690)
    assert (charity_before["people_active"], after["people_active"]) == (3, 4)


def test_a_member_removed_from_a_cohort_takes_their_work_away(db, world):
    nurses = Scope("cohort", organisation_id=world.charity.id, cohort_id=world.nurses.id)
    charity = Scope("organisation", organisation_id=world.charity.id)
    before, charity_before = figures(db, nurses), figures(db, charity)
    member = db.session.scalars(
        select(CohortMember).where(
            CohortMember.cohort_id == world.nurses.id, CohortMember.user_id == world.bob.id
        )
    ).one()
    cohorts.remove_member(db.session, member, world.kemi)
    db.session.commit()
    assert changed(before, figures(db, nurses)) == {
        "approved_minutes": (450, 210),
        "learners": (35, 15),
        "people_active": (2, 1),
        "countries_served": (2, 1),
        "by_country": ([("IN", 240, 20), ("NG", 210, 15)], [("NG", 210, 15)]),
        "by_profession": ([("doctor", 240, 1), ("adult_nurse", 210, 1)], [("adult_nurse", 210, 1)]),
        "by_month": (
            [(date(2026, 2, 1), 120, 10), (date(2026, 3, 1), 330, 25)],
            [(date(2026, 2, 1), 120, 10), (date(2026, 3, 1), 90, 5)],
        ),
    }
    after = figures(db, charity)
    assert (charity_before["approved_minutes"], after["approved_minutes"]) == (510, 270)
    assert (charity_before["people_active"], after["people_active"]) == (3, 2)


# --- Other processes, rollbacks, pruning -----------------------------------------------------


def _minutes(tally) -> int:
    return sum(minutes for _country, _month, minutes, _learners in tally.hours)


def minutes_seen_by(work: Work, db) -> int:
    """Approved minutes of January to June 2026, as this copy counts them."""
    return _minutes(
        work.tally(db.session, PERIOD.first_month, PERIOD.end, PERIOD.lower, PERIOD.upper)
    )


def test_another_process_sees_a_change_made_after_it_loaded(db, world):
    other_process = Work()
    assert minutes_seen_by(other_process, db) == 990
    before = figures(db)
    approve(db, world)
    db.session.commit()
    assert minutes_seen_by(other_process, db) == 1050
    assert changed(before, figures(db)) == APPROVED


def test_a_rolled_back_transaction_is_not_counted(db, world):
    other_process = Work()
    before = figures(db)
    assert minutes_seen_by(other_process, db) == 990
    approve(db, world)
    assert changed(before, figures(db)) == APPROVED  # the session's own change, not committed
    assert minutes_seen_by(other_process, db) == 1050  # read through the same transaction
    db.session.rollback()
    assert changed(before, figures(db)) == {}
    assert minutes_seen_by(other_process, db) == 990
    approve(db, world)  # approved again, and committed: counted
    db.session.commit()
    assert changed(before, figures(db)) == APPROVED
    assert minutes_seen_by(other_process, db) == 1050


def test_a_change_in_a_savepoint_rolled_back_is_not_counted(db, world):
    before = figures(db)
    with db.session.begin_nested() as savepoint:
        approve(db, world)
        assert changed(before, figures(db)) == APPROVED
        savepoint.rollback()
    assert changed(before, figures(db)) == {}
    db.session.commit()
    assert changed(before, figures(db)) == {}


def test_a_change_flushed_by_the_copys_own_read_and_rolled_back_is_not_counted(db, world):
    """The change is not flushed before the call: the copy's first statement flushes it, and
    the copy reads it uncommitted. After the rollback it must read it again."""
    project = db.session.scalars(
        select(Opportunity).where(
            Opportunity.organisation_id == world.lagos.id,
            Opportunity.kind == OpportunityKind.PROJECT,
        )
    ).one()
    before = figures(db)
    project.country = "IN"
    assert changed(before, figures(db))["safeguards_minutes"] == (570, 300)
    db.session.rollback()
    assert changed(before, figures(db)) == {}


def test_a_copy_left_behind_by_pruning_reloads_everything(db, world):
    before = figures(db)
    approve(db, world)  # logged, not yet read
    db.session.commit()
    assert jobs.prune_changes(now=utcnow() + jobs.CHANGES_KEPT + timedelta(minutes=1)) >= 1
    become_midwife(world.bob.profile)  # logged after the gap: alone, it would miss the hours
    db.session.commit()
    after = figures(db)
    assert after["approved_minutes"] == 1050
    assert after["by_month"] == APPROVED["by_month"][1]
    assert changed(before, after)["by_profession"][1] == [
        ("", 300, 1),
        ("adult_nurse", 270, 1),
        ("midwife", 240, 1),
        ("doctor", 180, 1),
        ("paramedic", 60, 1),
    ]


# --- Statements --------------------------------------------------------------------------------


def test_a_call_costs_the_same_statements_whatever_the_number_of_logs(db, make, queries):
    project = make.opportunity(country="NG")
    people = [make.profile().user for _ in range(3)]
    engaged = [make.engagement(project, person, state="active") for person in people]
    held = Work.of_app()
    period = Period(date(2025, 1, 1), date(2026, 12, 31))

    def cost(work: Work) -> int:
        with queries.count():
            work.tally(db.session, period.first_month, period.end, period.lower, period.upper)
        return len(queries)

    def add_logs(count: int) -> int:
        """Logs of every engagement, in every month and status; the statements of the call
        that catches up with them."""
        for n in range(count):
            db.session.add(
                HoursLog(
                    engagement=engaged[n % 3],
                    month=date(2025, 1 + n % 12, 1),
                    minutes=1 + n,
                    status=("approved", "pending", "declined")[n // 3 % 3],
                )
            )
        db.session.commit()
        return cost(held)

    cost(held)
    few = (add_logs(1), cost(held), cost(Work()))  # catching up, nothing new, loading all
    many = (add_logs(600), cost(held), cost(Work()))
    assert few == many
    assert few[1] == 1  # nothing new: the counter and the log above it, in one statement
    assert few[0] == 3  # the log, then the engagements named there and their approved logs
    assert few[2] == 5  # the counter, opportunities, profiles, engagements, approved logs
    assert _minutes(
        held.tally(db.session, period.first_month, period.end, period.lower, period.upper)
    ) == 1 + sum(1 + n for n in range(600) if n // 3 % 3 == 0)
    with queries.count():
        services.figures(db.session, PLATFORM, period)
    assert len(queries) == 2  # the copy's one, and sessions delivered


# --- Any world ---------------------------------------------------------------------------------

ZONES = ("Europe/London", "Asia/Dhaka", "UTC")
MONTHS = [date(2024 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(30)]  # Jul 2024 on
# Days a range may start or end on: clock changes in London, month ends, a leap day.
DAYS = [
    date(2025, 3, 30),
    date(2025, 3, 29),
    date(2025, 10, 26),
    date(2025, 10, 25),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2024, 12, 31),
    date(2025, 1, 1),
    date(2025, 6, 30),
    date(2025, 7, 1),
    date(2026, 2, 28),
    date(2026, 3, 1),
    date(2024, 2, 29),
]
PROFESSIONS = (None, "doctor", "midwife", "adult_nurse", "paramedic", "pharmacist")


def _instant(rng: random.Random, bounds: list[datetime]) -> datetime | None:
    """None, an instant at or just around a range's first instant or the first after it, or any
    instant."""
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.6:
        offset = rng.choice((0, 0, -1, 1, -3_600_000_000, 3_600_000_000))
        return rng.choice(bounds) + timedelta(microseconds=offset)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(int(timedelta(days=950).total_seconds())))


def build_world(db, make, rng: random.Random, tag: int, periods: list[Period]) -> dict:
    partners = [make.organisation(country="GB") for _ in range(3)]
    charities = [make.organisation(kind="charity", country="GB") for _ in range(2)]
    countries = ("NG", "IN", "GH", "BD", "PK")
    opportunity_list = [
        make.opportunity(
            rng.choice(partners),
            kind=rng.choice(("project", "placement", "project")),
            country=rng.choice(countries),
        )
        for _ in range(7)
    ]
    people = [
        User(email=f"world{tag}-{i}@example.org", display_name=f"Person {i}", password_hash="x")
        for i in range(rng.randint(8, 20))
    ]
    db.session.add_all(people)
    for person in people:
        if rng.random() < 0.75:
            db.session.add(StaffProfile(user=person, profession=rng.choice(PROFESSIONS)))
    cohort_list = [Cohort(organisation=rng.choice(charities), name=f"Cohort {i}") for i in range(4)]
    for cohort in cohort_list:
        for person in rng.sample(people, rng.randint(0, len(people) // 2)):
            cohort.members.append(CohortMember(user=person))
    db.session.add_all(cohort_list)
    states = list(EngagementState)
    bounds = [instant for period in periods for instant in (period.lower, period.upper)]
    for person in people:
        for opportunity in rng.sample(opportunity_list, rng.randint(0, 4)):
            engagement = Engagement(
                opportunity=opportunity,
                user=person,
                state=rng.choice(states + [EngagementState.ACTIVE, EngagementState.COMPLETED] * 2),
                started_at=_instant(rng, bounds),
                ended_at=_instant(rng, bounds),
            )
            db.session.add(engagement)
            for month in rng.sample(MONTHS, rng.randint(0, 6)):
                db.session.add(
                    HoursLog(
                        engagement=engagement,
                        month=month,
                        minutes=rng.randint(1, 900),
                        learners_reached=rng.choice((0, 0, rng.randint(1, 50))),
                        status=rng.choice(("approved", "approved", "pending", "declined")),
                    )
                )
    db.session.commit()
    return {"partners": partners, "charities": charities, "cohorts": cohort_list}


@dataclass
class Rows:
    """Every row the figures count, read once."""

    opportunities: dict
    professions: dict
    cohorts: dict
    members: list
    engagements: list
    logs: list


def read_rows(db) -> Rows:
    session = db.session
    session.expire_all()
    return Rows(
        opportunities={o.id: o for o in session.scalars(select(Opportunity))},
        professions={p.user_id: p.profession or "" for p in session.scalars(select(StaffProfile))},
        cohorts={c.id: c.organisation_id for c in session.scalars(select(Cohort))},
        members=session.scalars(select(CohortMember)).all(),
        engagements=session.scalars(select(Engagement)).all(),
        logs=session.scalars(select(HoursLog)).all(),
    )


def oracle(rows: Rows, scope: Scope, period: Period) -> dict:
    """The figures (but sessions, of which these worlds hold none) counted from the rows, one by
    one, following the definitions in impact/services.py."""
    opportunity, members = rows.opportunities, rows.members
    if scope.kind == "cohort":
        people = {m.user_id for m in members if m.cohort_id == scope.cohort_id}
    elif scope.kind == "organisation":
        people = {m.user_id for m in members if rows.cohorts[m.cohort_id] == scope.organisation_id}
    else:
        people = None

    def in_scope(engagement: Engagement) -> bool:
        if people is not None:
            return engagement.user_id in people
        if scope.kind == "partner":
            return opportunity[engagement.opportunity_id].organisation_id == scope.organisation_id
        return True

    engagement_of = {e.id: e for e in rows.engagements if in_scope(e)}
    lower, upper = period.lower, period.upper
    safeguards = who_safeguards_list()
    result = dict.fromkeys(
        (
            "approved_minutes",
            "safeguards_minutes",
            "learners",
            "sessions",
            "engagements_completed",
            "placements_completed",
        ),
        0,
    )
    countries, months, givers = {}, {}, {}
    for log in rows.logs:
        engagement = engagement_of.get(log.engagement_id)
        if (
            engagement is None
            or log.status != HoursStatus.APPROVED
            or not period.first_month <= log.month <= period.end
        ):
            continue
        country = opportunity[engagement.opportunity_id].country
        learners = log.learners_reached or 0
        result["approved_minutes"] += log.minutes
        result["learners"] += learners
        if country in safeguards:
            result["safeguards_minutes"] += log.minutes
        for table, key in ((countries, country), (months, log.month)):
            sums = table.setdefault(key, [0, 0])
            sums[0] += log.minutes
            sums[1] += learners
        givers[engagement.user_id] = givers.get(engagement.user_id, 0) + log.minutes
    active = set(givers)
    served = set(countries)
    for engagement in engagement_of.values():
        ended = engagement.ended_at and as_utc(engagement.ended_at)
        started = engagement.started_at and as_utc(engagement.started_at)
        if engagement.state == EngagementState.COMPLETED and ended and lower <= ended < upper:
            place = opportunity[engagement.opportunity_id]
            result["engagements_completed"] += 1
            result["placements_completed"] += place.kind == OpportunityKind.PLACEMENT
            served.add(place.country)
            active.add(engagement.user_id)
        if engagement.state == EngagementState.ACTIVE and (started is None or started < upper):
            active.add(engagement.user_id)
    by_profession = {}
    for user_id, minutes in givers.items():
        sums = by_profession.setdefault(rows.professions.get(user_id, ""), [0, 0])
        sums[0] += minutes
        sums[1] += 1
    result |= {
        "people_active": len(active),
        "countries_served": len(served),
        "by_country": sorted(
            ((c, *sums) for c, sums in countries.items()), key=lambda row: (-row[1], row[0])
        ),
        "by_profession": sorted(
            ((p, *sums) for p, sums in by_profession.items()), key=lambda row: (-row[1], row[0])
        ),
        "by_month": [(month, *months[month]) for month in sorted(months)],
    }
    return result


def random_period(rng: random.Random) -> Period:
    days = DAYS + [MONTHS[0] + timedelta(days=rng.randrange(900)) for _ in range(4)]
    start, end = sorted((rng.choice(days), rng.choice(days)))
    return Period(start, end, rng.choice(ZONES))


@pytest.mark.parametrize("seed", range(20))
def test_figures_agree_with_a_count_of_the_rows(db, make, seed):
    rng = random.Random(seed)
    services.figures(db.session, PLATFORM, PERIOD)  # loaded empty: the world comes through the log
    periods = [
        Period(date(2025, 3, 30), date(2025, 10, 26), "Europe/London"),  # clock changes at ends
        Period(date(2025, 3, 30), date(2025, 10, 25), "Asia/Dhaka"),
        Period(date(2024, 7, 1), date(2026, 12, 31), "UTC"),  # everything
        *(random_period(rng) for _ in range(3)),
    ]
    world = build_world(db, make, rng, seed, periods)
    scopes = [
        PLATFORM,
        *(Scope("organisation", organisation_id=o.id) for o in world["charities"]),
        *(
            Scope("cohort", organisation_id=c.organisation_id, cohort_id=c.id)
            for c in world["cohorts"]
        ),
        *(Scope("partner", organisation_id=o.id) for o in world["partners"]),
    ]
    rows = read_rows(db)
    for period in periods:
        for scope in scopes:
            assert figures(db, scope, period) == oracle(rows, scope, period), (scope, period)
    period = periods[-1]
    args = (db.session, period.first_month, period.end, period.lower, period.upper)
    caught_up, fresh = Work.of_app().tally(*args), Work().tally(*args)
    assert sorted(caught_up.hours) == sorted(fresh.hours)
    assert sorted(caught_up.professions) == sorted(fresh.professions)
    assert sorted(caught_up.completed) == sorted(fresh.completed)
    assert caught_up.people_active == fresh.people_active
