"""How well a staff member fits an opportunity: a score from 0 to 100 with its parts, the
reasons (facts true of both sides) and the gaps (what the opportunity asks that the person does
not meet).

Pure: plain frozen dataclasses in, plain values out. Nothing here imports Flask, the database or
the rest of the package, so the vocabularies below mirror the models' enums (a test keeps them
equal). The weights and the credit rules are in one place, `WEIGHTS` and the constants after it;
docs/adr/0006-match-scoring-weights.md explains them.

- `score(candidate, need, today)` scores one pair: `None` when a hard filter excludes it.
- `score_many`, `score_array` and `top` score many candidates for one need at once, with numpy;
  they give exactly what `score` gives for each candidate.
- `score_needs` and `top_needs` score one candidate against many needs (recommendations), with
  the same guarantee.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

# --- Vocabularies (mirroring diaspora.registry.models and diaspora.opportunities.models) ---------

PRIVATE = "private"
COORDINATORS = "coordinators"
VERIFIED_ORGANISATIONS = "verified_organisations"
VISIBILITIES = frozenset({PRIVATE, COORDINATORS, VERIFIED_ORGANISATIONS})

REMOTE = "remote"
ON_SITE = "on_site"
BOTH = "both"  # a person's modality: remotely or on site
HYBRID = "hybrid"  # an opportunity's modality: partly remote, partly on site
PROFILE_MODALITIES = frozenset({REMOTE, ON_SITE, BOTH})
NEED_MODALITIES = frozenset({REMOTE, ON_SITE, HYBRID})

PROJECT = "project"
TEACHING = "teaching"
PLACEMENT = "placement"
KINDS = frozenset({PROJECT, TEACHING, PLACEMENT})

BORN = "born"
TRAINED = "trained"
HERITAGE = "heritage"
WORKED = "worked"
TIE_KINDS = (BORN, TRAINED, HERITAGE, WORKED)  # in the order reasons list them

LEVELS = range(1, 5)  # skill levels and language proficiencies alike
PROFICIENCY_LABELS = {1: "Basic", 2: "Professional", 3: "Fluent", 4: "Native"}
SKILL_LEVEL_LABELS = {1: "Aware", 2: "Practitioner", 3: "Expert", 4: "Can teach others"}

# --- Weights and credit rules: the one place to change how matches are scored --------------------

# Each component earns a fraction from 0 to 1 of its weight; the score is the sum (0 to 100).
WEIGHTS: Mapping[str, int] = {
    "profession": 15,  # the person's profession is one the need wants
    "grade": 5,  # their grade is one the need wants
    "skills": 25,  # wanted skills held, at or above the minimum level
    "languages": 15,  # wanted languages spoken, at or above the proficiency needed
    "country_tie": 10,  # born or trained in the need's country (stronger), heritage or worked
    "modality": 5,  # remote / on site as the need works
    "hours": 5,  # hours a month enough
    "dates": 10,  # a travel window overlapping the dates (on site); available from the start
    "credential": 5,  # a verified professional registration, for clinical work
    "safeguards": 5,  # the need's country is on the WHO safeguards list (ranks needs, not people)
}

# What everyone earns of a component the need says nothing about (no professions, grades, skills,
# languages or hours wanted; not clinical). It cannot separate the candidates for one need, and
# when one person's needs are ranked, a need asking for what they have ranks above a silent one.
NEUTRAL = 0.5
# Below the level wanted: PARTIAL x held / wanted (at most 0.375 of the full credit). A modality
# or availability that meets the need only in part earns PARTIAL.
PARTIAL = 0.5
# A tie to the need's country: the strongest kind the person has counts.
TIE_CREDIT: Mapping[str, float] = {BORN: 1.0, TRAINED: 1.0, HERITAGE: 0.6, WORKED: 0.6}
# Modality (need, person) -> credit. A remote-only person never reaches an on-site or hybrid
# need (a hard filter); a person who has not said earns nothing.
MODALITY_CREDIT: Mapping[tuple[str, str], float] = {
    (REMOTE, REMOTE): 1.0,
    (REMOTE, BOTH): 1.0,
    (REMOTE, ON_SITE): 0.0,
    (ON_SITE, ON_SITE): 1.0,
    (ON_SITE, BOTH): 1.0,
    (HYBRID, BOTH): 1.0,
    (HYBRID, ON_SITE): PARTIAL,
}

# Why a pair is excluded rather than scored (`exclusion`).
CLOSED = "closed"
FULL = "full"
NOT_VISIBLE = "not_visible"
NO_CONSENT = "no_consent"
REMOTE_ONLY = "remote_only"


def is_clinical(kind: str, modality: str) -> bool:
    """A default for `Need.clinical` while opportunities do not say: return placements and work
    on site (in person, with patients) are clinical; remote teaching and projects are not."""
    return kind == PLACEMENT or modality != REMOTE


# --- Inputs ----------------------------------------------------------------------------------


def _check_levels(what: str, levels: Mapping[str, int]) -> None:
    for code, level in levels.items():
        if level not in LEVELS:
            raise ValueError(f"{what} {code!r}: level {level!r} is not 1 to 4")


@dataclass(frozen=True)
class Candidate:
    """A staff profile as plain data.

    `skills`: code -> level 1-4; `languages`: ISO 639-3 code -> proficiency 1-4; `ties`: country
    (ISO alpha-2) -> the kinds of tie (born, trained, heritage, worked); `windows`: the dated
    periods (first day, last day) when they could travel to work on site."""

    profession: str | None = None
    grade: str | None = None
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: Mapping[str, int] = field(default_factory=dict)
    ties: Mapping[str, frozenset[str]] = field(default_factory=dict)
    modality: str | None = None
    hours_per_month: int | None = None
    windows: tuple[tuple[date, date], ...] = ()
    unavailable_until: date | None = None
    has_verified_credential: bool = False
    visibility: str = PRIVATE
    consent_to_contact: bool = False

    def __post_init__(self) -> None:
        _check_levels("skill", self.skills)
        _check_levels("language", self.languages)
        for country, kinds in self.ties.items():
            if not set(kinds) <= set(TIE_KINDS):
                raise ValueError(f"tie to {country!r}: unknown kind in {sorted(kinds)!r}")
        if self.modality is not None and self.modality not in PROFILE_MODALITIES:
            raise ValueError(f"unknown profile modality {self.modality!r}")
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {self.visibility!r}")
        if self.hours_per_month is not None and self.hours_per_month < 0:
            raise ValueError("hours_per_month must not be negative")
        for first, last in self.windows:
            if last < first:
                raise ValueError(f"travel window ends before it starts: {first} to {last}")


@dataclass(frozen=True)
class Need:
    """An opportunity as plain data, seen by one audience.

    `professions`, `grades`: the codes wanted (empty: any); `skills`: code -> minimum level;
    `languages`: code -> minimum proficiency; `clinical`: the work needs a verified professional
    registration (see `is_clinical`); `open`: published and taking people; `full`: no place left;
    `audience`: the profile visibilities the viewing organisation may see (privacy.py's
    `listable_audiences`; private profiles are never seen, whatever it holds)."""

    kind: str
    modality: str
    country: str
    professions: frozenset[str] = frozenset()
    grades: frozenset[str] = frozenset()
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: Mapping[str, int] = field(default_factory=dict)
    starts_on: date | None = None
    ends_on: date | None = None
    hours_per_month: int | None = None
    clinical: bool = False
    open: bool = True
    full: bool = False
    on_safeguards_list: bool = False
    audience: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown opportunity kind {self.kind!r}")
        if self.modality not in NEED_MODALITIES:
            raise ValueError(f"unknown opportunity modality {self.modality!r}")
        _check_levels("skill", self.skills)
        _check_levels("language", self.languages)
        if self.hours_per_month is not None and self.hours_per_month < 1:
            raise ValueError("hours_per_month must be at least 1")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("the need ends before it starts")
        if not set(self.audience) <= VISIBILITIES:
            raise ValueError(f"unknown visibility in audience {sorted(self.audience)!r}")


# --- Outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Names to show for codes; a code without a name is shown as it is."""

    professions: Mapping[str, str] = field(default_factory=dict)
    grades: Mapping[str, str] = field(default_factory=dict)
    skills: Mapping[str, str] = field(default_factory=dict)
    languages: Mapping[str, str] = field(default_factory=dict)
    countries: Mapping[str, str] = field(default_factory=dict)


