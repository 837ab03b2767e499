"""The matching engine on the database: the SQL prefilter, the hard filters, the ranking, and
statement counts that do not grow with the registry."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.matching import engine, scoring
from diaspora.registry.models import AvailabilityWindow

AUDIENCE = frozenset({"coordinators", "verified_organisations"})
TODAY = utcnow().date()


def incomplete(db, make, **fields):
    """A profile its owner has not finished."""
    profile = make.profile(**fields)
    profile.completed_at = None
    db.session.commit()
    return profile


def ranked_users(results) -> list[int]:
    return [result.user_id for result in results]


def whole_profile_match(db, user, opportunity, *, audience=AUDIENCE, for_candidate=False):
    """What scoring.score gives for the person's whole profile: the engine must agree."""
    _, candidate = engine.candidate_of(db.session, user, TODAY)
    need = engine.need_of(db.session, opportunity, audience=audience, today=TODAY)
    return scoring.score(candidate, need, TODAY, for_candidate=for_candidate)


@pytest.fixture
def opportunity(make):
    return make.opportunity(
        country="BD",
        modality="remote",
        professions=("doctor",),
        skills=(("neonatal_resuscitation", 3),),
        languages=(("ben", 2),),
    )


def test_candidates_are_ranked_best_first_with_the_whole_profile_match(db, make, opportunity):
    strong = make.profile(
        ties=(("BD", "born"),), languages=(("ben", 4),), skills=(("neonatal_resuscitation", 4),)
    ).user
    weak = make.profile(
        ties=(("NG", "born"),), languages=(("ben", 1),), skills=(("simulation", 2),)
    ).user
    middle = make.profile(
        ties=(("BD", "heritage"),), languages=(("eng", 4),), skills=(("neonatal_resuscitation", 2),)
    ).user
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert ranked_users(results) == [strong.id, middle.id, weak.id]
    for result in results:
        user = db.session.get(User, result.user_id)
        assert result.match == whole_profile_match(db, user, opportunity)
        assert result.profile_id == user.profile.id
    texts = results[0].match.reason_texts(engine.labels())
    assert "Born in Bangladesh" in " ".join(texts)
    assert any("Bengali" in text for text in texts)


def test_equal_scores_are_ordered_by_profile_id(db, make, opportunity):
    people = [make.profile().user for _ in range(3)]
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert ranked_users(results) == [person.id for person in people]
    assert len({result.match.score for result in results}) == 1


def test_the_limit_keeps_the_best(db, make, opportunity):
    make.profile(ties=(("NG", "born"),))
    best = make.profile(languages=(("ben", 4),), skills=(("neonatal_resuscitation", 4),)).user
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, limit=1, today=TODAY)
    assert ranked_users(results) == [best.id]


@pytest.mark.parametrize(
    "fields",
    [
        {"visibility": "private"},
        {"consent": False},
    ],
    ids=["private", "no consent"],
)
def test_hard_filters_leave_people_out(db, make, opportunity, fields):
    kept = make.profile().user
    make.profile(**fields)
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert ranked_users(results) == [kept.id]


def test_disabled_accounts_and_incomplete_profiles_are_left_out(db, make, opportunity):
    kept = make.profile().user
    make.profile(make.user(active=False))
    incomplete(db, make)
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert ranked_users(results) == [kept.id]


def test_only_the_viewers_audience_is_listed(db, make, opportunity):
    wide = make.profile(visibility="verified_organisations").user
    make.profile(visibility="coordinators")
    audience = frozenset({"verified_organisations"})
    results = engine.candidates(db.session, opportunity, audience=audience, today=TODAY)
    assert ranked_users(results) == [wide.id]
    assert engine.candidates(db.session, opportunity, audience=frozenset(), today=TODAY) == []
    private_only = frozenset({"private"})
    assert engine.candidates(db.session, opportunity, audience=private_only, today=TODAY) == []


@pytest.mark.parametrize("modality", ["on_site", "hybrid"])
def test_remote_only_people_are_not_suggested_for_work_on_site(db, make, modality):
    opportunity = make.opportunity(modality=modality)
    both = make.profile(modality="both").user
    unsaid = make.profile().user
    make.profile(modality="remote")
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert sorted(ranked_users(results)) == sorted([both.id, unsaid.id])


def test_closed_cancelled_draft_and_past_opportunities_suggest_no_one(db, make):
    make.profile()
    for status in ("closed", "cancelled", "draft", "completed"):
        opportunity = make.opportunity(status=status)
        assert engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY) == []
    past = make.opportunity(starts_on=TODAY - timedelta(days=30), ends_on=TODAY - timedelta(days=1))
    assert engine.candidates(db.session, past, audience=AUDIENCE, today=TODAY) == []


