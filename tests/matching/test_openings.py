"""The open opportunities kept in memory stay fresh: each change made the way the app makes it
shows in the next recommendation, rolled-back changes are forgotten, places left are checked
in the database at once, and the result is the ranking `scoring.score` gives every open
opportunity with a place."""

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from diaspora.bookings import services as bookings
from diaspora.changelog.models import Change
from diaspora.credentials.models import Credential
from diaspora.engagements import services as engagements
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.matching import engine, openings, scoring
from diaspora.opportunities import services
from diaspora.opportunities.models import Opportunity, SessionStatus, TeachingSession
from diaspora.postings import services as postings
from diaspora.registry.models import AvailabilityWindow
from tests.matching.test_engine import TODAY


@pytest.fixture
def owner(make):
    return make.user(roles=["partner"])


@pytest.fixture
def person(make):
    """Tied to Bangladesh, speaks Bengali, holds neonatal resuscitation; works remotely or on
    site."""
    return make.profile(
        modality="both",
        ties=(("BD", "born"),),
        languages=(("ben", 3),),
        skills=(("neonatal_resuscitation", 3),),
    ).user


def recommended(db, user, **options) -> list[int]:
    options.setdefault("today", TODAY)
    return [r.opportunity_id for r in engine.recommendations(db.session, user, **options)]


def best(db, user) -> int:
    """What comes first when only the best one is checked for places and ranked."""
    (first,) = recommended(db, user, limit=1)
    return first


def edit(db, opportunity, actor, **changes) -> None:
    """Edit the opportunity as its form does, and commit."""
    data = services.OpportunityInput.from_opportunity(opportunity)
    for name, value in changes.items():
        setattr(data, name, value)
    postings.update(db.session, opportunity, actor, data)
    db.session.commit()


def same(match: scoring.Match | None):
    """A match as compared here: the totals exactly, its reasons and gaps in any order (the
    wanted rows are read in id order by the copy and in the database's order by `need_of`)."""
    if match is None:
        return None
    return (
        match.score,
        match.parts,
        sorted(map(repr, match.reasons)),
        sorted(map(repr, match.gaps)),
    )


def exact_match(db, user, opportunity) -> scoring.Match:
    """`scoring.score` on the person's whole profile and the opportunity, read from the
    database (the person's own view, as recommendations are)."""
    _, candidate = engine.candidate_of(db.session, user, TODAY)
    need = engine.need_of(db.session, opportunity, today=TODAY)
    return scoring.score(candidate, need, TODAY, for_candidate=True)


def in_memory_score(db, user, opportunity) -> float | None:
    """The copy's own score for the opportunity, after it has caught up (None: not relevant)."""
    _, candidate = engine.candidate_of(db.session, user, TODAY)
    ranked = openings.Openings.of_app().rank(db.session, candidate, TODAY)
    return next((score for oid, _need, score in ranked if oid == opportunity.id), None)


def assert_agrees(db, user, opportunity) -> None:
    assert in_memory_score(db, user, opportunity) == pytest.approx(
        exact_match(db, user, opportunity).score, abs=1e-9
    )
    for result in engine.recommendations(db.session, user, today=TODAY):
        found = db.session.get(Opportunity, result.opportunity_id)
        assert same(result.match) == same(exact_match(db, user, found))


def logged(db) -> int:
    """Entries of the log that matching reads (engagements are logged for the impact figures)."""
    return db.session.scalar(
        select(func.count()).select_from(Change).where(Change.engagement_id.is_(None))
    )


# --- Which opportunities are open ----------------------------------------------------------------


def test_a_newly_published_opportunity_appears(db, make, person, owner):
    kept = make.opportunity()
    assert recommended(db, person) == [kept.id]
    draft = make.opportunity(status="draft")
    assert recommended(db, person) == [kept.id]
    postings.publish(db.session, draft, owner)
    db.session.commit()
    assert recommended(db, person) == [kept.id, draft.id]
    assert_agrees(db, person, draft)