NO_LABELS = Labels()


@dataclass(frozen=True)
class Note:
    """One reason or gap as data; `text(labels)` says it in words.

    `kind` says what it is about (the keys of `TEXTS`); `code` is the profession, grade, skill,
    language or country code, or the person's modality; `detail` the kind of tie or the need's
    modality; `have`/`want` the person's and the need's level or hours. Dates: "window", the
    person's travel window; "no_window", the need's dates from today on (`end` None: open);
    "unavailable", `start` the day the person is unavailable until and `end` the need's start
    (None when it has started or has no start date)."""

    kind: str
    code: str = ""
    detail: str = ""
    have: int | None = None
    want: int | None = None
    start: date | None = None
    end: date | None = None

    def text(self, labels: Labels = NO_LABELS) -> str:
        return TEXTS[self.kind](self, labels)

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Match:
    """A scored pair. `parts`: each component's weighted contribution (keys of `WEIGHTS`), which
    add up to `score`."""

    score: float
    parts: Mapping[str, float]
    reasons: tuple[Note, ...]
    gaps: tuple[Note, ...]

    @property
    def priority(self) -> bool:
        """The need is in a country on the WHO Health Workforce Support and Safeguards List."""
        return self.parts["safeguards"] > 0

    def reason_texts(self, labels: Labels = NO_LABELS) -> list[str]:
        return [note.text(labels) for note in self.reasons]

    def gap_texts(self, labels: Labels = NO_LABELS) -> list[str]:
        return [note.text(labels) for note in self.gaps]


