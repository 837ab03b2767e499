"""Each component, each hard filter, and the words of reasons and gaps, on worked examples."""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from diaspora.matching import scoring
from diaspora.matching.scoring import Candidate, Labels, Need, Note, score

TODAY = date(2026, 12, 1)
LABELS = Labels(
    professions={"midwife": "Midwife", "doctor": "Doctor"},
    grades={"afc_7": "Band 7", "afc_5": "Band 5"},
    skills={
        "neonatal_resuscitation": "Neonatal resuscitation",
        "surgery": "Surgical care",
        "simulation": "Simulation training",
        "hiv": "HIV care",
    },
    languages={"ben": "Bengali", "syl": "Sylheti"},
    countries={"BD": "Bangladesh"},
)

# A midwife who meets everything the need below asks for.
NUSRAT = Candidate(
    profession="midwife",
    grade="afc_7",
    skills={"neonatal_resuscitation": 4, "surgery": 2},
    languages={"ben": 4, "eng": 4},
    ties={"BD": frozenset({"born", "trained"})},
    modality="both",
    hours_per_month=10,
    windows=((date(2027, 3, 1), date(2027, 4, 30)),),
    has_verified_credential=True,
    visibility="verified_organisations",
    consent_to_contact=True,
)
NEED = Need(
    kind="placement",
    modality="on_site",
    country="BD",
    professions=frozenset({"midwife"}),
    grades=frozenset({"afc_6", "afc_7"}),
    skills={"neonatal_resuscitation": 3},
    languages={"ben": 3},
    starts_on=date(2027, 3, 15),
    ends_on=date(2027, 6, 30),
    hours_per_month=8,
    clinical=True,
    on_safeguards_list=True,
    audience=frozenset({"coordinators", "verified_organisations"}),
)


def parts(candidate=NUSRAT, need=NEED, today=TODAY) -> dict[str, float]:
    match = score(candidate, need, today)
    assert match is not None
    return dict(match.parts)


def texts(candidate=NUSRAT, need=NEED, today=TODAY) -> tuple[list[str], list[str]]:
    match = score(candidate, need, today)
    assert match is not None
    return match.reason_texts(LABELS), match.gap_texts(LABELS)


def test_a_person_meeting_everything_scores_100_with_every_reason():
    match = score(NUSRAT, NEED, TODAY)
    assert match.score == 100.0
    assert match.parts == {name: float(weight) for name, weight in scoring.WEIGHTS.items()}
    assert match.reason_texts(LABELS) == [
        "Midwife, a profession wanted",
        "Band 7, a grade wanted",
        "Can teach neonatal resuscitation",
        "Speaks Bengali (native)",
        "Born in Bangladesh",
        "Trained in Bangladesh",
        "Works on site",
        "Available 10 hours a month; 8 wanted",
        "Can travel 1 March 2027 to 30 April 2027",
        "Verified professional registration",
    ]
    assert match.gaps == ()
    assert match.priority


def test_without_labels_reasons_show_codes():
    match = score(NUSRAT, NEED, TODAY)
    assert match.reason_texts()[:4] == [
        "midwife, a profession wanted",
        "afc_7, a grade wanted",
        "Can teach neonatal_resuscitation",
        "Speaks ben (native)",
    ]
    assert str(match.reasons[0]) == "midwife, a profession wanted"


# --- Profession and grade ------------------------------------------------------------------


def test_a_profession_not_wanted_scores_nothing_for_it_and_is_a_gap():
    doctor = replace(NUSRAT, profession="doctor")
    assert parts(doctor)["profession"] == 0.0
    assert "Doctor, not a profession wanted" in texts(doctor)[1]
    assert score(doctor, NEED, TODAY) is not None  # scored, not filtered