@pytest.mark.parametrize("how", ["closed", "cancelled", "completed"])
def test_a_closed_opportunity_disappears(db, make, person, owner, how):
    kept = make.opportunity()
    gone = make.opportunity()
    assert recommended(db, person) == [kept.id, gone.id]
    if how == "closed":
        services.close(db.session, gone, owner)
    elif how == "cancelled":
        postings.cancel(db.session, gone, owner, reason="The funding fell through.")
    else:
        services.complete(db.session, gone, owner)
    db.session.commit()
    assert recommended(db, person) == [kept.id]


def test_a_new_draft_never_appears(db, make, person):
    kept = make.opportunity()
    assert recommended(db, person) == [kept.id]
    make.opportunity(status="draft")
    assert recommended(db, person) == [kept.id]


def test_an_opportunity_whose_end_date_has_passed_disappears(db, make, person, owner):
    ends = make.opportunity(starts_on=TODAY, ends_on=TODAY + timedelta(days=5))
    endless = make.opportunity(kind="teaching")
    both = {ends.id, endless.id}
    assert set(recommended(db, person)) == both
    assert set(recommended(db, person, today=TODAY + timedelta(days=5))) == both
    assert recommended(db, person, today=TODAY + timedelta(days=6)) == [endless.id]
    edit(db, ends, owner, ends_on=TODAY + timedelta(days=30))  # extended
    assert set(recommended(db, person, today=TODAY + timedelta(days=6))) == both


def test_an_opportunity_moved_to_a_country_the_person_has_no_tie_to_disappears(
    db, make, person, owner
):
    kept = make.opportunity()
    moved = make.opportunity(skills=(("surgery", 2),))  # only the tie to Bangladesh counts
    assert recommended(db, person) == [kept.id, moved.id]
    edit(db, moved, owner, country="NG")
    assert recommended(db, person) == [kept.id]
    edit(db, moved, owner, skills=[("neonatal_resuscitation", 1)])  # a skill they hold
    assert recommended(db, person) == [kept.id, moved.id]
    assert_agrees(db, person, moved)


def test_a_profession_no_longer_wanted_takes_it_out(db, make, person, owner):
    kept = make.opportunity()
    changed = make.opportunity()
    assert recommended(db, person) == [kept.id, changed.id]
    edit(db, changed, owner, professions=["midwife"])
    assert recommended(db, person) == [kept.id]
    edit(db, changed, owner, professions=["midwife", "doctor"])
    assert recommended(db, person) == [kept.id, changed.id]


def test_an_opportunity_made_on_site_leaves_a_remote_only_person(db, make, owner):
    remote_only = make.profile(modality="remote").user
    changed = make.opportunity(modality="remote")
    assert recommended(db, remote_only) == [changed.id]
    edit(db, changed, owner, modality="on_site")
    assert recommended(db, remote_only) == []
    edit(db, changed, owner, modality="remote")
    assert recommended(db, remote_only) == [changed.id]


# --- How the score moves -----------------------------------------------------------------------
# The rival keeps its place; the changed opportunity comes first only if the copy's score for it
# has caught up (limit=1 checks and ranks the best one alone).


def test_a_wanted_skill_added_changed_and_removed_moves_the_opportunity(db, make, person, owner):
    rival = make.opportunity(skills=(("neonatal_resuscitation", 4),))  # partly held
    changed = make.opportunity(skills=(("surgery", 2),))
    assert best(db, person) == rival.id
    edit(db, changed, owner, skills=[("surgery", 2), ("neonatal_resuscitation", 2)])
    assert_agrees(db, person, changed)
    edit(db, changed, owner, skills=[("neonatal_resuscitation", 2)])
    assert best(db, person) == changed.id
    assert_agrees(db, person, changed)
    edit(db, changed, owner, skills=[("neonatal_resuscitation", 4)])  # as the rival
    assert best(db, person) == rival.id  # equal: the older one first
    assert exact_match(db, person, changed) == exact_match(db, person, rival)
    edit(db, changed, owner, skills=[])
    assert_agrees(db, person, changed)