# --- Words -----------------------------------------------------------------------------------

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(day: date) -> str:
    """NHS style, whatever the locale: 1 March 2027."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _hours(count: int) -> str:
    return f"{count} hour{'' if count == 1 else 's'} a month"


def _lower_first(name: str) -> str:
    """'Neonatal resuscitation' -> 'neonatal resuscitation'; acronyms ('HIV care') stay."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _skill_name(note: Note, labels: Labels) -> str:
    return _lower_first(labels.skills.get(note.code, note.code))


def _skill_held(level: int, skill: str) -> str:
    return {
        1: f"Aware of {skill}",
        2: f"Practitioner in {skill}",
        3: f"Expert in {skill}",
        4: f"Can teach {skill}",
    }[level]


def _want_level(level: int) -> str:
    return SKILL_LEVEL_LABELS[level].lower()


def _proficiency(level: int) -> str:
    return PROFICIENCY_LABELS[level].lower()


_TIE_WORDS = {
    BORN: "Born in",
    TRAINED: "Trained in",
    HERITAGE: "Family heritage in",
    WORKED: "Worked in",
}
_MODALITY_WORDS = {
    REMOTE: "Works remotely",
    ON_SITE: "Works on site",
    HYBRID: "Works remotely and on site",
}
_NEED_MODALITY_WORDS = {REMOTE: "remote work", ON_SITE: "work on site", HYBRID: "hybrid work"}


def _window_gap(note: Note, labels: Labels) -> str:
    assert note.start is not None
    if note.end is None:
        return f"No travel dates from {format_date(note.start)} on"
    return f"No travel dates between {format_date(note.start)} and {format_date(note.end)}"


def _unavailable(note: Note, labels: Labels) -> str:
    assert note.start is not None
    if note.end is None:  # the need has already started, or has no start date
        return f"Unavailable until {format_date(note.start)}"
    return f"Unavailable until {format_date(note.start)}; starts {format_date(note.end)}"


