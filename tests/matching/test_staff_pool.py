"""The registry kept in memory stays fresh: each change made the way the app makes it shows in
the next call, rolled-back changes are forgotten, and its score chooses whom `scoring.score`
would rank best."""

import random
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from diaspora.auth.models import User
from diaspora.auth.services import set_active
from diaspora.changelog.models import Change
from diaspora.core.time import utcnow
from diaspora.credentials import services as credentials
from diaspora.credentials.models import Credential
from diaspora.matching import engine, jobs, scoring, staff_pool
from diaspora.mydata.services import erase_account
from diaspora.registry import services as profiles
from diaspora.registry.models import AvailabilityWindow, CountryTie, StaffProfile
from tests.factories import PASSWORD
from tests.matching.test_engine import AUDIENCE, TODAY, incomplete, ranked_users


@pytest.fixture
def opportunity(make):
    return make.opportunity(
        country="BD",
        modality="remote",
        professions=("doctor",),
        skills=(("neonatal_resuscitation", 3),),
        languages=(("ben", 2),),
    )


@pytest.fixture
def on_site(make):
    """Clinical work on site: travel windows and registrations count."""
    return make.opportunity(
        modality="on_site",
        starts_on=TODAY + timedelta(days=30),
        ends_on=TODAY + timedelta(days=60),
    )


def ranked(db, opportunity, *, audience=AUDIENCE, **options) -> list[int]:
    return ranked_users(
        engine.candidates(db.session, opportunity, audience=audience, today=TODAY, **options)
    )


def best(db, opportunity) -> int:
    """Who comes first when the registry chooses only the best one to load."""
    (first,) = ranked(db, opportunity, limit=1)
    return first


def need(db, opportunity, audience=AUDIENCE) -> scoring.Need:
    return engine.need_of(db.session, opportunity, audience=audience, today=TODAY)


def chosen(db, opportunity, *, audience=AUDIENCE) -> list[int]:
    """The profile ids the registry itself keeps in the pool."""
    wanted = need(db, opportunity, audience)
    return staff_pool.StaffPool.of_app().choose(
        db.session, wanted, TODAY, for_candidate=False, limit=100
    )


def exact_score(db, user, opportunity) -> float:
    """`scoring.score` on the person's whole profile, read from the database."""
    _, candidate = engine.candidate_of(db.session, user, TODAY)
    return scoring.score(candidate, need(db, opportunity), TODAY).score


def in_memory_score(db, user, opportunity) -> float:
    """The registry's own score for the person, after it has caught up."""
    held = staff_pool.StaffPool.of_app()
    wanted = need(db, opportunity)
    held.choose(db.session, wanted, TODAY, for_candidate=False, limit=1)
    row = np.array([held._row_of[user.profile.id]])
    return float(held._scores(row, wanted, TODAY)[0])


def assert_agrees(db, user, opportunity) -> None:
    assert in_memory_score(db, user, opportunity) == pytest.approx(
        exact_score(db, user, opportunity), abs=1e-9
    )
    for result in engine.candidates(db.session, opportunity, audience=AUDIENCE, today=TODAY):
        person = db.session.get(User, result.user_id)
        assert result.match.score == exact_score(db, person, opportunity)


def logged(db) -> int:
    """Entries of the log that matching reads (engagements are logged for the impact figures)."""
    return db.session.scalar(
        select(func.count()).select_from(Change).where(Change.engagement_id.is_(None))
    )


# --- Who is in the pool --------------------------------------------------------------------------


def test_a_newly_completed_profile_tied_to_the_country_appears(db, make, opportunity):
    make.profile()
    ranked(db, opportunity)
    tied = make.profile(ties=(("BD", "heritage"),), languages=(), skills=()).user
    assert tied.id in ranked(db, opportunity)
    finished = incomplete(
        db, make, grade="afc_6", years_experience=3, hours_per_month=8, modality="both"
    )
    assert finished.user.id not in ranked(db, opportunity)
    profiles.complete_profile(finished)
    db.session.commit()
    assert finished.user.id in ranked(db, opportunity)