def test_a_wanted_language_added_changed_and_removed_moves_the_opportunity(db, make, person, owner):
    rival = make.opportunity(skills=(), languages=(("ben", 4),))
    changed = make.opportunity(skills=(), languages=(("yor", 2),))
    assert best(db, person) == rival.id
    edit(db, changed, owner, languages=[("ben", 2)])
    assert best(db, person) == changed.id
    assert_agrees(db, person, changed)
    edit(db, changed, owner, languages=[("ben", 4)])
    assert best(db, person) == rival.id
    assert exact_match(db, person, changed) == exact_match(db, person, rival)
    edit(db, changed, owner, languages=[("yor", 2), ("ben", 1)])
    assert_agrees(db, person, changed)
    edit(db, changed, owner, languages=[])
    assert_agrees(db, person, changed)


def test_wanted_professions_move_the_opportunity(db, make, person, owner):
    """Listing the person's profession scores higher than listing none."""
    rival = make.opportunity(professions=(), skills=(), country="BD")
    changed = make.opportunity(professions=("midwife",), skills=(), country="BD")
    assert recommended(db, person) == [rival.id]
    edit(db, changed, owner, professions=["midwife", "doctor"])
    assert best(db, person) == changed.id
    assert_agrees(db, person, changed)
    assert exact_match(db, person, changed).score > exact_match(db, person, rival).score


def test_hours_dates_and_modality_move_the_opportunity(db, make, owner):
    person = make.profile(modality="both", hours_per_month=4).user
    rival = make.opportunity(hours_per_month=8)
    changed = make.opportunity(hours_per_month=16)
    assert best(db, person) == rival.id
    edit(db, changed, owner, hours_per_month=4)
    assert best(db, person) == changed.id
    assert_agrees(db, person, changed)
    edit(db, changed, owner, modality="on_site", starts_on=TODAY + timedelta(days=20))
    assert best(db, person) == rival.id
    assert_agrees(db, person, changed)


# --- Places left -------------------------------------------------------------------------------


def test_an_opportunity_with_every_place_taken_is_left_out_until_one_frees(db, make, person, owner):
    kept = make.opportunity()
    full = make.opportunity(places=1)
    assert recommended(db, person) == [kept.id, full.id]
    applicant = make.profile().user
    before = logged(db)
    engagement = engagements.apply(db.session, applicant, full, "I would like to help.")
    db.session.commit()
    assert recommended(db, person) == [kept.id, full.id]  # an application takes no place
    engagements.decide(db.session, engagement, owner, accept=True, message="")
    db.session.commit()
    assert recommended(db, person) == [kept.id]
    engagements.change(db.session, engagement, owner, "active")
    db.session.commit()
    assert recommended(db, person) == [kept.id]
    engagements.cancel(db.session, engagement, owner, reason="The work was rearranged.")
    db.session.commit()
    assert recommended(db, person) == [kept.id, full.id]
    assert logged(db) == before  # places are not in the log


def test_more_places_bring_a_full_opportunity_back(db, make, person, owner):
    full = make.opportunity(places=1)
    make.engagement(full, make.profile().user, state="accepted")
    assert recommended(db, person) == []
    edit(db, full, owner, places=2)
    assert recommended(db, person) == [full.id]


def book(db, user, teaching_session) -> None:
    bookings.begin_change(db.session)
    bookings.book(db.session, user.id, teaching_session.id)
    db.session.commit()


def test_a_teaching_series_booked_to_capacity_is_left_out_until_a_place_frees(db, make, person):
    kept = make.opportunity()
    teaching = make.opportunity(kind="teaching", sessions=2, capacity=1)
    first, second = teaching.sessions
    both = {kept.id, teaching.id}
    assert set(recommended(db, person)) == both
    learner, other = make.profile().user, make.profile().user
    before = logged(db)
    book(db, learner, first)
    assert set(recommended(db, person)) == both  # the second session has room
    book(db, other, second)
    assert recommended(db, person) == [kept.id]
    bookings.begin_change(db.session)
    bookings.cancel(db.session, other.id, second.id)
    db.session.commit()
    assert set(recommended(db, person)) == both
    assert logged(db) == before


