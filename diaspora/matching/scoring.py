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

from diaspora.core.words import N_, Words

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

    def text(self, labels: Labels = NO_LABELS) -> Words:
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

    def reason_texts(self, labels: Labels = NO_LABELS) -> list[Words]:
        return [note.text(labels) for note in self.reasons]

    def gap_texts(self, labels: Labels = NO_LABELS) -> list[Words]:
        return [note.text(labels) for note in self.gaps]


# --- Words -----------------------------------------------------------------------------------
# Each reason and gap is a whole sentence marked for the catalogues (`N_`): it reads as English
# text (the API's), and a page shows it in the reader's language, names and dates included
# (`diaspora.languages.translated`).


def _lower_first(name: str) -> str:
    """'Neonatal resuscitation' -> 'neonatal resuscitation'; acronyms ('HIV care') stay."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def _skill_name(note: Note, labels: Labels) -> str:
    name = labels.skills.get(note.code, note.code)
    lowered = getattr(name, "lowered", None)  # a reference Name lowers its translation too
    return lowered(_lower_first) if lowered else _lower_first(name)


def _skill_held(level: int, skill: str) -> Words:
    return {
        1: N_("Aware of %(skill)s", skill=skill),
        2: N_("Practitioner in %(skill)s", skill=skill),
        3: N_("Expert in %(skill)s", skill=skill),
        4: N_("Can teach %(skill)s", skill=skill),
    }[level]


# The levels as they read inside a sentence ("level wanted: expert").
_SKILL_LEVEL_WORDS = {
    1: N_("aware"),
    2: N_("practitioner"),
    3: N_("expert"),
    4: N_("can teach others"),
}
_PROFICIENCY_WORDS = {
    1: N_("basic"),
    2: N_("professional"),
    3: N_("fluent"),
    4: N_("native"),
}


def _want_level(level: int) -> Words:
    return _SKILL_LEVEL_WORDS[level]


def _proficiency(level: int) -> Words:
    return _PROFICIENCY_WORDS[level]


_TIE_WORDS = {
    BORN: N_("Born in %(country)s"),
    TRAINED: N_("Trained in %(country)s"),
    HERITAGE: N_("Family heritage in %(country)s"),
    WORKED: N_("Worked in %(country)s"),
}
_MODALITY_WORDS = {
    REMOTE: N_("Works remotely"),
    ON_SITE: N_("Works on site"),
    HYBRID: N_("Works remotely and on site"),
}
_MODALITY_MISMATCH = {
    REMOTE: N_("Works on site only; this is remote work"),
    ON_SITE: N_("Works on site only; this is work on site"),
    HYBRID: N_("Works on site only; this is hybrid work"),
}


def _name(labels: Mapping[str, str], code: str) -> str:
    return labels.get(code, code)


def _available(have: int, want: int | None) -> Words:
    if have == 1:
        return N_("Available %(have)s hour a month; %(want)s wanted", have=have, want=want)
    return N_("Available %(have)s hours a month; %(want)s wanted", have=have, want=want)


def _window_gap(note: Note, labels: Labels) -> Words:
    assert note.start is not None
    if note.end is None:
        return N_("No travel dates from %(start)s on", start=note.start)
    return N_("No travel dates between %(start)s and %(end)s", start=note.start, end=note.end)


def _unavailable(note: Note, labels: Labels) -> Words:
    assert note.start is not None
    if note.end is None:  # the need has already started, or has no start date
        return N_("Unavailable until %(start)s", start=note.start)
    return N_("Unavailable until %(start)s; starts %(end)s", start=note.start, end=note.end)


TEXTS: Mapping[str, Callable[[Note, Labels], Words]] = {
    # Reasons
    "profession": lambda n, lb: N_(
        "%(profession)s, a profession wanted", profession=_name(lb.professions, n.code)
    ),
    "grade": lambda n, lb: N_("%(grade)s, a grade wanted", grade=_name(lb.grades, n.code)),
    "skill": lambda n, lb: _skill_held(n.have, _skill_name(n, lb)),
    "language": lambda n, lb: N_(
        "Speaks %(language)s (%(level)s)",
        language=_name(lb.languages, n.code),
        level=_proficiency(n.have),
    ),
    "tie": lambda n, lb: N_(_TIE_WORDS[n.detail].msgid, country=_name(lb.countries, n.code)),
    "modality": lambda n, lb: _MODALITY_WORDS[n.detail],
    "hours": lambda n, lb: _available(n.have, n.want),
    "window": lambda n, lb: N_("Can travel %(start)s to %(end)s", start=n.start, end=n.end),
    "credential": lambda n, lb: N_("Verified professional registration"),
    # Gaps
    "profession_not_wanted": lambda n, lb: N_(
        "%(profession)s, not a profession wanted", profession=_name(lb.professions, n.code)
    ),
    "profession_unknown": lambda n, lb: N_("Profession not given"),
    "grade_not_wanted": lambda n, lb: N_(
        "%(grade)s, not a grade wanted", grade=_name(lb.grades, n.code)
    ),
    "grade_unknown": lambda n, lb: N_("Grade not given"),
    "skill_missing": lambda n, lb: N_(
        "Does not list %(skill)s (level wanted: %(level)s)",
        skill=_skill_name(n, lb),
        level=_want_level(n.want),
    ),
    "skill_below": lambda n, lb: N_(
        "%(held)s (level wanted: %(level)s)",
        held=_skill_held(n.have, _skill_name(n, lb)),
        level=_want_level(n.want),
    ),
    "language_missing": lambda n, lb: N_(
        "Does not speak %(language)s (level wanted: %(level)s)",
        language=_name(lb.languages, n.code),
        level=_proficiency(n.want),
    ),
    "language_below": lambda n, lb: N_(
        "Speaks %(language)s (%(have)s; level wanted: %(level)s)",
        language=_name(lb.languages, n.code),
        have=_proficiency(n.have),
        level=_proficiency(n.want),
    ),
    "modality_mismatch": lambda n, lb: _MODALITY_MISMATCH[n.detail],
    "modality_unknown": lambda n, lb: N_("Remote or on-site work not stated"),
    "hours_short": lambda n, lb: _available(n.have, n.want),
    "hours_unknown": lambda n, lb: N_("Hours a month not given; %(want)s wanted", want=n.want),
    "no_window": _window_gap,
    "unavailable": _unavailable,
    "credential_missing": lambda n, lb: N_("No verified professional registration (clinical work)"),
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


# --- Each part's credit, over arrays -----------------------------------------------------------
#
# The one formula for each part of the score, shared by every path: `score` and the functions
# scoring many pairs at once below, and the copies of the registry and of the open opportunities
# that matching keeps in memory (registry.py, openings.py). Each takes numpy arrays (a value that
# is the same for every pair may be a plain scalar, broadcast) and gives each pair's credit, from
# 0 to 1. Days are day numbers (`date.toordinal`): NO_DAY where there is none, EVER for an open
# end. Hours a month are negative where not given.

NO_DAY = np.iinfo(np.int32).min  # no date (never unavailable, no start, no registration)
EVER = np.iinfo(np.int32).max  # an open end; a registration that does not expire
TIE_BITS = {kind: 1 << index for index, kind in enumerate(TIE_KINDS)}  # kinds of tie as bits
_TIE_CREDITS = np.array(  # the credit of every set of kinds, by its bits
    [
        max((TIE_CREDIT[kind] for kind, bit in TIE_BITS.items() if bits & bit), default=0.0)
        for bits in range(1 << len(TIE_BITS))
    ]
)


def membership_credit(held, listed) -> np.ndarray:
    """Profession or grade: 1 where the person's is one wanted (`held`), 0 where not; NEUTRAL
    where the need lists none (`listed` false)."""
    return np.where(listed, held, NEUTRAL)


def levels_credit(have: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Skills or languages: the mean credit over what is wanted, NEUTRAL where nothing is. Row
    i of `want` is each pair's i-th level wanted, as the need lists them (0: no i-th), and of
    `have` the level the person holds of it (0: none); below the level wanted, PARTIAL x held /
    wanted."""
    if not len(want):  # nothing wanted of any pair
        return np.full(np.broadcast_shapes(np.shape(have), np.shape(want))[1:], NEUTRAL)
    asked = want > 0
    credit = np.where(have >= want, asked, PARTIAL * have / np.maximum(want, 1))
    total = np.zeros(credit.shape[1:])
    for row in credit:  # one by one, in the order wanted
        total += row
    count = asked.sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), NEUTRAL)