def test_any_profession_gives_everyone_the_neutral_credit_and_no_words():
    need = replace(NEED, professions=frozenset())
    assert parts(NUSRAT, need)["profession"] == 15 * scoring.NEUTRAL
    assert parts(replace(NUSRAT, profession=None), need)["profession"] == 15 * scoring.NEUTRAL
    match = score(NUSRAT, need, TODAY)
    assert not any(note.kind.startswith("profession") for note in match.reasons + match.gaps)
    assert "Midwife, a profession wanted" not in match.reason_texts(LABELS)


def test_an_unknown_profession_or_grade_is_a_gap():
    unknown = replace(NUSRAT, profession=None, grade=None)
    assert (parts(unknown)["profession"], parts(unknown)["grade"]) == (0.0, 0.0)
    gaps = texts(unknown)[1]
    assert "Profession not given" in gaps and "Grade not given" in gaps


def test_a_grade_not_wanted_is_a_gap():
    junior = replace(NUSRAT, grade="afc_5")
    assert parts(junior)["grade"] == 0.0
    assert "Band 5, not a grade wanted" in texts(junior)[1]


# --- Skills and languages ------------------------------------------------------------------


def test_skills_score_the_share_wanted_with_partial_credit_below_the_level():
    need = replace(NEED, skills={"neonatal_resuscitation": 3, "surgery": 4, "simulation": 1})
    # 1 (met) + 0.5 x 2/4 (below) + 0 (missing), over 3 wanted skills.
    assert parts(NUSRAT, need)["skills"] == pytest.approx(25 * (1 + 0.25 + 0) / 3)
    reasons, gaps = texts(NUSRAT, need)
    assert "Can teach neonatal resuscitation" in reasons
    assert "Practitioner in surgical care (level wanted: can teach others)" in gaps
    assert "Does not list simulation training (level wanted: aware)" in gaps


@pytest.mark.parametrize(
    ("level", "words"),
    [
        (1, "Aware of surgical care"),
        (2, "Practitioner in surgical care"),
        (3, "Expert in surgical care"),
        (4, "Can teach surgical care"),
    ],
)
def test_a_skill_reason_says_the_level_held(level, words):
    person = replace(NUSRAT, skills={"surgery": level})
    need = replace(NEED, skills={"surgery": 1})
    assert words in texts(person, need)[0]


def test_skill_names_start_lower_case_in_a_sentence_unless_an_acronym():
    person = replace(NUSRAT, skills={"hiv": 4})
    assert "Can teach HIV care" in texts(person, replace(NEED, skills={"hiv": 2}))[0]


def test_languages_score_the_share_spoken_at_the_proficiency_needed():
    need = replace(NEED, languages={"ben": 3, "syl": 2})
    assert parts(NUSRAT, need)["languages"] == pytest.approx(15 * 0.5)
    assert "Does not speak Sylheti (level wanted: professional)" in texts(NUSRAT, need)[1]


def test_a_language_spoken_below_the_level_earns_partial_credit_and_a_gap():
    person = replace(NUSRAT, languages={"ben": 1})
    assert parts(person)["languages"] == pytest.approx(15 * 0.5 * 1 / 3)
    assert "Speaks Bengali (basic; level wanted: fluent)" in texts(person)[1]


def test_nothing_wanted_gives_everyone_the_neutral_credit():
    need = replace(NEED, skills={}, languages={})
    for person in (NUSRAT, replace(NUSRAT, skills={}, languages={})):
        assert parts(person, need)["skills"] == 25 * scoring.NEUTRAL
        assert parts(person, need)["languages"] == 15 * scoring.NEUTRAL


# --- Country tie ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "credit", "words"),
    [
        ({"born"}, 1.0, ["Born in Bangladesh"]),
        ({"trained"}, 1.0, ["Trained in Bangladesh"]),
        ({"heritage"}, 0.6, ["Family heritage in Bangladesh"]),
        ({"worked"}, 0.6, ["Worked in Bangladesh"]),
        ({"worked", "heritage"}, 0.6, ["Family heritage in Bangladesh", "Worked in Bangladesh"]),
        ({"worked", "born"}, 1.0, ["Born in Bangladesh", "Worked in Bangladesh"]),
    ],
)
def test_born_or_trained_is_a_stronger_tie_than_heritage_or_worked(kinds, credit, words):
    person = replace(NUSRAT, ties={"BD": frozenset(kinds)})
    assert parts(person)["country_tie"] == pytest.approx(10 * credit)
    assert [text for text in texts(person)[0] if "Bangladesh" in text] == words