@pytest.mark.parametrize(
    ("visibility", "consent"),
    [("private", True), ("verified_organisations", False), ("coordinators", True)],
    ids=["made private", "consent withdrawn", "outside the audience"],
)
def test_privacy_changes_take_people_out_and_back(db, make, opportunity, visibility, consent):
    person = make.profile()
    audience = frozenset({"verified_organisations"})
    assert person.user.id in ranked(db, opportunity, audience=audience)
    profiles.update_privacy(person, visibility=visibility, consent=consent)
    db.session.commit()
    assert ranked(db, opportunity, audience=audience) == []
    assert chosen(db, opportunity, audience=audience) == []
    profiles.update_privacy(person, visibility="verified_organisations", consent=True)
    db.session.commit()
    assert ranked(db, opportunity, audience=audience) == [person.user.id]


def test_a_disabled_account_disappears_and_comes_back_when_enabled(db, make, opportunity):
    admin = make.user(roles=["admin"])
    person = make.profile().user
    assert ranked(db, opportunity) == [person.id]
    set_active(db.session, person, False, actor=admin)
    db.session.commit()
    assert ranked(db, opportunity) == []
    assert chosen(db, opportunity) == []
    set_active(db.session, person, True, actor=admin)
    db.session.commit()
    assert ranked(db, opportunity) == [person.id]


def test_an_erased_account_disappears(db, make, opportunity):
    kept = make.profile().user
    erased = make.profile().user
    assert ranked(db, opportunity) == [kept.id, erased.id]
    erase_account(db.session, erased, PASSWORD)
    db.session.commit()
    assert ranked(db, opportunity) == [kept.id]
    assert chosen(db, opportunity) == [kept.profile.id]


def test_matching_people_sees_changes_too(db, make, opportunity):
    make.profile(visibility="private", consent=False)
    engine.matching_people(db.session, opportunity, min_score=0, today=TODAY)
    joined = make.profile(visibility="private", consent=False).user
    reached = engine.matching_people(db.session, opportunity, min_score=0, today=TODAY)
    assert joined.id in ranked_users(reached)


# --- How the score moves -----------------------------------------------------------------------
# The rival is loaded whatever happens; the person comes first only if the registry's score for
# them has caught up (limit=1 loads the best one alone).


def test_a_skill_added_changed_and_removed_moves_the_person(db, make, opportunity):
    rival = make.profile(skills=(("neonatal_resuscitation", 2),)).user
    person = make.profile(skills=(("surgery", 4),)).user
    assert best(db, opportunity) == rival.id
    skill = profiles.add_skill(db.session, person.profile, code="neonatal_resuscitation", level=3)
    db.session.commit()
    assert best(db, opportunity) == person.id
    assert_agrees(db, person, opportunity)
    skill.level = 1
    db.session.commit()
    assert best(db, opportunity) == rival.id
    assert_agrees(db, person, opportunity)
    profiles.remove_item(person.profile, "skill", skill.id)
    db.session.commit()
    assert_agrees(db, person, opportunity)


def test_a_language_added_changed_and_removed_moves_the_person(db, make, opportunity):
    rival = make.profile(languages=(("ben", 1),)).user
    person = make.profile(languages=(("eng", 4),)).user
    assert best(db, opportunity) == rival.id
    language = profiles.add_language(db.session, person.profile, language="ben", proficiency=3)
    db.session.commit()
    assert best(db, opportunity) == person.id
    assert_agrees(db, person, opportunity)
    language.proficiency = 1
    db.session.commit()
    assert best(db, opportunity) == rival.id  # equal: the older profile first
    assert_agrees(db, person, opportunity)
    profiles.remove_item(person.profile, "language", language.id)
    db.session.commit()
    assert_agrees(db, person, opportunity)


def test_a_country_tie_added_changed_and_removed_moves_the_person(db, make, opportunity):
    rival = make.profile(ties=(("BD", "worked"),)).user
    person = make.profile(ties=(("NG", "born"),)).user
    assert best(db, opportunity) == rival.id
    tie = profiles.add_tie(db.session, person.profile, country="BD", kind="born")
    db.session.commit()
    assert best(db, opportunity) == person.id
    assert_agrees(db, person, opportunity)
    tie.kind = "heritage"
    db.session.commit()
    assert best(db, opportunity) == rival.id
    assert_agrees(db, person, opportunity)
    profiles.remove_item(person.profile, "tie", tie.id)
    db.session.commit()
    assert_agrees(db, person, opportunity)