def tie_credit(bits) -> np.ndarray:
    """Country tie: the strongest kind of tie to the need's country, `bits` the kinds as
    `TIE_BITS` (0: no tie)."""
    return _TIE_CREDITS[bits]


def tie_bits(kinds) -> int:
    """The kinds of tie as bits, for `tie_credit`."""
    return sum(TIE_BITS[kind] for kind in kinds)


def modality_credit(need, person) -> np.ndarray:
    """Modality: `MODALITY_CREDIT` of the need's modality and the person's (None: not stated,
    nothing), either a sequence of them."""
    pairs = np.broadcast(np.asarray(need, dtype=object), np.asarray(person, dtype=object))
    credits = (MODALITY_CREDIT.get(pair, 0.0) for pair in pairs)
    return np.fromiter(credits, np.float64, count=pairs.size).reshape(pairs.shape)


def hours_credit(have, want) -> np.ndarray:
    """Hours a month: enough, or the share of those wanted; nothing for a person who has not
    said, NEUTRAL where the need does not say."""
    share = np.where(have >= want, 1.0, have / np.maximum(want, 1))
    return np.where(want < 0, NEUTRAL, np.where(have < 0, 0.0, share))


def first_day(starts, today: int):
    """The first day that matters: the need's start, or today if it has started or has none."""
    return np.maximum(starts, today)