TEXTS: Mapping[str, Callable[[Note, Labels], str]] = {
    # Reasons
    "profession": lambda n, lb: f"{lb.professions.get(n.code, n.code)}, a profession wanted",
    "grade": lambda n, lb: f"{lb.grades.get(n.code, n.code)}, a grade wanted",
    "skill": lambda n, lb: _skill_held(n.have, _skill_name(n, lb)),
    "language": lambda n, lb: f"Speaks {lb.languages.get(n.code, n.code)} ({_proficiency(n.have)})",
    "tie": lambda n, lb: f"{_TIE_WORDS[n.detail]} {lb.countries.get(n.code, n.code)}",
    "modality": lambda n, lb: _MODALITY_WORDS[n.detail],
    "hours": lambda n, lb: f"Available {_hours(n.have)}; {n.want} wanted",
    "window": lambda n, lb: f"Can travel {format_date(n.start)} to {format_date(n.end)}",
    "credential": lambda n, lb: "Verified professional registration",
    # Gaps
    "profession_not_wanted": lambda n, lb: (
        f"{lb.professions.get(n.code, n.code)}, not a profession wanted"
    ),
    "profession_unknown": lambda n, lb: "Profession not given",
    "grade_not_wanted": lambda n, lb: f"{lb.grades.get(n.code, n.code)}, not a grade wanted",
    "grade_unknown": lambda n, lb: "Grade not given",
    "skill_missing": lambda n, lb: (
        f"Does not list {_skill_name(n, lb)} (level wanted: {_want_level(n.want)})"
    ),
    "skill_below": lambda n, lb: (
        f"{_skill_held(n.have, _skill_name(n, lb))} (level wanted: {_want_level(n.want)})"
    ),
    "language_missing": lambda n, lb: (
        f"Does not speak {lb.languages.get(n.code, n.code)} (level wanted: {_proficiency(n.want)})"
    ),
    "language_below": lambda n, lb: (
        f"Speaks {lb.languages.get(n.code, n.code)} "
        f"({_proficiency(n.have)}; level wanted: {_proficiency(n.want)})"
    ),
    "modality_mismatch": lambda n, lb: (
        f"Works on site only; this is {_NEED_MODALITY_WORDS[n.detail]}"
    ),
    "modality_unknown": lambda n, lb: "Remote or on-site work not stated",
    "hours_short": lambda n, lb: f"Available {_hours(n.have)}; {n.want} wanted",
    "hours_unknown": lambda n, lb: f"Hours a month not given; {n.want} wanted",
    "no_window": _window_gap,
    "unavailable": _unavailable,
    "credential_missing": lambda n, lb: "No verified professional registration (clinical work)",
}


# --- Hard filters ----------------------------------------------------------------------------


def exclusion(candidate: Candidate, need: Need, *, for_candidate: bool = False) -> str | None:
    """Why the pair is excluded (CLOSED, FULL, NOT_VISIBLE, NO_CONSENT, REMOTE_ONLY), or None.

    `for_candidate=True` when the person looks at their own recommendations: nothing about them
    is shown to anyone, so the filters that protect them (audience, consent) do not apply."""
    if not need.open:
        return CLOSED
    if need.full:
        return FULL
    if not for_candidate:
        if candidate.visibility == PRIVATE or candidate.visibility not in need.audience:
            return NOT_VISIBLE
        if not candidate.consent_to_contact:
            return NO_CONSENT
    if need.modality != REMOTE and candidate.modality == REMOTE:
        return REMOTE_ONLY
    return None


# --- One pair, in plain Python ---------------------------------------------------------------

Assessed = tuple[float, list[Note], list[Note]]


def _start(need: Need, today: date) -> date:
    """The first day that matters: the need's start, or today if it has started or has none."""
    return max(need.starts_on, today) if need.starts_on else today


def _credit(have: int, want: int) -> float:
    return 1.0 if have >= want else PARTIAL * have / want


def _profession(candidate: Candidate, need: Need) -> Assessed:
    if not need.professions:
        return NEUTRAL, [], []
    if candidate.profession is None:
        return 0.0, [], [Note("profession_unknown")]
    if candidate.profession in need.professions:
        return 1.0, [Note("profession", candidate.profession)], []
    return 0.0, [], [Note("profession_not_wanted", candidate.profession)]


def _grade(candidate: Candidate, need: Need) -> Assessed:
    if not need.grades:
        return NEUTRAL, [], []
    if candidate.grade is None:
        return 0.0, [], [Note("grade_unknown")]
    if candidate.grade in need.grades:
        return 1.0, [Note("grade", candidate.grade)], []
    return 0.0, [], [Note("grade_not_wanted", candidate.grade)]


def _levels(held: Mapping[str, int], wanted: Mapping[str, int], name: str) -> Assessed:
    """Skills or languages: the mean credit over what is wanted."""
    if not wanted:
        return NEUTRAL, [], []
    reasons, gaps = [], []
    total = 0.0
    for code, want in wanted.items():
        have = held.get(code, 0)
        total += _credit(have, want)
        if have >= want:
            reasons.append(Note(name, code, have=have, want=want))
        elif have:
            gaps.append(Note(f"{name}_below", code, have=have, want=want))
        else:
            gaps.append(Note(f"{name}_missing", code, want=want))
    return total / len(wanted), reasons, gaps


def _tie_credit(candidate: Candidate, country: str) -> float:
    return max((TIE_CREDIT[kind] for kind in candidate.ties.get(country, ())), default=0.0)