def test_a_full_opportunity_suggests_no_one(db, make):
    opportunity = make.opportunity(places=1)
    make.profile()
    assert engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    make.engagement(opportunity, make.profile().user, state="accepted")
    assert engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY) == []


def test_teaching_is_full_when_every_coming_session_is_booked(db, make):
    opportunity = make.opportunity(kind="teaching", sessions=2, capacity=1)
    make.profile()
    assert engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    opportunity.sessions[0].booked = 1
    db.session.commit()
    assert engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    opportunity.sessions[1].booked = 1
    db.session.commit()
    assert engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY) == []


def test_people_already_taking_part_are_left_out(db, make, opportunity):
    kept = make.profile().user
    applied = make.profile().user
    make.engagement(opportunity, applied, state="applied")
    withdrawn = make.profile().user
    make.engagement(opportunity, withdrawn, state="withdrawn")
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert sorted(ranked_users(results)) == sorted([kept.id, withdrawn.id])


def test_the_pool_needs_the_profession_and_one_signal(db, make, opportunity):
    """Profession wanted, and a tie to the country, a wanted language or a wanted skill."""
    tie = make.profile(ties=(("BD", "worked"),), languages=(), skills=()).user
    language = make.profile(ties=(("NG", "born"),), languages=(("ben", 1),), skills=()).user
    skill = make.profile(
        ties=(("NG", "born"),), languages=(), skills=(("neonatal_resuscitation", 1),)
    ).user
    make.profile(ties=(("NG", "born"),), languages=(("eng", 4),), skills=(("surgery", 4),))
    make.profile(profession="midwife")
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert sorted(ranked_users(results)) == sorted([tie.id, language.id, skill.id])


def test_without_professions_anyone_with_a_signal_is_in_the_pool(db, make):
    opportunity = make.opportunity(professions=(), skills=(), languages=())
    tied = make.profile(profession="midwife").user
    make.profile(ties=(("NG", "born"),))
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert ranked_users(results) == [tied.id]


def test_windows_and_credentials_count_for_work_on_site(db, make):
    opportunity = make.opportunity(
        modality="on_site", starts_on=TODAY + timedelta(days=30), ends_on=TODAY + timedelta(days=60)
    )
    travels = make.profile(modality="both")
    travels.windows = [
        AvailabilityWindow(starts_on=TODAY, ends_on=TODAY + timedelta(days=10)),
        AvailabilityWindow(
            starts_on=TODAY + timedelta(days=40), ends_on=TODAY + timedelta(days=50)
        ),
        AvailabilityWindow(
            starts_on=TODAY + timedelta(days=55), ends_on=TODAY + timedelta(days=90)
        ),
    ]
    db.session.commit()
    stays = make.profile(modality="both")
    results = engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    assert ranked_users(results) == [travels.user.id, stays.user.id]
    window = [note for note in results[0].match.reasons if note.kind == "window"]
    assert (window[0].start, window[0].end) == (
        TODAY + timedelta(days=40),
        TODAY + timedelta(days=50),
    )
    for result in results:
        user = db.session.get(User, result.user_id)
        assert result.match == whole_profile_match(db, user, opportunity)


def test_matching_people_ignores_audience_and_consent_but_not_the_rest(db, make, opportunity):
    private = make.profile(visibility="private", consent=False).user
    make.profile(make.user(active=False))
    incomplete(db, make)
    make.profile(profession="midwife")
    results = engine.matching_people(db.session, opportunity, min_score=0, today=TODAY)
    assert ranked_users(results) == [private.id]
    assert results[0].match == whole_profile_match(db, private, opportunity, for_candidate=True)
    high = results[0].match.score + 0.001
    assert engine.matching_people(db.session, opportunity, min_score=high, today=TODAY) == []


def test_matching_people_is_restricted_to_the_user_ids_given(db, make, opportunity):
    first = make.profile().user
    second = make.profile().user
    only = select(User.id).where(User.id == second.id)
    results = engine.matching_people(
        db.session, opportunity, min_score=0, user_ids=only, today=TODAY
    )
    assert ranked_users(results) == [second.id]
    everyone = engine.matching_people(db.session, opportunity, min_score=0, today=TODAY)
    assert ranked_users(everyone) == [first.id, second.id]


def test_matching_people_for_a_closed_opportunity_is_empty(db, make):
    make.profile()
    closed = make.opportunity(status="closed")
    assert engine.matching_people(db.session, closed, min_score=0, today=TODAY) == []