def overlaps(first, last, start, end):
    """A travel window from `first` to `last` overlaps the need's days from `start` to `end`."""
    return (last >= start) & (first <= end)


def dates_credit(remote, window, until, start, end) -> np.ndarray:
    """Dates: availability (1 if unavailable until no later than `start`, the first day that
    matters; PARTIAL if until no later than a dated `end`: the person can join part way) and, for
    work on site, a travel window overlapping its days (`window`), averaged."""
    dated = end != EVER
    available = np.where(until <= start, 1.0, np.where(dated & (until <= end), PARTIAL, 0.0))
    return np.where(remote, available, (window + available) / 2)


def credential_credit(clinical, verified) -> np.ndarray:
    """Credential: a verified professional registration, for clinical work (NEUTRAL otherwise)."""
    return np.where(clinical, verified, NEUTRAL)


def safeguards_credit(on_list) -> np.ndarray:
    """Safeguards: the need's country is on the WHO safeguards list."""
    return np.where(on_list, 1.0, 0.0)


def weighted(fractions: Mapping[str, np.ndarray], count: int) -> tuple[np.ndarray, dict]:
    """(the score of each of `count` pairs, each part's weighted credit) from each part's credit
    (the keys of `WEIGHTS`): the parts added in the order of `WEIGHTS`. A part the same for
    every pair may be a scalar."""
    parts = {name: weight * fractions[name] for name, weight in WEIGHTS.items()}
    total = np.zeros(count)
    for part in parts.values():
        total += part
    return total, parts


# --- Pairs of candidates and needs -------------------------------------------------------------
#
# The numbers come from the part functions above, for any number of pairs at once (one need
# against many candidates, or one candidate against many needs); the reasons and gaps are worked
# out in plain Python, pair by pair, for the matches shown.


def _column(values: Sequence, dtype) -> np.ndarray:
    return np.fromiter(values, dtype=dtype, count=len(values))


def day_number(value: date | None, none: int = NO_DAY) -> int:
    """A date as the day number the arrays hold; `none` stands for no date."""
    return none if value is None else value.toordinal()


def _hours_number(value: int | None) -> int:
    return -1 if value is None else value


def _window(candidate: Candidate, start: int, end: int) -> tuple[date, date] | None:
    """The person's first travel window overlapping the need's days from `start` to `end`."""
    for first, last in candidate.windows:
        if overlaps(first.toordinal(), last.toordinal(), start, end):
            return first, last
    return None