def _country_tie(candidate: Candidate, need: Need) -> Assessed:
    kinds = candidate.ties.get(need.country, frozenset())
    reasons = [Note("tie", need.country, detail=kind) for kind in TIE_KINDS if kind in kinds]
    return _tie_credit(candidate, need.country), reasons, []


def _modality(candidate: Candidate, need: Need) -> Assessed:
    if candidate.modality is None:
        return 0.0, [], [Note("modality_unknown")]
    credit = MODALITY_CREDIT[need.modality, candidate.modality]
    if credit == 1.0:
        return credit, [Note("modality", candidate.modality, detail=need.modality)], []
    return credit, [], [Note("modality_mismatch", candidate.modality, detail=need.modality)]


def _hours_credit(have: int | None, want: int | None) -> float:
    if want is None:
        return NEUTRAL
    if have is None:
        return 0.0
    return 1.0 if have >= want else have / want


def _hours_part(candidate: Candidate, need: Need) -> Assessed:
    have, want = candidate.hours_per_month, need.hours_per_month
    credit = _hours_credit(have, want)
    if want is None:
        return credit, [], []
    if have is None:
        return credit, [], [Note("hours_unknown", want=want)]
    if have >= want:
        return credit, [Note("hours", have=have, want=want)], []
    return credit, [], [Note("hours_short", have=have, want=want)]


def _window(candidate: Candidate, need: Need, today: date) -> tuple[date, date] | None:
    """The person's first travel window overlapping the need's dates from `_start` on."""
    start, end = _start(need, today), need.ends_on
    for first, last in candidate.windows:
        if last >= start and (end is None or first <= end):
            return first, last
    return None


def _availability_credit(until: date | None, need: Need, today: date) -> float:
    if until is None or until <= _start(need, today):
        return 1.0
    if need.ends_on is not None and until <= need.ends_on:
        return PARTIAL  # can join part way, or within a placement's start window
    return 0.0


def _dates(candidate: Candidate, need: Need, today: date) -> Assessed:
    reasons, gaps = [], []
    total, count = 0.0, 1
    if need.modality != REMOTE:
        count = 2
        window = _window(candidate, need, today)
        if window is not None:
            total += 1.0
            reasons.append(Note("window", start=window[0], end=window[1]))
        else:
            total += 0.0
            gaps.append(Note("no_window", start=_start(need, today), end=need.ends_on))
    until = candidate.unavailable_until
    credit = _availability_credit(until, need, today)
    total += credit
    if credit < 1.0:
        start = _start(need, today)
        gaps.append(Note("unavailable", start=until, end=start if start > today else None))
    return total / count, reasons, gaps


def _credential(candidate: Candidate, need: Need) -> Assessed:
    if not need.clinical:
        return NEUTRAL, [], []
    if candidate.has_verified_credential:
        return 1.0, [Note("credential")], []
    return 0.0, [], [Note("credential_missing")]


def _safeguards(need: Need) -> float:
    return 1.0 if need.on_safeguards_list else 0.0


def _assess(candidate: Candidate, need: Need, today: date) -> dict[str, Assessed]:
    return {
        "profession": _profession(candidate, need),
        "grade": _grade(candidate, need),
        "skills": _levels(candidate.skills, need.skills, "skill"),
        "languages": _levels(candidate.languages, need.languages, "language"),
        "country_tie": _country_tie(candidate, need),
        "modality": _modality(candidate, need),
        "hours": _hours_part(candidate, need),
        "dates": _dates(candidate, need, today),
        "credential": _credential(candidate, need),
        "safeguards": (_safeguards(need), [], []),
    }


def _match(parts: dict[str, float], assessed: dict[str, Assessed]) -> Match:
    total = 0.0
    for name in WEIGHTS:
        total += parts[name]
    reasons = tuple(note for name in WEIGHTS for note in assessed[name][1])
    gaps = tuple(note for name in WEIGHTS for note in assessed[name][2])
    return Match(total, parts, reasons, gaps)


def score(
    candidate: Candidate, need: Need, today: date, *, for_candidate: bool = False
) -> Match | None:
    """The match between one person and one need, or None when a hard filter excludes it."""
    if exclusion(candidate, need, for_candidate=for_candidate) is not None:
        return None
    assessed = _assess(candidate, need, today)
    parts = {name: WEIGHTS[name] * assessed[name][0] for name in WEIGHTS}
    return _match(parts, assessed)