def test_a_travel_window_added_changed_and_removed_moves_the_person(db, make, on_site):
    rival = make.profile(modality="both").user
    person = make.profile(modality="both").user
    assert best(db, on_site) == rival.id
    window = profiles.add_window(
        db.session,
        person.profile,
        starts_on=TODAY + timedelta(days=40),
        ends_on=TODAY + timedelta(days=50),
        today=TODAY,
    )
    db.session.commit()
    assert best(db, on_site) == person.id
    assert_agrees(db, person, on_site)
    window.starts_on, window.ends_on = TODAY + timedelta(days=70), TODAY + timedelta(days=80)
    db.session.commit()
    assert best(db, on_site) == rival.id
    assert_agrees(db, person, on_site)
    window.starts_on = TODAY + timedelta(days=20)  # overlapping again
    db.session.commit()
    assert best(db, on_site) == person.id
    profiles.remove_item(person.profile, "window", window.id)
    db.session.commit()
    assert best(db, on_site) == rival.id
    assert_agrees(db, person, on_site)


def test_a_verified_registration_counts_for_clinical_work(db, make, on_site):
    verifier = make.user(roles=["admin"])
    rival = make.profile(modality="both").user
    person = make.profile(modality="both").user
    assert best(db, on_site) == rival.id
    details = credentials.CredentialInput(regulator="GMC", number="1234567")
    credential = credentials.add_credential(db.session, person, details)
    db.session.commit()
    assert best(db, on_site) == rival.id  # not verified yet
    credentials.decide(db.session, credential, verifier, verified=True)
    db.session.commit()
    assert best(db, on_site) == person.id
    assert_agrees(db, person, on_site)
    credential.expires_on = TODAY - timedelta(days=1)
    db.session.commit()
    assert best(db, on_site) == rival.id
    assert_agrees(db, person, on_site)
    credential.expires_on = None
    db.session.commit()
    assert best(db, on_site) == person.id
    credentials.remove_credential(db.session, credential, person)
    db.session.commit()
    assert best(db, on_site) == rival.id
    assert_agrees(db, person, on_site)


def test_availability_and_work_changes_move_the_person(db, make, on_site):
    rival = make.profile(modality="both", hours_per_month=4).user
    person = make.profile(modality="both", hours_per_month=4).user
    assert best(db, on_site) == rival.id
    profiles.update_availability(
        person.profile,
        hours_per_month=20,
        modality="on_site",
        notice_weeks=None,
        unavailable_until=None,
    )
    db.session.commit()
    assert best(db, on_site) == person.id
    assert_agrees(db, person, on_site)
    person.profile.unavailable_until = TODAY + timedelta(days=90)
    db.session.commit()
    assert best(db, on_site) == rival.id
    assert_agrees(db, person, on_site)


# --- Rolled back -------------------------------------------------------------------------------


def test_a_change_in_a_savepoint_rolled_back_is_forgotten(db, make, opportunity):
    rival = make.profile(skills=(("neonatal_resuscitation", 2),)).user
    person = make.profile(skills=(("surgery", 4),)).user
    assert best(db, opportunity) == rival.id
    with db.session.begin_nested() as savepoint:
        person.profile.skills[0].code = "neonatal_resuscitation"
        db.session.flush()
        assert best(db, opportunity) == person.id
        savepoint.rollback()
    assert best(db, opportunity) == rival.id
    assert_agrees(db, person, opportunity)