# --- Recommendations ---------------------------------------------------------------------------


def recommended_ids(results) -> list[int]:
    return [result.opportunity_id for result in results]


def test_recommendations_rank_open_opportunities_for_the_person(db, make):
    person = make.profile(
        modality="both", ties=(("BD", "born"),), languages=(("ben", 4),), skills=(("surgery", 3),)
    ).user
    best = make.opportunity(country="BD", skills=(("surgery", 3),), languages=(("ben", 2),))
    good = make.opportunity(country="BD", skills=(("mentoring", 2),))
    skill_elsewhere = make.opportunity(country="NG", skills=(("surgery", 2),))
    vague = make.opportunity(country="KE", professions=(), skills=(), languages=())
    make.opportunity(country="NG", skills=(("mentoring", 2),))  # no signal
    make.opportunity(country="BD", professions=("midwife",))  # profession not wanted
    make.opportunity(country="BD", status="closed")
    make.opportunity(country="BD", status="draft")
    make.opportunity(
        country="BD", starts_on=TODAY - timedelta(days=9), ends_on=TODAY - timedelta(days=1)
    )
    full = make.opportunity(country="BD", places=1)
    make.engagement(full, make.profile().user, state="active")
    results = engine.recommendations(db.session, person, today=TODAY)
    assert set(recommended_ids(results)) == {best.id, good.id, skill_elsewhere.id, vague.id}
    assert recommended_ids(results)[0] == best.id
    _, candidate = engine.candidate_of(db.session, person, TODAY)
    scores = [result.match.score for result in results]
    assert scores == sorted(scores, reverse=True)
    for result in results:
        need = engine.need_of(db.session, db.session.get(type(best), result.opportunity_id))
        assert result.match == scoring.score(candidate, need, TODAY, for_candidate=True)


def test_recommendations_filters_and_exclusions(db, make):
    person = make.profile(modality="both").user
    project = make.opportunity(country="BD")
    teaching = make.opportunity(kind="teaching", country="BD")
    on_site = make.opportunity(country="BD", modality="on_site")
    elsewhere = make.opportunity(country="NG", skills=(("neonatal_resuscitation", 1),))
    every = {project.id, teaching.id, on_site.id, elsewhere.id}

    def ids(**filters) -> set[int]:
        return set(recommended_ids(engine.recommendations(db.session, person, **filters)))

    assert ids() == every
    assert ids(exclude=[project.id, on_site.id]) == {teaching.id, elsewhere.id}
    assert ids(kinds=["teaching"]) == {teaching.id}
    assert ids(countries=["NG"]) == {elsewhere.id}
    assert ids(modality="on_site") == {on_site.id}
    assert len(engine.recommendations(db.session, person, limit=2)) == 2
    assert engine.recommendations(db.session, person, limit=0) == []


def test_remote_only_people_are_recommended_remote_work_only(db, make):
    person = make.profile(modality="remote").user
    remote = make.opportunity(modality="remote")
    make.opportunity(modality="hybrid")
    make.opportunity(modality="on_site")
    assert recommended_ids(engine.recommendations(db.session, person)) == [remote.id]


def test_no_recommendations_without_a_completed_profile(db, make):
    make.opportunity()
    assert engine.recommendations(db.session, make.user()) == []
    assert engine.recommendations(db.session, incomplete(db, make).user) == []


def test_safeguards_list_countries_are_a_priority(db, make):
    person = make.profile(ties=(("BD", "born"), ("GB", "born")), modality="both").user
    make.opportunity(country="GB")
    listed = make.opportunity(country="BD")
    results = engine.recommendations(db.session, person, today=TODAY)
    assert results[0].opportunity_id == listed.id
    assert results[0].match.priority and not results[1].match.priority


# --- Statements --------------------------------------------------------------------------------


def test_candidates_run_a_fixed_number_of_statements(db, make, opportunity, queries):
    def count() -> int:
        db.session.expire_all()
        assert opportunity.professions and opportunity.skills  # loaded, as a page loads it
        with queries.count():
            engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY)
        return len(queries)

    make.profile()
    count()  # the registry is loaded on the first call
    # Open and a place; the people engaged; the registry's changes; the few best loaded.
    assert count() == 4
    for _ in range(6):
        make.profile(modality="both", skills=(("neonatal_resuscitation", 2), ("surgery", 1)))
    # The six changed profiles are reloaded with their ties, skills, languages, windows and
    # registrations: six statements, however many profiles changed.
    assert count() == 4 + 6
    assert count() == 4


