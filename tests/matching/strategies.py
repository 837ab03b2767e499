"""Hypothesis strategies for matching: small pools of codes, so that people and needs overlap."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import settings
from hypothesis import strategies as st

from diaspora.matching import scoring
from diaspora.matching.scoring import Candidate, Need

# Moderate and repeatable: the same examples on every run, nothing written to disk.
PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)

PROFESSIONS = ["doctor", "midwife", "adult_nurse", "pharmacist"]
GRADES = ["afc_5", "afc_6", "afc_7", "consultant"]
SKILLS = ["neonatal_resuscitation", "surgery", "simulation", "mentoring", "epidemiology"]
LANGUAGES = ["ben", "syl", "eng", "urd", "yor"]
COUNTRIES = ["BD", "NG", "PK", "GH"]

levels = st.integers(min_value=1, max_value=4)
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))
todays = st.dates(min_value=date(2026, 6, 1), max_value=date(2027, 6, 1))


@st.composite
def windows(draw) -> tuple[date, date]:
    first = draw(days)
    return first, first + timedelta(days=draw(st.integers(min_value=0, max_value=120)))


candidates = st.builds(
    Candidate,
    profession=st.none() | st.sampled_from(PROFESSIONS),
    grade=st.none() | st.sampled_from(GRADES),
    skills=st.dictionaries(st.sampled_from(SKILLS), levels),
    languages=st.dictionaries(st.sampled_from(LANGUAGES), levels),
    ties=st.dictionaries(
        st.sampled_from(COUNTRIES),
        st.frozensets(st.sampled_from(scoring.TIE_KINDS), min_size=1),
    ),
    modality=st.none() | st.sampled_from(sorted(scoring.PROFILE_MODALITIES)),
    hours_per_month=st.none() | st.integers(min_value=0, max_value=200),
    windows=st.lists(windows(), max_size=3).map(tuple),
    unavailable_until=st.none() | days,
    has_verified_credential=st.booleans(),
    visibility=st.sampled_from(sorted(scoring.VISIBILITIES)),
    consent_to_contact=st.booleans(),
)


@st.composite
def needs(draw, *, taking_people: bool = False) -> Need:
    """Needs; with `taking_people`, open and not full (no need-side filter excludes them)."""
    starts_on = draw(st.none() | days)
    ends_on = draw(st.none() | days)
    if starts_on and ends_on and ends_on < starts_on:
        starts_on, ends_on = ends_on, starts_on
    return Need(
        kind=draw(st.sampled_from(sorted(scoring.KINDS))),
        modality=draw(st.sampled_from(sorted(scoring.NEED_MODALITIES))),
        country=draw(st.sampled_from(COUNTRIES)),
        professions=draw(st.frozensets(st.sampled_from(PROFESSIONS))),
        grades=draw(st.frozensets(st.sampled_from(GRADES))),
        skills=draw(st.dictionaries(st.sampled_from(SKILLS), levels)),
        languages=draw(st.dictionaries(st.sampled_from(LANGUAGES), levels)),
        starts_on=starts_on,
        ends_on=ends_on,
        hours_per_month=draw(st.none() | st.integers(min_value=1, max_value=200)),
        clinical=draw(st.booleans()),
        open=True if taking_people else draw(st.booleans()),
        full=False if taking_people else draw(st.booleans()),
        on_safeguards_list=draw(st.booleans()),
        audience=draw(st.frozensets(st.sampled_from(sorted(scoring.VISIBILITIES)))),
    )


def reachable(candidate: Candidate, need: Need) -> tuple[Candidate, Need]:
    """The same pair with every privacy filter passed: consenting, seen by the audience."""
    visibility = (
        candidate.visibility if candidate.visibility != scoring.PRIVATE else scoring.COORDINATORS
    )
    modality = candidate.modality
    if need.modality != scoring.REMOTE and modality == scoring.REMOTE:
        modality = scoring.BOTH
    return (
        replace(candidate, visibility=visibility, consent_to_contact=True, modality=modality),
        replace(need, open=True, full=False, audience=need.audience | {visibility}),
    )


def pairs():
    """(candidate, need) pairs that no hard filter excludes."""
    return st.tuples(candidates, needs(taking_people=True)).map(lambda pair: reachable(*pair))