def test_a_profile_added_in_a_savepoint_rolled_back_is_forgotten(db, make, opportunity):
    kept = make.profile().user
    newcomer = make.user()
    assert ranked(db, opportunity) == [kept.id]
    with db.session.begin_nested() as savepoint:
        profile = StaffProfile(
            user=newcomer,
            profession="doctor",
            visibility="verified_organisations",
            consent_to_contact=True,
            completed_at=utcnow(),
        )
        profile.ties = [CountryTie(country="BD", kind="born")]
        db.session.add(profile)
        db.session.flush()
        assert ranked(db, opportunity) == [kept.id, newcomer.id]
        savepoint.rollback()
    assert ranked(db, opportunity) == [kept.id]
    assert chosen(db, opportunity) == [kept.profile.id]


def test_a_rolled_back_transaction_is_forgotten(db, make, opportunity):
    rival = make.profile(skills=(("neonatal_resuscitation", 2),)).user
    person = make.profile(skills=(("neonatal_resuscitation", 1),)).user
    assert best(db, opportunity) == rival.id
    person.profile.skills[0].level = 4
    db.session.flush()
    assert best(db, opportunity) == person.id
    db.session.rollback()
    assert best(db, opportunity) == rival.id
    assert_agrees(db, person, opportunity)


def test_a_change_logged_in_a_released_savepoint_is_forgotten_when_the_transaction_rolls_back(
    db, make, opportunity
):
    """add_tie stores the tie in a savepoint of its own, released at once; the transaction
    around it then rolls back (a later step failed)."""
    person = make.profile(ties=(("NG", "born"),), languages=(), skills=()).user
    make.profile()
    assert person.id not in ranked(db, opportunity)
    profiles.add_tie(db.session, person.profile, country="BD", kind="born")
    assert person.id in ranked(db, opportunity)
    db.session.rollback()
    assert person.id not in ranked(db, opportunity)


def test_a_change_committed_after_a_rollback_is_seen(db, make, opportunity):
    """The rolled-back change's number is given again to the next change."""
    first = make.profile(ties=(("NG", "born"),), languages=(), skills=()).user
    second = make.profile(ties=(("NG", "born"),), languages=(), skills=()).user
    make.profile()
    ranked(db, opportunity)
    profiles.add_tie(db.session, first.profile, country="BD", kind="born")
    ranked(db, opportunity)
    db.session.rollback()
    profiles.add_tie(db.session, second.profile, country="BD", kind="born")
    db.session.commit()
    assert second.id in ranked(db, opportunity)


# --- Two processes -----------------------------------------------------------------------------


def test_two_registries_both_see_a_change_made_after_they_loaded(db, make, opportunity):
    other_process = staff_pool.StaffPool()
    wanted = need(db, opportunity)

    def chosen_there() -> list[int]:
        return other_process.choose(db.session, wanted, TODAY, for_candidate=False, limit=50)

    person = make.profile()
    assert ranked(db, opportunity) == [person.user.id]
    assert chosen_there() == [person.id]
    joined = make.profile()
    profiles.update_privacy(person, visibility="private", consent=True)
    db.session.commit()
    assert ranked(db, opportunity) == [joined.user.id]
    assert chosen_there() == [joined.id]


def test_the_log_is_pruned_and_a_copy_left_behind_reloads_everything(db, make, opportunity):
    first = make.profile()
    assert ranked(db, opportunity) == [first.user.id]
    second = make.profile()  # logged, not yet read
    db.session.commit()
    assert jobs.prune_changes(now=utcnow() + jobs.CHANGES_KEPT + timedelta(minutes=1)) >= 1
    assert jobs.prune_changes(now=utcnow()) == 0  # nothing older is left
    assert db.session.scalar(select(func.count()).select_from(Change)) == 0
    third = make.profile()  # logged after the gap: reading only this would miss `second`
    db.session.commit()
    assert sorted(ranked(db, opportunity)) == sorted([first.user.id, second.user.id, third.user.id])


def test_choosing_none_chooses_nobody(db, make, opportunity):
    make.profile()
    wanted = need(db, opportunity)
    held = staff_pool.StaffPool.of_app()
    assert held.choose(db.session, wanted, TODAY, for_candidate=False, limit=0) == []
    assert len(held.choose(db.session, wanted, TODAY, for_candidate=False, limit=1)) == 1


# --- The registry's score ----------------------------------------------------------------------


