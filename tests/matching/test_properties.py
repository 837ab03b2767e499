"""Properties of the scoring that must hold for every person and every need."""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from diaspora.matching import scoring
from diaspora.matching.scoring import Candidate, Labels, Need, Note, score, score_many
from tests.matching.strategies import (
    COUNTRIES,
    LANGUAGES,
    PROFESSIONS,
    PROPERTY,
    SKILLS,
    candidates,
    levels,
    needs,
    pairs,
    reachable,
    todays,
)


def overlaps(first: date, last: date, need: Need, today: date) -> bool:
    start = max(need.starts_on, today) if need.starts_on else today
    return last >= start and (need.ends_on is None or first <= need.ends_on)


def check_reason(note: Note, candidate: Candidate, need: Need, today: date) -> None:
    """A reason states a fact about the person that is also what the need asks for."""
    kind = note.kind
    if kind == "profession":
        assert candidate.profession == note.code and note.code in need.professions
    elif kind == "grade":
        assert candidate.grade == note.code and note.code in need.grades
    elif kind in ("skill", "language"):
        held = candidate.skills if kind == "skill" else candidate.languages
        wanted = need.skills if kind == "skill" else need.languages
        assert held[note.code] == note.have
        assert wanted[note.code] == note.want
        assert note.have >= note.want
    elif kind == "tie":
        assert note.code == need.country
        assert note.detail in candidate.ties[need.country]
    elif kind == "modality":
        assert note.code == candidate.modality and note.detail == need.modality
        assert scoring.MODALITY_CREDIT[need.modality, candidate.modality] == 1.0
    elif kind == "hours":
        assert note.have == candidate.hours_per_month and note.want == need.hours_per_month
        assert note.have >= note.want
    elif kind == "window":
        assert need.modality != scoring.REMOTE
        assert (note.start, note.end) in candidate.windows
        assert overlaps(note.start, note.end, need, today)
    elif kind == "credential":
        assert need.clinical and candidate.has_verified_credential
    else:
        pytest.fail(f"unexpected reason {note!r}")


def check_gap(note: Note, candidate: Candidate, need: Need, today: date) -> None:
    """A gap is something the need asks for that the person does not meet."""
    kind = note.kind
    if kind == "profession_unknown":
        assert need.professions and candidate.profession is None
    elif kind == "profession_not_wanted":
        assert candidate.profession == note.code and note.code not in need.professions
        assert need.professions
    elif kind == "grade_unknown":
        assert need.grades and candidate.grade is None
    elif kind == "grade_not_wanted":
        assert candidate.grade == note.code and note.code not in need.grades and need.grades
    elif kind in ("skill_missing", "language_missing"):
        held = candidate.skills if kind == "skill_missing" else candidate.languages
        wanted = need.skills if kind == "skill_missing" else need.languages
        assert note.code not in held and wanted[note.code] == note.want
    elif kind in ("skill_below", "language_below"):
        held = candidate.skills if kind == "skill_below" else candidate.languages
        wanted = need.skills if kind == "skill_below" else need.languages
        assert held[note.code] == note.have < note.want == wanted[note.code]
    elif kind == "modality_unknown":
        assert candidate.modality is None
    elif kind == "modality_mismatch":
        assert candidate.modality == scoring.ON_SITE and need.modality != scoring.ON_SITE
    elif kind == "hours_unknown":
        assert candidate.hours_per_month is None and need.hours_per_month == note.want
    elif kind == "hours_short":
        assert candidate.hours_per_month == note.have < note.want == need.hours_per_month
    elif kind == "no_window":
        assert need.modality != scoring.REMOTE
        assert not any(overlaps(first, last, need, today) for first, last in candidate.windows)
    elif kind == "unavailable":
        start = max(need.starts_on, today) if need.starts_on else today
        assert candidate.unavailable_until == note.start and note.start > start
    elif kind == "credential_missing":
        assert need.clinical and not candidate.has_verified_credential
    else:
        pytest.fail(f"unexpected gap {note!r}")


@PROPERTY
@given(pairs(), todays, st.booleans())
def test_the_score_is_between_0_and_100_and_its_parts_add_up(pair, today, mine):
    candidate, need = pair
    match = score(candidate, need, today, for_candidate=mine)
    assert 0.0 <= match.score <= 100.0
    assert set(match.parts) == set(scoring.WEIGHTS)
    for name, part in match.parts.items():
        assert 0.0 <= part <= scoring.WEIGHTS[name]
    assert match.score == pytest.approx(sum(match.parts.values()))


@PROPERTY
@given(candidates, needs(taking_people=True), todays, st.sampled_from(SKILLS), levels, st.data())
def test_adding_a_wanted_skill_the_person_has_at_the_level_wanted_never_lowers_the_score(
    candidate, need, today, code, level, data
):
    assume(code not in need.skills)
    candidate, need = reachable(replace(candidate, skills={**candidate.skills, code: level}), need)
    wanted = data.draw(st.integers(min_value=1, max_value=level), label="level wanted")
    before = score(candidate, need, today)
    after = score(candidate, replace(need, skills={**need.skills, code: wanted}), today)
    assert after.score >= before.score
    assert after.parts["skills"] >= before.parts["skills"]


@PROPERTY
@given(candidates, needs(taking_people=True), todays, st.sampled_from(LANGUAGES), levels)
def test_adding_a_wanted_language_the_person_lacks_never_raises_the_score(
    candidate, need, today, code, wanted
):
    assume(code not in need.languages)
    languages = {lang: level for lang, level in candidate.languages.items() if lang != code}
    candidate, need = reachable(replace(candidate, languages=languages), need)
    before = score(candidate, need, today)
    after = score(candidate, replace(need, languages={**need.languages, code: wanted}), today)
    assert after.score <= before.score
    assert any(gap.kind == "language_missing" and gap.code == code for gap in after.gaps)