def test_a_teaching_series_whose_free_sessions_are_cancelled_or_past_is_left_out(
    db, make, person, owner
):
    teaching = make.opportunity(kind="teaching", sessions=2, capacity=1)
    first, second = teaching.sessions
    assert recommended(db, person) == [teaching.id]
    book(db, make.profile().user, first)
    postings.cancel_session(db.session, second, owner)
    db.session.commit()
    assert db.session.get(TeachingSession, second.id).status == SessionStatus.CANCELLED
    assert recommended(db, person) == []

    later = make.opportunity(kind="teaching", sessions=1)
    assert recommended(db, person) == [later.id]
    after_it = later.sessions[0].starts_at.date() + timedelta(days=1)
    assert recommended(db, person, today=after_it) == []


def has_place(db, opportunity) -> bool:
    """Worked out here from the rows, not with the engine's SQL."""
    if opportunity.kind == "teaching":
        day_start = datetime.combine(TODAY, time.min, tzinfo=UTC)
        return any(
            s.status == SessionStatus.SCHEDULED
            and s.starts_at.replace(tzinfo=s.starts_at.tzinfo or UTC) >= day_start
            and s.booked < s.capacity
            for s in opportunity.sessions
        )
    if opportunity.places is None:
        return True
    taken = db.session.scalar(
        select(func.count())
        .select_from(Engagement)
        .where(
            Engagement.opportunity_id == opportunity.id,
            Engagement.state.in_([EngagementState.ACCEPTED, EngagementState.ACTIVE]),
        )
    )
    return taken < opportunity.places


def relevant(candidate: scoring.Candidate, opportunity) -> bool:
    """The rule as the docstring of `recommendations` and ADR 0010 state it."""
    professions = {p.profession for p in opportunity.professions}
    skills = {s.code for s in opportunity.skills}
    languages = {lang.language for lang in opportunity.languages}
    if professions and candidate.profession not in professions:
        return False
    if candidate.modality == scoring.REMOTE and opportunity.modality != scoring.REMOTE:
        return False
    return bool(
        not (professions or skills or languages)
        or opportunity.country in candidate.ties
        or languages & set(candidate.languages)
        or skills & set(candidate.skills)
    )


def brute_force(db, user, *, limit=20, exclude=(), kinds=(), countries=(), modality=None):
    """Every open opportunity with a place the person is relevant to, within the filters,
    scored by `scoring.score`: (id, match as `same` gives it) of the best `limit`, ties by id."""
    db.session.expire_all()
    _, candidate = engine.candidate_of(db.session, user, TODAY)
    scored = []
    for opportunity in db.session.scalars(select(Opportunity).order_by(Opportunity.id)):
        if not (
            opportunity.status == "open"
            and opportunity.published_at is not None
            and (opportunity.ends_on is None or opportunity.ends_on >= TODAY)
            and has_place(db, opportunity)
            and relevant(candidate, opportunity)
            and opportunity.id not in exclude
            and (not kinds or opportunity.kind in kinds)
            and (not countries or opportunity.country in countries)
            and (modality is None or opportunity.modality == modality)
        ):
            continue
        need = engine.need_of(db.session, opportunity, today=TODAY)
        match = scoring.score(candidate, need, TODAY, for_candidate=True)
        assert match is not None
        scored.append((opportunity.id, same(match)))
    scored.sort(key=lambda pair: (-pair[1][0], pair[0]))
    return scored[:limit]


def results(db, user, **options):
    found = engine.recommendations(db.session, user, today=TODAY, **options)
    return [(r.opportunity_id, same(r.match)) for r in found]


def test_when_the_best_are_full_the_next_best_with_places_are_returned(db, make, person):
    organisation = make.organisation(owner=make.user(roles=["partner"]))
    assert recommended(db, person) == []
    rng = random.Random(5)
    every = [
        make.opportunity(
            organisation,
            country=rng.choice(["BD", "BD", "NG"]),
            skills=(("neonatal_resuscitation", rng.randint(1, 4)),),
            languages=rng.choice([(), (("ben", rng.randint(1, 4)),)]),
            hours_per_month=rng.choice([4, 8, 16, 30]),
            places=1,
        )
        for _ in range(80)
    ]
    ranked_before = [oid for oid, _match in brute_force(db, person, limit=80)]
    assert len(ranked_before) == 80
    taker = make.profile().user
    full = set(ranked_before[:45])  # more than one batch of the best
    for opportunity in every:
        if opportunity.id in full:
            make.engagement(opportunity, taker, state="accepted")
    expected = brute_force(db, person)
    assert [oid for oid, _match in expected] == ranked_before[45:65]
    assert results(db, person) == expected
    assert results(db, person, limit=5) == brute_force(db, person, limit=5)
    assert results(db, person, limit=1) == brute_force(db, person, limit=1)