def _fractions(
    pairs: Sequence[tuple[Candidate, Need]], today: date
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(each part's credit for each (candidate, need) pair; each pair's first day that matters,
    which the notes about dates reuse)."""

    count = len(pairs)

    def levels(name: str) -> np.ndarray:
        wanted = [getattr(n, name) for _c, n in pairs]
        width = max(map(len, wanted), default=0)
        have = [[0] * count for _ in range(width)]
        want = [[0] * count for _ in range(width)]
        for row, ((c, _n), asked) in enumerate(zip(pairs, wanted, strict=True)):
            held = getattr(c, name)
            for at, (code, level) in enumerate(asked.items()):
                have[at][row], want[at][row] = held.get(code, 0), level
        both = np.array([have, want], dtype=np.int64).reshape(2, width, count)
        return levels_credit(both[0], both[1])

    # The numbers each part reads, one row per pair (booleans as 0 and 1), made into an array
    # at once; its columns are the parts' arguments.
    (
        profession,
        professions_listed,
        grade,
        grades_listed,
        ties,
        hours_held,
        hours_wanted,
        remote,
        until,
        starts,
        end,
        clinical,
        verified,
        on_list,
    ) = (
        np.array(
            [
                (
                    c.profession in n.professions,
                    bool(n.professions),
                    c.grade in n.grades,
                    bool(n.grades),
                    tie_bits(c.ties.get(n.country, ())),
                    _hours_number(c.hours_per_month),
                    _hours_number(n.hours_per_month),
                    n.modality == REMOTE,
                    day_number(c.unavailable_until),
                    day_number(n.starts_on),
                    day_number(n.ends_on, EVER),
                    n.clinical,
                    c.has_verified_credential,
                    n.on_safeguards_list,
                )
                for c, n in pairs
            ],
            dtype=np.int64,
        )
        .reshape(count, 14)
        .T
    )
    start = first_day(starts, today.toordinal())
    spans = zip(pairs, start.tolist(), end.tolist(), strict=True)
    window = [_window(c, first, last) is not None for (c, _n), first, last in spans]
    fractions = {
        "profession": membership_credit(profession, professions_listed),
        "grade": membership_credit(grade, grades_listed),
        "skills": levels("skills"),
        "languages": levels("languages"),
        "country_tie": tie_credit(ties),
        "modality": modality_credit(
            [n.modality for _c, n in pairs], [c.modality for c, _n in pairs]
        ),
        "hours": hours_credit(hours_held, hours_wanted),
        "dates": dates_credit(remote, np.array(window, dtype=bool), until, start, end),
        "credential": credential_credit(clinical, verified),
        "safeguards": safeguards_credit(on_list),
    }
    return fractions, start


Notes = tuple[list[Note], list[Note]]  # reasons, gaps


def _wanted(kind: str, value: str | None, wanted: frozenset[str]) -> Notes:
    """Profession or grade."""
    if not wanted:
        return [], []
    if value is None:
        return [], [Note(f"{kind}_unknown")]
    if value in wanted:
        return [Note(kind, value)], []
    return [], [Note(f"{kind}_not_wanted", value)]


def _levels(held: Mapping[str, int], wanted: Mapping[str, int], name: str) -> Notes:
    reasons, gaps = [], []
    for code, want in wanted.items():
        have = held.get(code, 0)
        if have >= want:
            reasons.append(Note(name, code, have=have, want=want))
        elif have:
            gaps.append(Note(f"{name}_below", code, have=have, want=want))
        else:
            gaps.append(Note(f"{name}_missing", code, want=want))
    return reasons, gaps


def _modality(candidate: Candidate, need: Need) -> Notes:
    if candidate.modality is None:
        return [], [Note("modality_unknown")]
    if MODALITY_CREDIT[need.modality, candidate.modality] == 1.0:
        return [Note("modality", candidate.modality, detail=need.modality)], []
    return [], [Note("modality_mismatch", candidate.modality, detail=need.modality)]


def _hours_notes(candidate: Candidate, need: Need) -> Notes:
    have, want = candidate.hours_per_month, need.hours_per_month
    if want is None:
        return [], []
    if have is None:
        return [], [Note("hours_unknown", want=want)]
    if have >= want:
        return [Note("hours", have=have, want=want)], []
    return [], [Note("hours_short", have=have, want=want)]


def _dates(candidate: Candidate, need: Need, start: int, today: date) -> Notes:
    """`start`: the first day that matters (`first_day`), as `_fractions` worked it out."""
    reasons, gaps = [], []
    end = day_number(need.ends_on, EVER)
    if need.modality != REMOTE:
        window = _window(candidate, start, end)
        if window is not None:
            reasons.append(Note("window", start=window[0], end=window[1]))
        else:
            gaps.append(Note("no_window", start=date.fromordinal(start), end=need.ends_on))
    until = candidate.unavailable_until
    if until is not None and until.toordinal() > start:
        first = date.fromordinal(start)
        gaps.append(Note("unavailable", start=until, end=first if first > today else None))
    return reasons, gaps


def _credential(candidate: Candidate, need: Need) -> Notes:
    if not need.clinical:
        return [], []
    if candidate.has_verified_credential:
        return [Note("credential")], []
    return [], [Note("credential_missing")]


@dataclass(frozen=True)
class _Scored:
    total: np.ndarray  # the score of each pair, NaN where a hard filter excludes it
    parts: dict[str, np.ndarray]  # each part's weighted credit for each pair
    start: np.ndarray  # each pair's first day that matters, for the notes about dates


def _scored(pairs: Sequence[tuple[Candidate, Need]], today: date, for_candidate: bool) -> _Scored:
    fractions, start = _fractions(pairs, today)
    total, parts = weighted(fractions, len(pairs))
    excluded = _column(
        [exclusion(c, n, for_candidate=for_candidate) is not None for c, n in pairs], bool
    )
    total[excluded] = np.nan
    return _Scored(total, parts, start)


def _matches(
    pairs: Sequence[tuple[Candidate, Need]], indexes: Sequence[int], today: date, scored: _Scored
) -> list[Match]:
    """The matches of the pairs at `indexes` (not excluded), from their numbers in `scored`,
    with their reasons and gaps in the order of `WEIGHTS`. The numbers of those pairs are taken
    out of the arrays at once, as Python floats."""
    chosen = np.asarray(indexes, dtype=np.int64)
    totals = scored.total[chosen].tolist()
    starts = scored.start[chosen].tolist()
    names = list(scored.parts)
    numbers = np.array([scored.parts[name] for name in names])[:, chosen].T.tolist()
    matches = []
    for at, index in enumerate(chosen.tolist()):
        candidate, need = pairs[index]
        kinds = candidate.ties.get(need.country, frozenset())
        notes = (
            _wanted("profession", candidate.profession, need.professions),
            _wanted("grade", candidate.grade, need.grades),
            _levels(candidate.skills, need.skills, "skill"),
            _levels(candidate.languages, need.languages, "language"),
            ([Note("tie", need.country, detail=kind) for kind in TIE_KINDS if kind in kinds], []),
            _modality(candidate, need),
            _hours_notes(candidate, need),
            _dates(candidate, need, starts[at], today),
            _credential(candidate, need),
        )
        reasons = tuple(note for found, _missing in notes for note in found)
        gaps = tuple(note for _found, missing in notes for note in missing)
        parts = dict(zip(names, numbers[at], strict=True))
        matches.append(Match(totals[at], parts, reasons, gaps))
    return matches


def score(
    candidate: Candidate, need: Need, today: date, *, for_candidate: bool = False
) -> Match | None:
    """The match between one person and one need, or None when a hard filter excludes it."""
    if exclusion(candidate, need, for_candidate=for_candidate) is not None:
        return None
    pairs = [(candidate, need)]
    return _matches(pairs, [0], today, _scored(pairs, today, for_candidate))[0]


def _best(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indexes of the `limit` best scores (NaN left out), best first; ties keep their order."""
    kept = np.flatnonzero(~np.isnan(scores))
    if len(kept) > limit:
        # Everyone scoring at least the limit-th best score, ties included, then a stable sort.
        threshold = np.partition(scores[kept], len(kept) - limit)[len(kept) - limit]
        kept = kept[scores[kept] >= threshold]
    return kept[np.argsort(-scores[kept], kind="stable")][:limit]


def _top(
    pairs: Sequence[tuple[Candidate, Need]], today: date, limit: int, for_candidate: bool
) -> list[tuple[int, Match]]:
    if limit <= 0 or not pairs:
        return []
    scored = _scored(pairs, today, for_candidate)
    best = _best(scored.total, limit).tolist()
    return list(zip(best, _matches(pairs, best, today, scored), strict=True))


# --- Many candidates for one need ----------------------------------------------------------------


def score_array(
    candidates: Sequence[Candidate], need: Need, today: date, *, for_candidate: bool = False
) -> np.ndarray:
    """Every candidate's score as a float array, NaN where a hard filter excludes them."""
    return _scored([(c, need) for c in candidates], today, for_candidate).total


def score_many(
    candidates: Sequence[Candidate], need: Need, today: date, *, for_candidate: bool = False
) -> list[Match | None]:
    """`score` for each candidate, in order: the numbers from the arrays, the words per person."""
    pairs = [(c, need) for c in candidates]
    scored = _scored(pairs, today, for_candidate)
    kept = np.flatnonzero(~np.isnan(scored.total)).tolist()
    matches: list[Match | None] = [None] * len(pairs)
    for index, match in zip(kept, _matches(pairs, kept, today, scored), strict=True):
        matches[index] = match
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
    return _top([(c, need) for c in candidates], today, limit, for_candidate)


# --- Many needs for one candidate (recommendations) ----------------------------------------------


def score_needs(
    candidate: Candidate, needs: Sequence[Need], today: date, *, for_candidate: bool = True
) -> np.ndarray:
    """The candidate's score for every need as a float array, NaN where a hard filter excludes
    the pair. `for_candidate` defaults to True: ranking needs is the person's own view."""
    return _scored([(candidate, n) for n in needs], today, for_candidate).total


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
    return _top([(candidate, n) for n in needs], today, limit, for_candidate)