def random_profile(db, make, rng: random.Random):
    profile = make.profile(
        profession=rng.choice(["doctor", "midwife", "doctor", "pharmacist"]),
        grade=rng.choice([None, "afc_5", "afc_6"]),
        visibility=rng.choice(
            ["verified_organisations", "coordinators", "coordinators", "private"]
        ),
        consent=rng.random() < 0.9,
        ties=tuple({(rng.choice(["NG", "GH"]), rng.choice(scoring.TIE_KINDS))}),
        languages=tuple({("yor", rng.randint(1, 4))} if rng.random() < 0.5 else ()),
        skills=tuple(
            (code, rng.randint(1, 4)) for code in ("surgery", "mentoring") if rng.random() < 0.6
        ),
        modality=rng.choice([None, "on_site", "both", "remote"]),
        hours_per_month=rng.choice([None, 0, 4, 10, 20]),
        unavailable_until=rng.choice([None, TODAY + timedelta(days=rng.randint(-5, 120))]),
    )
    for _ in range(rng.choice([0, 0, 1, 2])):
        start = TODAY + timedelta(days=rng.randint(-20, 100))
        profile.windows.append(AvailabilityWindow(starts_on=start, ends_on=start + timedelta(9)))
    if rng.random() < 0.4:
        db.session.add(
            Credential(
                profile=profile,
                regulator="GMC",
                number=str(rng.randint(1_000_000, 9_999_999)),
                status=rng.choice(["verified", "verified", "unverified", "rejected"]),
                expires_on=rng.choice([None, TODAY - timedelta(days=1), TODAY]),
            )
        )
    db.session.commit()
    return profile


def test_the_registry_scores_as_scoring_does_and_keeps_everyone_who_can_be_best(db, make):
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
    wanted = need(db, opportunity)
    ranked(db, opportunity)  # loaded empty: everyone below comes through the change log
    rng = random.Random(11)
    people = [random_profile(db, make, rng) for _ in range(30)]
    for profile in rng.sample(people, 8):  # some changed again after they were read
        ranked(db, opportunity)
        profile.hours_per_month = rng.choice([None, 3, 12])
        profile.skills[0:1] = []
        db.session.commit()

    exact = {}
    for profile in people:
        _, candidate = engine.candidate_of(db.session, profile.user, TODAY)
        match = scoring.score(candidate, wanted, TODAY)
        relevant = (
            "NG" in candidate.ties
            or "yor" in candidate.languages
            or {"surgery", "mentoring"} & set(candidate.skills)
        )
        if match is not None and relevant and profile.profession in wanted.professions:
            exact[profile.id] = match.score
    assert len(exact) >= 8

    # Caught up, and loaded afresh.
    for held in (staff_pool.StaffPool.of_app(), staff_pool.StaffPool()):
        everyone = held.choose(db.session, wanted, TODAY, for_candidate=False, limit=100)
        assert sorted(everyone) == sorted(exact)
        rows = np.array([held._row_of[profile_id] for profile_id in exact])
        scores = held._scores(rows, wanted, TODAY)
        for profile_id, score in zip(exact, scores, strict=True):
            assert score == pytest.approx(exact[profile_id], abs=1e-9)
        ordered = sorted(exact.values(), reverse=True)
        for limit in (1, 3, 7):
            kept = set(held.choose(db.session, wanted, TODAY, for_candidate=False, limit=limit))
            assert {p for p, score in exact.items() if score >= ordered[limit - 1]} <= kept


# --- What is not logged ------------------------------------------------------------------------


def test_changes_matching_does_not_read_log_nothing(db, make):
    profile = make.profile(grade="afc_6", years_experience=4)
    before = logged(db)
    profiles.update_work(
        profile,
        profession=profile.profession,
        grade=profile.grade,
        specialty="Neonatology",
        nhs_employer="Barts Health",
        years_experience=5,
        bio="Ten years on a neonatal unit.",
    )
    profile.user.display_name = "Renamed Person"
    profile.user.last_login_at = utcnow()
    db.session.commit()
    assert logged(db) == before
    profile.hours_per_month = 12
    db.session.commit()
    assert logged(db) == before + 1