def test_a_tie_to_another_country_counts_for_nothing_and_says_nothing():
    person = replace(NUSRAT, ties={"NG": frozenset({"born"})})
    assert parts(person)["country_tie"] == 0.0
    reasons, gaps = texts(person)
    assert not any("Nigeria" in text or "NG" in text for text in reasons + gaps)


# --- Availability: modality, hours, dates --------------------------------------------------


@pytest.mark.parametrize(
    ("need_modality", "person_modality", "credit", "words"),
    [
        ("remote", "remote", 1.0, "Works remotely"),
        ("remote", "both", 1.0, "Works remotely"),
        ("remote", "on_site", 0.0, "Works on site only; this is remote work"),
        ("on_site", "on_site", 1.0, "Works on site"),
        ("on_site", "both", 1.0, "Works on site"),
        ("hybrid", "both", 1.0, "Works remotely and on site"),
        ("hybrid", "on_site", 0.5, "Works on site only; this is hybrid work"),
        ("remote", None, 0.0, "Remote or on-site work not stated"),
        ("on_site", None, 0.0, "Remote or on-site work not stated"),
    ],
)
def test_modality(need_modality, person_modality, credit, words):
    person = replace(NUSRAT, modality=person_modality)
    need = replace(NEED, modality=need_modality)
    assert parts(person, need)["modality"] == 5 * credit
    reasons, gaps = texts(person, need)
    assert words in (reasons if credit == 1.0 else gaps)


def test_too_few_hours_earn_partial_credit_and_a_gap():
    person = replace(NUSRAT, hours_per_month=4)
    assert parts(person)["hours"] == 5 * 0.5
    assert "Available 4 hours a month; 8 wanted" in texts(person)[1]
    one = replace(NUSRAT, hours_per_month=1)
    assert "Available 1 hour a month; 8 wanted" in texts(one)[1]


def test_unknown_hours_earn_nothing_and_no_hours_wanted_is_neutral():
    unknown = replace(NUSRAT, hours_per_month=None)
    assert parts(unknown)["hours"] == 0.0
    assert "Hours a month not given; 8 wanted" in texts(unknown)[1]
    assert parts(unknown, replace(NEED, hours_per_month=None))["hours"] == 5 * scoring.NEUTRAL


def test_on_site_work_needs_a_travel_window_overlapping_the_dates():
    later = replace(NUSRAT, windows=((date(2027, 8, 1), date(2027, 8, 31)),))
    assert parts(later)["dates"] == 10 * 0.5  # no window; available from the start
    assert "No travel dates between 15 March 2027 and 30 June 2027" in texts(later)[1]
    # A window that only touches the last day still overlaps.
    touching = replace(NUSRAT, windows=((date(2027, 6, 30), date(2027, 7, 10)),))
    assert parts(touching)["dates"] == 10.0
    assert "Can travel 30 June 2027 to 10 July 2027" in texts(touching)[0]


def test_a_need_without_dates_needs_a_window_from_today_on():
    need = replace(NEED, starts_on=None, ends_on=None)
    past = replace(NUSRAT, windows=((date(2026, 1, 1), date(2026, 2, 1)),))
    assert parts(past, need)["dates"] == 10 * 0.5
    assert "No travel dates from 1 December 2026 on" in texts(past, need)[1]
    assert parts(NUSRAT, need)["dates"] == 10.0


def test_remote_work_needs_no_window():
    need = replace(NEED, modality="remote")
    nowhere = replace(NUSRAT, windows=())
    assert parts(nowhere, need)["dates"] == 10.0
    assert not any("travel" in text for text in texts(nowhere, need)[1])