def test_recommendations_run_a_fixed_number_of_statements(db, make, queries):
    person = make.profile(modality="both").user

    def count() -> int:
        db.session.expire_all()
        assert person.id  # as the signed-in user is loaded
        with queries.count():
            engine.recommendations(db.session, person, today=TODAY)
        return len(queries)

    make.opportunity()
    count()  # the open opportunities are loaded on the first call
    # The profile, its ties, skills and languages, its windows; the changes; places left.
    assert count() == 5
    for kind in ("project", "teaching", "placement", "project"):
        make.opportunity(kind=kind, languages=(("ben", 1),), professions=("doctor", "midwife"))
    # The four new opportunities are loaded with what they want: four statements, however
    # many changed.
    assert count() == 5 + 4
    assert count() == 5


def test_labels_name_codes_from_the_reference_data():
    labels = engine.labels()
    assert labels.countries["BD"] == "Bangladesh"
    assert labels.languages["ben"] == "Bengali"
    assert labels.professions["doctor"]
    assert labels.skills["neonatal_resuscitation"]
    assert labels.grades["afc_6"] == "Band 6"


def test_need_of_reads_the_opportunity(db, make):
    opportunity = make.opportunity(
        kind="placement",
        modality="on_site",
        country="GH",
        professions=("midwife",),
        skills=(("surgery", 2),),
        languages=(("twi", 3),),
    )
    need = engine.need_of(db.session, opportunity, audience={"coordinators"}, today=TODAY)
    assert need.professions == {"midwife"}
    assert need.skills == {"surgery": 2} and need.languages == {"twi": 3}
    assert need.clinical and need.open and not need.full and need.on_safeguards_list
    assert need.audience == {"coordinators"}
    assert need.starts_on == opportunity.starts_on and isinstance(need.starts_on, date)


def test_the_best_are_those_scoring_would_pick_from_the_whole_pool(db, make):
    """The SQL score only chooses whom to load: the result is `scoring.top` over everyone in
    the pool, with their whole profiles."""
    opportunity = make.opportunity(
        modality="hybrid",
        country="NG",
        professions=("doctor", "midwife"),
        skills=(("surgery", 3), ("mentoring", 2)),
        languages=(("yor", 2),),
        hours_per_month=10,
        starts_on=TODAY + timedelta(days=20),
        ends_on=TODAY + timedelta(days=80),
    )
    rng = random.Random(5)
    for n in range(40):
        profile = make.profile(
            profession=rng.choice(["doctor", "midwife", "pharmacist"]),
            ties=tuple({(rng.choice(["NG", "GH"]), rng.choice(scoring.TIE_KINDS))}),
            languages=tuple({("yor", rng.randint(1, 4))} if rng.random() < 0.5 else ()),
            skills=tuple(
                (code, rng.randint(1, 4)) for code in ("surgery", "mentoring") if rng.random() < 0.6
            ),
            modality=rng.choice([None, "on_site", "both"]),
            hours_per_month=rng.choice([None, 4, 10, 20]),
            unavailable_until=rng.choice([None, TODAY + timedelta(days=50 + n)]),
        )
        if rng.random() < 0.4:
            start = TODAY + timedelta(days=rng.randint(0, 100))
            profile.windows = [AvailabilityWindow(starts_on=start, ends_on=start + timedelta(9))]
        db.session.commit()
    people = [
        engine.candidate_of(db.session, user, TODAY)
        for user in db.session.scalars(select(User).order_by(User.id))
        if user.profile is not None
    ]
    people = [found for found in people if found is not None]
    people.sort(key=lambda found: found[0].id)
    pool = [
        (profile, candidate)
        for profile, candidate in people
        if profile.profession in ("doctor", "midwife")
        and (
            "NG" in candidate.ties
            or "yor" in candidate.languages
            or {"surgery", "mentoring"} & set(candidate.skills)
        )
    ]
    need = engine.need_of(db.session, opportunity, audience=AUDIENCE, today=TODAY)
    for limit in (1, 5, 12):
        expected = [
            (pool[index][0].user_id, match)
            for index, match in scoring.top([c for _, c in pool], need, TODAY, limit)
        ]
        results = engine.candidates(
            db.session, opportunity, audience=AUDIENCE, limit=limit, today=TODAY
        )
        assert [(result.user_id, result.match) for result in results] == expected
    threshold = expected[4][1].score
    reaching = engine.matching_people(db.session, opportunity, min_score=threshold, today=TODAY)
    assert all(result.match.score >= threshold for result in reaching)
    assert [result.user_id for result in reaching[:5]] == [user for user, _ in expected[:5]]