# --- Many candidates for one need, with numpy ------------------------------------------------
#
# The loops below run over what the need asks for (a few skills or languages), never over the
# candidates; each array operation repeats, per candidate, the very floating-point operations of
# the plain path, in the same order, so the results are equal, not merely close.


def _column(values: Sequence, dtype) -> np.ndarray:
    return np.fromiter(values, dtype=dtype, count=len(values))


def _levels_array(held: list[Mapping[str, int]], wanted: Mapping[str, int]) -> np.ndarray:
    if not wanted:
        return np.full(len(held), NEUTRAL)
    total = np.zeros(len(held))
    for code, want in wanted.items():
        have = _column([levels.get(code, 0) for levels in held], np.int64)
        total += np.where(have >= want, 1.0, PARTIAL * have / want)
    return total / len(wanted)


def _fractions(candidates: Sequence[Candidate], need: Need, today: date) -> dict[str, np.ndarray]:
    count = len(candidates)

    def membership(values: list[str | None], wanted: frozenset[str]) -> np.ndarray:
        if not wanted:
            return np.full(count, NEUTRAL)
        return _column([value in wanted for value in values], np.float64)

    if need.hours_per_month is None:
        hours = np.full(count, NEUTRAL)
    else:
        want = need.hours_per_month
        have = _column(
            [-1 if c.hours_per_month is None else c.hours_per_month for c in candidates],
            np.int64,
        )
        hours = np.where(have < 0, 0.0, np.where(have >= want, 1.0, have / want))

    dates = np.zeros(count)
    divisor = 1
    if need.modality != REMOTE:
        divisor = 2
        dates += _column([_window(c, need, today) is not None for c in candidates], np.float64)
    dates += _column(
        [_availability_credit(c.unavailable_until, need, today) for c in candidates], np.float64
    )

    return {
        "profession": membership([c.profession for c in candidates], need.professions),
        "grade": membership([c.grade for c in candidates], need.grades),
        "skills": _levels_array([c.skills for c in candidates], need.skills),
        "languages": _levels_array([c.languages for c in candidates], need.languages),
        "country_tie": _column([_tie_credit(c, need.country) for c in candidates], np.float64),
        "modality": _column(
            [
                0.0 if c.modality is None else MODALITY_CREDIT.get((need.modality, c.modality), 0.0)
                for c in candidates
            ],
            np.float64,
        ),
        "hours": hours,
        "dates": dates / divisor,
        "credential": (
            _column([c.has_verified_credential for c in candidates], np.float64)
            if need.clinical
            else np.full(count, NEUTRAL)
        ),
        "safeguards": np.full(count, _safeguards(need)),
    }