@PROPERTY
@given(candidates, needs(taking_people=True), todays, st.data())
def test_a_person_lacking_a_language_or_skill_they_had_never_scores_higher(
    candidate, need, today, data
):
    candidate, need = reachable(candidate, need)
    assume(candidate.languages or candidate.skills)
    fewer = candidate
    if candidate.languages:
        dropped = data.draw(st.sampled_from(sorted(candidate.languages)), label="language")
        fewer = replace(
            fewer, languages={k: v for k, v in candidate.languages.items() if k != dropped}
        )
    if candidate.skills:
        dropped = data.draw(st.sampled_from(sorted(candidate.skills)), label="skill")
        fewer = replace(fewer, skills={k: v for k, v in candidate.skills.items() if k != dropped})
    assert score(fewer, need, today).score <= score(candidate, need, today).score


@PROPERTY
@given(candidates, needs(taking_people=True), todays, st.data())
def test_asking_for_a_higher_level_never_raises_the_score(candidate, need, today, data):
    candidate, need = reachable(candidate, need)
    wanted = {**need.skills, **{f"lang:{k}": v for k, v in need.languages.items()}}
    assume(any(level < 4 for level in wanted.values()))
    key = data.draw(st.sampled_from(sorted(k for k, v in wanted.items() if v < 4)))
    if key.startswith("lang:"):
        code = key.removeprefix("lang:")
        harder = replace(need, languages={**need.languages, code: need.languages[code] + 1})
    else:
        harder = replace(need, skills={**need.skills, key: need.skills[key] + 1})
    assert score(candidate, harder, today).score <= score(candidate, need, today).score


@PROPERTY
@given(candidates, needs(), todays, st.data())
def test_hard_filters_always_exclude(candidate, need, today, data):
    filter_ = data.draw(
        st.sampled_from(["closed", "full", "hidden", "private", "consent", "remote"])
    )
    if filter_ == "closed":
        need = replace(need, open=False)
    elif filter_ == "full":
        need = replace(need, full=True)
    elif filter_ == "hidden":
        need = replace(need, audience=need.audience - {candidate.visibility})
    elif filter_ == "private":
        candidate = replace(candidate, visibility=scoring.PRIVATE)
        need = replace(need, audience=need.audience | {scoring.PRIVATE})
    elif filter_ == "consent":
        candidate = replace(candidate, consent_to_contact=False)
    else:
        candidate = replace(candidate, modality=scoring.REMOTE)
        modality = data.draw(st.sampled_from([scoring.ON_SITE, scoring.HYBRID]))
        need = replace(need, modality=modality)
    assert score(candidate, need, today) is None
    assert score_many([candidate], need, today) == [None]
    assert np.isnan(scoring.score_array([candidate], need, today)[0])
    assert scoring.top([candidate], need, today, 5) == []
    if filter_ in ("closed", "full", "remote"):  # these hold for the person's own view too
        assert score(candidate, need, today, for_candidate=True) is None


@PROPERTY
@given(candidates, needs(), todays)
def test_only_the_hard_filters_exclude(candidate, need, today):
    excluded = (
        not need.open
        or need.full
        or candidate.visibility == scoring.PRIVATE
        or candidate.visibility not in need.audience
        or not candidate.consent_to_contact
        or (need.modality != scoring.REMOTE and candidate.modality == scoring.REMOTE)
    )
    assert (score(candidate, need, today) is None) == excluded


@PROPERTY
@given(pairs(), todays, st.booleans())
def test_reasons_are_facts_true_of_both_sides_and_gaps_are_real_shortfalls(pair, today, mine):
    candidate, need = pair
    match = score(candidate, need, today, for_candidate=mine)
    for note in match.reasons:
        check_reason(note, candidate, need, today)
    for note in match.gaps:
        check_gap(note, candidate, need, today)
    # Every reason and gap can be said, with names and without.
    labels = Labels(
        professions={code: code.title() for code in PROFESSIONS},
        skills={code: code.replace("_", " ").capitalize() for code in SKILLS},
        languages={code: code.upper() for code in LANGUAGES},
        countries={code: f"Country {code}" for code in COUNTRIES},
    )
    for texts in (match.reason_texts(), match.gap_texts(labels)):
        assert all(isinstance(text, str) and text for text in texts)


@PROPERTY
@given(st.lists(candidates, max_size=12), needs(), todays, st.booleans())
def test_the_vectorised_path_gives_exactly_what_score_gives(people, need, today, mine):
    one_by_one = [score(person, need, today, for_candidate=mine) for person in people]
    assert score_many(people, need, today, for_candidate=mine) == one_by_one
    array = scoring.score_array(people, need, today, for_candidate=mine)
    assert [None if np.isnan(value) else float(value) for value in array] == [
        None if match is None else match.score for match in one_by_one
    ]


@PROPERTY
@given(st.lists(candidates, max_size=12), needs(), todays, st.integers(0, 14))
def test_top_is_the_best_first_in_order_of_the_candidates_for_equal_scores(
    people, need, today, limit
):
    expected = sorted(
        (
            (index, match)
            for index, match in enumerate(score(person, need, today) for person in people)
            if match is not None
        ),
        key=lambda pair: -pair[1].score,
    )[:limit]
    assert scoring.top(people, need, today, limit) == expected
