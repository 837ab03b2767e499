"""Each part's credit is the rule of docs/adr/0006-match-scoring-weights.md, stated here pair by
pair in plain Python: the part functions that every path shares give exactly these numbers."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from diaspora.matching import scoring
from diaspora.matching.scoring import NEUTRAL, PARTIAL, Candidate, Need
from tests.matching.strategies import PROPERTY, pairs, todays


def membership(value: str | None, wanted: frozenset[str]) -> float:
    if not wanted:
        return NEUTRAL
    return 1.0 if value in wanted else 0.0


def levels(held: dict[str, int], wanted: dict[str, int]) -> float:
    if not wanted:
        return NEUTRAL
    total = 0.0
    for code, want in wanted.items():
        have = held.get(code, 0)
        total += 1.0 if have >= want else PARTIAL * have / want
    return total / len(wanted)


def hours(have: int | None, want: int | None) -> float:
    if want is None:
        return NEUTRAL
    if have is None:
        return 0.0
    return 1.0 if have >= want else have / want


def dates(candidate: Candidate, need: Need, today: date) -> float:
    start = max(need.starts_on, today) if need.starts_on else today
    total, count = 0.0, 1
    if need.modality != scoring.REMOTE:
        count = 2
        if any(
            last >= start and (need.ends_on is None or first <= need.ends_on)
            for first, last in candidate.windows
        ):
            total += 1.0
    until = candidate.unavailable_until
    if until is None or until <= start:
        total += 1.0
    elif need.ends_on is not None and until <= need.ends_on:
        total += PARTIAL
    return total / count


def credits(candidate: Candidate, need: Need, today: date) -> dict[str, float]:
    c, n = candidate, need
    return {
        "profession": membership(c.profession, n.professions),
        "grade": membership(c.grade, n.grades),
        "skills": levels(c.skills, n.skills),
        "languages": levels(c.languages, n.languages),
        "country_tie": max(
            (scoring.TIE_CREDIT[kind] for kind in c.ties.get(n.country, ())), default=0.0
        ),
        "modality": 0.0 if c.modality is None else scoring.MODALITY_CREDIT[n.modality, c.modality],
        "hours": hours(c.hours_per_month, n.hours_per_month),
        "dates": dates(c, n, today),
        "credential": (1.0 if c.has_verified_credential else 0.0) if n.clinical else NEUTRAL,
        "safeguards": 1.0 if n.on_safeguards_list else 0.0,
    }


@PROPERTY
@given(pairs(), todays, st.booleans())
def test_every_part_is_its_rule_weighted_and_the_score_their_sum_in_order(pair, today, mine):
    candidate, need = pair
    match = scoring.score(candidate, need, today, for_candidate=mine)
    expected = {
        name: scoring.WEIGHTS[name] * credit
        for name, credit in credits(candidate, need, today).items()
    }
    assert match.parts == expected
    total = 0.0
    for name in scoring.WEIGHTS:
        total += expected[name]
    assert match.score == total