def _parts_array(
    candidates: Sequence[Candidate], need: Need, today: date, for_candidate: bool
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(score per candidate, NaN where excluded; weighted part per component)."""
    fractions = _fractions(candidates, need, today)
    parts = {name: WEIGHTS[name] * fractions[name] for name in WEIGHTS}
    total = np.zeros(len(candidates))
    for name in WEIGHTS:
        total += parts[name]
    excluded = _column(
        [exclusion(c, need, for_candidate=for_candidate) is not None for c in candidates], bool
    )
    total[excluded] = np.nan
    return total, parts


def score_array(
    candidates: Sequence[Candidate], need: Need, today: date, *, for_candidate: bool = False
) -> np.ndarray:
    """Every candidate's score as a float array, NaN where a hard filter excludes them."""
    return _parts_array(candidates, need, today, for_candidate)[0]


def score_many(
    candidates: Sequence[Candidate], need: Need, today: date, *, for_candidate: bool = False
) -> list[Match | None]:
    """`score` for each candidate, in order: the numbers from the arrays, the words per person."""
    total, parts = _parts_array(candidates, need, today, for_candidate)
    matches: list[Match | None] = []
    for index, candidate in enumerate(candidates):
        if np.isnan(total[index]):
            matches.append(None)
            continue
        assessed = _assess(candidate, need, today)
        match = _match({name: float(parts[name][index]) for name in WEIGHTS}, assessed)
        matches.append(match)
    return matches


def top(
    candidates: Sequence[Candidate],
    need: Need,
    today: date,
    limit: int,
    *,
    for_candidate: bool = False,
) -> list[tuple[int, Match]]:
    """The best `limit` candidates as (index in `candidates`, match), best first; equal scores
    keep the candidates' order. Only these few get their reasons and gaps worked out."""
    if limit <= 0 or not candidates:
        return []
    scores = score_array(candidates, need, today, for_candidate=for_candidate)
    results = []
    for index in _best(scores, limit):
        match = score(candidates[index], need, today, for_candidate=for_candidate)
        assert match is not None
        results.append((int(index), match))
    return results


# --- Many needs for one candidate --------------------------------------------------------------
#
# The person's recommendations: one candidate against every open need. Each need asks for
# different codes, so the fractions are worked out need by need with the plain path's own
# functions (a loop over needs, never over a need's candidates), then weighted and summed as
# arrays in the order of `WEIGHTS`: the same floating-point operations as `score`.


def _levels_credit(held: Mapping[str, int], wanted: Mapping[str, int]) -> float:
    """`_levels`'s number without its notes."""
    if not wanted:
        return NEUTRAL
    total = 0.0
    for code, want in wanted.items():
        total += _credit(held.get(code, 0), want)
    return total / len(wanted)


def _membership_credit(value: str | None, wanted: frozenset[str]) -> float:
    if not wanted:
        return NEUTRAL
    return 1.0 if value in wanted else 0.0


def _dates_credit(candidate: Candidate, need: Need, today: date) -> float:
    """`_dates`'s number without its notes."""
    total, count = 0.0, 1
    if need.modality != REMOTE:
        count = 2
        total += 1.0 if _window(candidate, need, today) is not None else 0.0
    total += _availability_credit(candidate.unavailable_until, need, today)
    return total / count


def _need_fractions(
    candidate: Candidate, needs: Sequence[Need], today: date
) -> dict[str, np.ndarray]:
    c = candidate

    def column(credit: Callable[[Need], float]) -> np.ndarray:
        return _column([credit(need) for need in needs], np.float64)

    return {
        "profession": column(lambda n: _membership_credit(c.profession, n.professions)),
        "grade": column(lambda n: _membership_credit(c.grade, n.grades)),
        "skills": column(lambda n: _levels_credit(c.skills, n.skills)),
        "languages": column(lambda n: _levels_credit(c.languages, n.languages)),
        "country_tie": column(lambda n: _tie_credit(c, n.country)),
        "modality": column(
            lambda n: (
                0.0 if c.modality is None else MODALITY_CREDIT.get((n.modality, c.modality), 0.0)
            )
        ),
        "hours": column(lambda n: _hours_credit(c.hours_per_month, n.hours_per_month)),
        "dates": column(lambda n: _dates_credit(c, n, today)),
        "credential": column(
            lambda n: (1.0 if c.has_verified_credential else 0.0) if n.clinical else NEUTRAL
        ),
        "safeguards": column(_safeguards),
    }


def score_needs(
    candidate: Candidate, needs: Sequence[Need], today: date, *, for_candidate: bool = True
) -> np.ndarray:
    """The candidate's score for every need as a float array, NaN where a hard filter excludes
    the pair. `for_candidate` defaults to True: ranking needs is the person's own view."""
    fractions = _need_fractions(candidate, needs, today)
    total = np.zeros(len(needs))
    for name in WEIGHTS:
        total += WEIGHTS[name] * fractions[name]
    excluded = _column(
        [exclusion(candidate, n, for_candidate=for_candidate) is not None for n in needs], bool
    )
    total[excluded] = np.nan
    return total


def _best(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indexes of the `limit` best scores (NaN left out), best first; ties keep their order."""
    kept = np.flatnonzero(~np.isnan(scores))
    if len(kept) > limit:
        # Everyone scoring at least the limit-th best score, ties included, then a stable sort.
        threshold = np.partition(scores[kept], len(kept) - limit)[len(kept) - limit]
        kept = kept[scores[kept] >= threshold]
    return kept[np.argsort(-scores[kept], kind="stable")][:limit]


def top_needs(
    candidate: Candidate,
    needs: Sequence[Need],
    today: date,
    limit: int,
    *,
    for_candidate: bool = True,
) -> list[tuple[int, Match]]:
    """The best `limit` needs for the candidate as (index in `needs`, match), best first; equal
    scores keep the needs' order. Only these few get their reasons and gaps worked out."""
    if limit <= 0 or not needs:
        return []
    scores = score_needs(candidate, needs, today, for_candidate=for_candidate)
    results = []
    for index in _best(scores, limit):
        match = score(candidate, needs[index], today, for_candidate=for_candidate)
        assert match is not None
        results.append((int(index), match))
    return results
