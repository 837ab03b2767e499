"""One person against many needs (recommendations): the arrays give exactly what `score` gives
for each pair, and `top_needs` ranks them best first, in the needs' order for equal scores."""

from datetime import date

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from diaspora.matching import scoring
from diaspora.matching.scoring import Candidate, Need, score, score_needs, top_needs
from tests.matching.strategies import PROPERTY, candidates, needs, todays


@PROPERTY
@given(candidates, st.lists(needs(), max_size=12), todays, st.booleans())
def test_score_needs_equals_score_for_every_need(candidate, many, today, mine):
    array = score_needs(candidate, many, today, for_candidate=mine)
    assert array.dtype == np.float64 and array.shape == (len(many),)
    expected = [score(candidate, need, today, for_candidate=mine) for need in many]
    assert [None if np.isnan(value) else float(value) for value in array] == [
        None if match is None else match.score for match in expected
    ]


@PROPERTY
@given(candidates, st.lists(needs(taking_people=True), max_size=12), todays, st.integers(0, 14))
def test_top_needs_is_the_best_first_in_the_needs_order_for_equal_scores(
    candidate, many, today, limit
):
    expected = sorted(
        (
            (index, match)
            for index, match in enumerate(
                score(candidate, need, today, for_candidate=True) for need in many
            )
            if match is not None
        ),
        key=lambda pair: -pair[1].score,
    )[:limit]
    assert top_needs(candidate, many, today, limit) == expected


@PROPERTY
@given(candidates, st.lists(needs(), max_size=8), todays, st.integers(1, 10))
def test_the_organisations_view_of_needs_applies_audience_and_consent(
    candidate, many, today, limit
):
    ranked = top_needs(candidate, many, today, limit, for_candidate=False)
    for index, match in ranked:
        assert match == score(candidate, many[index], today)
        assert candidate.consent_to_contact and candidate.visibility in many[index].audience


def test_equal_needs_keep_their_order_and_excluded_needs_are_nan():
    today = date(2026, 11, 23)
    candidate = Candidate(profession="doctor", modality="remote")
    same = Need(kind="project", modality="remote", country="BD", professions=frozenset({"doctor"}))
    on_site = Need(kind="project", modality="on_site", country="BD")
    closed = Need(kind="project", modality="remote", country="BD", open=False)
    array = score_needs(candidate, [same, on_site, closed, same], today)
    assert np.isnan(array[1]) and np.isnan(array[2]) and array[0] == array[3]
    assert [index for index, _ in top_needs(candidate, [same, on_site, same], today, 5)] == [0, 2]
    assert top_needs(candidate, [], today, 5) == [] == top_needs(candidate, [same], today, 0)


def test_a_need_on_the_safeguards_list_ranks_above_an_equal_one():
    today = date(2026, 11, 23)
    candidate = Candidate(profession="doctor", modality="both")
    elsewhere = Need(kind="project", modality="remote", country="GB")
    listed = Need(kind="project", modality="remote", country="BD", on_safeguards_list=True)
    ranked = top_needs(candidate, [elsewhere, listed], today, 2)
    assert [index for index, _ in ranked] == [1, 0]
    assert ranked[0][1].priority
    assert ranked[0][1].score - ranked[1][1].score == scoring.WEIGHTS["safeguards"]