# --- Filters, against the rule stated plainly ---------------------------------------------------

COUNTRIES = ["BD", "NG", "GH", "KE"]
SKILLS = ["surgery", "mentoring", "neonatal_resuscitation"]
LANGUAGES = ["ben", "yor", "eng"]


def some(rng: random.Random, codes: list[str], top: int = 4) -> tuple[tuple[str, int], ...]:
    return tuple((code, rng.randint(1, top)) for code in codes if rng.random() < 0.35)


def random_opportunity(make, rng: random.Random, organisation):
    kind = rng.choice(["project", "project", "placement", "teaching"])
    fields = {}
    if kind != "teaching":
        start = TODAY + timedelta(days=rng.randint(-30, 30))
        fields = {
            "starts_on": start,
            "ends_on": start + timedelta(days=rng.choice([20, 60, 200])),
            "hours_per_month": rng.choice([4, 10, 20]),
            "places": rng.choice([None, 1, 3]),
        }
    opportunity = make.opportunity(
        organisation,
        kind=kind,
        status=rng.choice(["open"] * 6 + ["closed", "draft"]),
        country=rng.choice(COUNTRIES),
        modality=rng.choice(["remote", "remote", "on_site", "hybrid"]),
        professions=tuple(p for p in ("doctor", "midwife") if rng.random() < 0.4),
        skills=some(rng, SKILLS),
        languages=some(rng, LANGUAGES),
        **fields,
    )
    if opportunity.places == 1 and rng.random() < 0.5:
        make.engagement(opportunity, state="accepted")
    return opportunity


def random_person(db, make, rng: random.Random):
    """Travel windows, unavailability and registrations too: the dates and credential parts."""
    profile = make.profile(
        profession=rng.choice(["doctor", "midwife", "adult_nurse"]),
        modality=rng.choice([None, "remote", "both", "on_site"]),
        hours_per_month=rng.choice([None, 4, 12]),
        unavailable_until=rng.choice([None, TODAY + timedelta(days=rng.randint(-5, 60))]),
        ties=tuple({(rng.choice(COUNTRIES), rng.choice(scoring.TIE_KINDS))}),
        languages=some(rng, LANGUAGES),
        skills=some(rng, SKILLS),
    )
    for _ in range(rng.choice([0, 1, 2])):
        start = TODAY + timedelta(days=rng.randint(-20, 100))
        profile.windows.append(AvailabilityWindow(starts_on=start, ends_on=start + timedelta(9)))
    if rng.random() < 0.5:
        db.session.add(
            Credential(profile=profile, regulator="GMC", number="1234567", status="verified")
        )
    db.session.commit()
    return profile.user


def test_filters_and_relevance_match_the_rule_on_a_random_set(app, db, make, person):
    rng = random.Random(23)
    organisation = make.organisation(owner=make.user(roles=["partner"]))
    recommended(db, person)  # loaded empty: everything below comes through the change log
    every = [random_opportunity(make, rng, organisation) for _ in range(30)]
    people = [person, *(random_person(db, make, rng) for _ in range(8))]
    remote_only = make.profile(
        modality="remote", ties=(("NG", "born"),), languages=(("yor", 2),), skills=()
    ).user
    people.append(remote_only)
    ids = [opportunity.id for opportunity in every]
    filters = [
        {},
        {"kinds": ["project", "placement"]},
        {"kinds": ["teaching"]},
        {"countries": ["BD", "GH"]},
        {"modality": "remote"},
        {"modality": "on_site"},
        {"exclude": rng.sample(ids, 8)},
        {"kinds": ["project"], "countries": ["NG", "KE"], "modality": "hybrid"},
        {"limit": 3},
    ]
    seen = 0
    for copy in ("caught up", "loaded afresh"):
        if copy == "loaded afresh":
            app.extensions["matching.Openings"] = openings.Openings()
        for user in people:
            for options in filters:
                expected = brute_force(db, user, **options)
                assert results(db, user, **options) == expected, (copy, user.id, options)
                seen += len(expected)
    assert seen > 100  # the filters were not all empty