def test_unavailable_until_after_the_start():
    remote = replace(NEED, modality="remote")
    # Back before the start: fine.
    ready = replace(NUSRAT, unavailable_until=date(2027, 3, 1))
    assert parts(ready, remote)["dates"] == 10.0
    # Back during the work: can join part way, half the credit.
    midway = replace(NUSRAT, unavailable_until=date(2027, 5, 1))
    assert parts(midway, remote)["dates"] == 10 * 0.5
    assert "Unavailable until 1 May 2027; starts 15 March 2027" in texts(midway, remote)[1]
    # Back after the end: nothing.
    gone = replace(NUSRAT, unavailable_until=date(2027, 9, 1))
    assert parts(gone, remote)["dates"] == 0.0
    # Open-ended, already started: said without a start date.
    started = replace(remote, starts_on=date(2026, 11, 1), ends_on=None)
    assert "Unavailable until 1 September 2027" in texts(gone, started)[1]


def test_on_site_dates_average_the_window_and_the_return():
    both_wrong = replace(NUSRAT, windows=(), unavailable_until=date(2027, 9, 1))
    assert parts(both_wrong)["dates"] == 0.0
    assert (
        len(
            [
                gap
                for gap in score(both_wrong, NEED, TODAY).gaps
                if gap.kind in ("no_window", "unavailable")
            ]
        )
        == 2
    )


# --- Credential and safeguards -------------------------------------------------------------


def test_clinical_work_wants_a_verified_registration():
    unverified = replace(NUSRAT, has_verified_credential=False)
    assert parts(unverified)["credential"] == 0.0
    assert "No verified professional registration (clinical work)" in texts(unverified)[1]
    teaching = replace(NEED, clinical=False)
    assert parts(unverified, teaching)["credential"] == 5 * scoring.NEUTRAL
    assert parts(NUSRAT, teaching)["credential"] == 5 * scoring.NEUTRAL


@pytest.mark.parametrize(
    ("kind", "modality", "clinical"),
    [
        ("placement", "remote", True),
        ("placement", "on_site", True),
        ("project", "on_site", True),
        ("teaching", "hybrid", True),
        ("project", "remote", False),
        ("teaching", "remote", False),
    ],
)
def test_is_clinical_by_default_for_placements_and_work_on_site(kind, modality, clinical):
    assert scoring.is_clinical(kind, modality) is clinical


def test_safeguards_priority_is_the_same_for_everyone_on_one_need_and_ranks_needs():
    listed, unlisted = NEED, replace(NEED, on_safeguards_list=False)
    assert parts(NUSRAT, listed)["safeguards"] == 5.0
    assert parts(NUSRAT, unlisted)["safeguards"] == 0.0
    assert not score(NUSRAT, unlisted, TODAY).priority
    # It orders needs for one person; it never orders people for one need.
    other = replace(NUSRAT, skills={}, languages={})
    for need in (listed, unlisted):
        assert parts(other, need)["safeguards"] == parts(NUSRAT, need)["safeguards"]
    assert score(NUSRAT, listed, TODAY).score - score(NUSRAT, unlisted, TODAY).score == 5.0
    assert not any("WHO" in text for text in score(NUSRAT, listed, TODAY).reason_texts())


# --- Hard filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "need", "why"),
    [
        (NUSRAT, replace(NEED, open=False), scoring.CLOSED),
        (NUSRAT, replace(NEED, full=True), scoring.FULL),
        (
            replace(NUSRAT, visibility="private"),
            replace(NEED, audience=frozenset({"private"})),
            scoring.NOT_VISIBLE,
        ),
        (
            replace(NUSRAT, visibility="coordinators"),
            replace(NEED, audience=frozenset({"verified_organisations"})),
            scoring.NOT_VISIBLE,
        ),
        (NUSRAT, replace(NEED, audience=frozenset()), scoring.NOT_VISIBLE),
        (replace(NUSRAT, consent_to_contact=False), NEED, scoring.NO_CONSENT),
        (replace(NUSRAT, modality="remote"), NEED, scoring.REMOTE_ONLY),
        (replace(NUSRAT, modality="remote"), replace(NEED, modality="hybrid"), scoring.REMOTE_ONLY),
    ],
)
def test_hard_filters_exclude(candidate, need, why):
    assert scoring.exclusion(candidate, need) == why
    assert score(candidate, need, TODAY) is None
    assert scoring.score_many([candidate, NUSRAT], need, TODAY)[0] is None