# --- Rolled back -------------------------------------------------------------------------------


def test_a_change_in_a_savepoint_rolled_back_is_forgotten(db, make, person):
    rival = make.opportunity(skills=(("neonatal_resuscitation", 4),))
    changed = make.opportunity(skills=(("surgery", 2),))
    assert best(db, person) == rival.id
    with db.session.begin_nested() as savepoint:
        changed.skills[0].code = "neonatal_resuscitation"
        db.session.flush()
        assert best(db, person) == changed.id
        savepoint.rollback()
    assert best(db, person) == rival.id
    assert_agrees(db, person, changed)


def test_an_opportunity_published_in_a_savepoint_rolled_back_is_forgotten(db, make, person, owner):
    kept = make.opportunity()
    draft = make.opportunity(status="draft")
    assert recommended(db, person) == [kept.id]
    with db.session.begin_nested() as savepoint:
        postings.publish(db.session, draft, owner)
        db.session.flush()
        assert recommended(db, person) == [kept.id, draft.id]
        savepoint.rollback()
    assert recommended(db, person) == [kept.id]


def test_a_rolled_back_transaction_is_forgotten(db, make, person, owner):
    kept = make.opportunity()
    closed = make.opportunity()
    assert recommended(db, person) == [kept.id, closed.id]
    services.close(db.session, kept, owner)
    db.session.flush()
    assert recommended(db, person) == [closed.id]
    db.session.rollback()
    assert recommended(db, person) == [kept.id, closed.id]


def test_an_edit_rolled_back_after_it_was_read_is_forgotten(db, make, person, owner):
    moved = make.opportunity(skills=(("surgery", 2),))
    assert recommended(db, person) == [moved.id]
    data = services.OpportunityInput.from_opportunity(moved)
    data.country = "NG"
    postings.update(db.session, moved, owner, data)
    assert recommended(db, person) == []
    db.session.rollback()
    assert recommended(db, person) == [moved.id]


def test_a_change_committed_after_a_rollback_is_seen(db, make, person, owner):
    """The rolled-back change's number is given again to the next change."""
    first = make.opportunity(status="draft")
    second = make.opportunity(status="draft")
    assert recommended(db, person) == []
    postings.publish(db.session, first, owner)
    assert recommended(db, person) == [first.id]
    db.session.rollback()
    assert recommended(db, person) == []
    postings.publish(db.session, second, owner)
    db.session.commit()
    assert recommended(db, person) == [second.id]


# --- Two processes -----------------------------------------------------------------------------


def test_two_copies_both_see_a_change_made_after_they_loaded(db, make, person, owner):
    other_process = openings.Openings()
    _, candidate = engine.candidate_of(db.session, person, TODAY)

    def ranked_there() -> list[int]:
        return [oid for oid, _need, _score in other_process.rank(db.session, candidate, TODAY)]

    kept = make.opportunity()
    closing = make.opportunity()
    draft = make.opportunity(status="draft")
    assert recommended(db, person) == [kept.id, closing.id]
    assert ranked_there() == [kept.id, closing.id]
    services.close(db.session, closing, owner)
    postings.publish(db.session, draft, owner)
    edit(db, kept, owner, skills=[("surgery", 2)], country="NG")
    assert recommended(db, person) == [draft.id]
    assert ranked_there() == [draft.id]


# --- What is not logged ------------------------------------------------------------------------


def test_edits_matching_does_not_read_log_nothing(db, make, owner):
    opportunity = make.opportunity()
    before = logged(db)
    edit(db, opportunity, owner, title="A clearer title", description="What the work is.")
    edit(db, opportunity, owner, places=5, region="Sylhet")
    assert logged(db) == before
    edit(db, opportunity, owner, hours_per_month=12)
    assert logged(db) == before + 1
    edit(db, opportunity, owner, languages=[("ben", 2)])
    assert logged(db) == before + 2