def test_a_remote_only_person_is_scored_for_remote_work():
    remote_only = replace(NUSRAT, modality="remote")
    assert score(remote_only, replace(NEED, modality="remote"), TODAY) is not None


def test_the_persons_own_view_ignores_audience_and_consent_but_not_the_needs_filters():
    private = replace(NUSRAT, visibility="private", consent_to_contact=False)
    mine = score(private, NEED, TODAY, for_candidate=True)
    assert mine is not None and mine.score == 100.0
    assert score(private, NEED, TODAY) is None
    for need in (replace(NEED, open=False), replace(NEED, full=True)):
        assert score(private, need, TODAY, for_candidate=True) is None
    remote_only = replace(private, modality="remote")
    assert score(remote_only, NEED, TODAY, for_candidate=True) is None


# --- Inputs are checked ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: Candidate(skills={"surgery": 5}),
        lambda: Candidate(languages={"ben": 0}),
        lambda: Candidate(ties={"BD": frozenset({"married"})}),
        lambda: Candidate(modality="hybrid"),
        lambda: Candidate(visibility="public"),
        lambda: Candidate(hours_per_month=-1),
        lambda: Candidate(windows=((date(2027, 2, 1), date(2027, 1, 1)),)),
        lambda: Need(kind="job", modality="remote", country="BD"),
        lambda: Need(kind="project", modality="both", country="BD"),
        lambda: Need(kind="project", modality="remote", country="BD", skills={"x": 0}),
        lambda: Need(kind="project", modality="remote", country="BD", hours_per_month=0),
        lambda: Need(
            kind="project",
            modality="remote",
            country="BD",
            starts_on=date(2027, 2, 1),
            ends_on=date(2027, 1, 1),
        ),
        lambda: Need(kind="project", modality="remote", country="BD", audience=frozenset({"x"})),
    ],
)
def test_values_outside_the_vocabularies_are_refused(make):
    with pytest.raises(ValueError):
        make()


# --- Many candidates -------------------------------------------------------------------------


def test_top_ranks_the_best_first_and_leaves_out_the_excluded():
    weaker = replace(NUSRAT, languages={}, ties={})
    hidden = replace(NUSRAT, consent_to_contact=False)
    people = [weaker, hidden, NUSRAT, weaker]
    ranked = scoring.top(people, NEED, TODAY, 10)
    assert [index for index, _ in ranked] == [2, 0, 3]
    assert ranked[0][1] == score(NUSRAT, NEED, TODAY)
    assert [index for index, _ in scoring.top(people, NEED, TODAY, 2)] == [2, 0]
    assert scoring.top(people, NEED, TODAY, 0) == []
    assert scoring.top([], NEED, TODAY, 5) == []


def test_score_array_gives_nan_for_the_excluded():
    array = scoring.score_array([NUSRAT, replace(NUSRAT, consent_to_contact=False)], NEED, TODAY)
    assert array[0] == 100.0 and np.isnan(array[1])


def test_top_among_many_keeps_ties_in_the_candidates_order():
    people = [replace(NUSRAT, hours_per_month=hours % 7) for hours in range(300)]
    ranked = scoring.top(people, NEED, TODAY, 50)
    expected = sorted(range(300), key=lambda i: (-score(people[i], NEED, TODAY).score, i))[:50]
    assert [index for index, _ in ranked] == expected


def test_notes_are_plain_data():
    note = Note("skill", "surgery", have=4, want=3)
    assert note.text(LABELS) == "Can teach surgical care"
    assert note == Note("skill", "surgery", have=4, want=3)
