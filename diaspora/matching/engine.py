"""Matching on the database: who to suggest for an opportunity, and what to recommend to a person.

Candidates for an opportunity, in three statements (docs/adr/0010-matching-at-scale.md):
1. Is it open, with a place left (`need_of`).
2. The pool, from the registry's indexes: the hard filters (the directory's privacy rule,
   consent, remote-only), relevance (the profession when the opportunity lists some, and at
   least one signal: a tie to its country, a wanted language, a wanted skill), each person's
   score worked out in SQL from scoring.py's constants, and only the ids of those who can be
   among the best kept.
3. Those few loaded, each reduced to what the opportunity asks (their tie kinds to its country,
   their levels in its skills and languages, the first travel window over its dates, a current
   verified registration), and ranked by `scoring.top`: the same match `scoring.score` gives
   for the whole profile.

Recommendations go the other way: the open opportunities the person is relevant to, in five
statements, ranked by `scoring.top_needs`.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.credentials.services import verified_credential_clause
from diaspora.directory.services import listed
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.engagements.states import LIVE
from diaspora.matching import scoring
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
    OpportunityStatus,
    SessionStatus,
    TeachingSession,
)
from diaspora.reference import catalogue
from diaspora.reference.places import country_names
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)


@dataclass(frozen=True)
class Ranked:
    """One suggested person for an opportunity."""

    user_id: int
    profile_id: int
    match: scoring.Match


@dataclass(frozen=True)
class Recommended:
    """One opportunity for a person."""

    opportunity_id: int
    match: scoring.Match


# --- The opportunity as a Need ---------------------------------------------------------------


def _day_start(today: date) -> datetime:
    return datetime.combine(today, time.min, tzinfo=UTC)


def _taken() -> Select:
    """Places taken per opportunity: accepted or active engagements."""
    return (
        select(Engagement.opportunity_id, func.count(Engagement.id).label("taken"))
        .where(Engagement.state.in_([EngagementState.ACCEPTED, EngagementState.ACTIVE]))
        .group_by(Engagement.opportunity_id)
    )


def has_place(today: date, taken: ColumnElement[int] | None = None) -> ColumnElement[bool]:
    """SQL on Opportunity: a place is left. Tele-teaching: some session from `today` on is
    scheduled and not booked to capacity; others: fewer accepted or active people than places
    (or no limit). `taken`: the places taken, when the statement joins `_taken()` already."""
    session_free = Opportunity.id.in_(
        select(TeachingSession.opportunity_id).where(
            TeachingSession.status == SessionStatus.SCHEDULED,
            TeachingSession.starts_at >= _day_start(today),
            TeachingSession.booked < TeachingSession.capacity,
        )
    )
    if taken is None:
        taken = (
            select(func.count(Engagement.id))
            .where(
                Engagement.opportunity_id == Opportunity.id,
                Engagement.state.in_([EngagementState.ACCEPTED, EngagementState.ACTIVE]),
            )
            .scalar_subquery()
        )
    return or_(
        and_(Opportunity.kind == OpportunityKind.TEACHING, session_free),
        and_(
            Opportunity.kind != OpportunityKind.TEACHING,
            or_(Opportunity.places.is_(None), taken < Opportunity.places),
        ),
    )


def is_open(today: date) -> ColumnElement[bool]:
    """SQL on Opportunity: published, taking people and not over."""
    return and_(
        Opportunity.status == OpportunityStatus.OPEN,
        Opportunity.published_at.is_not(None),
        or_(Opportunity.ends_on.is_(None), Opportunity.ends_on >= today),
    )


def _need(
    opportunity: Opportunity,
    professions: Sequence[str],
    skills: dict[str, int],
    languages: dict[str, int],
    *,
    open_: bool = True,
    full: bool = False,
    audience: frozenset[str] = frozenset(),
) -> scoring.Need:
    return scoring.Need(
        kind=opportunity.kind,
        modality=opportunity.modality,
        country=opportunity.country,
        professions=frozenset(professions),
        skills=skills,
        languages=languages,
        starts_on=opportunity.starts_on,
        ends_on=opportunity.ends_on,
        hours_per_month=opportunity.hours_per_month,
        clinical=scoring.is_clinical(opportunity.kind, opportunity.modality),
        open=open_,
        full=full,
        on_safeguards_list=catalogue.on_safeguards_list(opportunity.country),
        audience=audience & scoring.VISIBILITIES,
    )


def need_of(
    session: Session,
    opportunity: Opportunity,
    *,
    audience: Collection[str] = (),
    today: date | None = None,
) -> scoring.Need:
    """The opportunity as `scoring.Need`, seen by `audience` (one statement: open and a place)."""
    today = today or utcnow().date()
    open_, place = session.execute(
        select(is_open(today), has_place(today)).where(Opportunity.id == opportunity.id)
    ).one()
    return _need(
        opportunity,
        [wanted.profession for wanted in opportunity.professions],
        {wanted.code: wanted.min_level for wanted in opportunity.skills},
        {wanted.language: wanted.min_proficiency for wanted in opportunity.languages},
        open_=bool(open_),
        full=not place,
        audience=frozenset(audience),
    )


# --- Candidates for one opportunity ----------------------------------------------------------


def _signals(need: scoring.Need) -> Select:
    """Ids of profiles with a tie to the need's country, a wanted language or a wanted skill:
    each part a range of one index (ix_country_ties_search, ix_profile_languages_search,
    ix_profile_skills_search) that ends with the profile id."""
    parts = [select(CountryTie.profile_id).where(CountryTie.country == need.country)]
    if need.languages:
        parts.append(
            select(LanguageSkill.profile_id).where(
                LanguageSkill.language.in_(sorted(need.languages))
            )
        )
    if need.skills:
        parts.append(
            select(ProfileSkill.profile_id).where(ProfileSkill.code.in_(sorted(need.skills)))
        )
    return union_all(*parts) if len(parts) > 1 else parts[0]  # IN removes the repeats


def _pool(
    opportunity: Opportunity, need: scoring.Need, *, for_candidate: bool
) -> list[ColumnElement[bool]]:
    """The SQL prefilter: hard filters and relevance."""
    sp = StaffProfile
    where = [
        sp.id.in_(_signals(need)),
        sp.user_id.not_in(
            select(Engagement.user_id).where(
                Engagement.opportunity_id == opportunity.id, Engagement.state.in_(LIVE)
            )
        ),
    ]
    if for_candidate:  # the person's own view: complete and active, whoever may see them
        where += [
            sp.completed_at.is_not(None),
            # NOT active, as the partial index ix_users_disabled is defined.
            sp.user_id.not_in(select(User.id).where(not_(User.active))),
        ]
    else:
        where += listed(frozenset(need.audience - {scoring.PRIVATE}))
        where.append(sp.consent_to_contact.is_(True))
    if need.modality != scoring.REMOTE:
        where.append(or_(sp.modality.is_(None), sp.modality != scoring.REMOTE))
    if need.professions:
        where.append(sp.profession.in_(sorted(need.professions)))
    return where


def _window_start(need: scoring.Need, today: date) -> date:
    return max(need.starts_on, today) if need.starts_on else today


def _candidate_columns(need: scoring.Need, today: date) -> list:
    """Per profile, only what the need asks about, each from a unique index on the child."""
    sp = StaffProfile
    columns: list = [
        sp.id,
        sp.user_id,
        sp.profession,
        sp.grade,
        sp.modality,
        sp.hours_per_month,
        sp.unavailable_until,
        sp.visibility,
        sp.consent_to_contact,
    ]
    for kind in scoring.TIE_KINDS:
        columns.append(
            exists().where(
                CountryTie.profile_id == sp.id,
                CountryTie.country == need.country,
                CountryTie.kind == kind,
            )
        )
    for code in need.skills:
        columns.append(
            select(ProfileSkill.level)
            .where(ProfileSkill.profile_id == sp.id, ProfileSkill.code == code)
            .scalar_subquery()
        )
    for code in need.languages:
        columns.append(
            select(LanguageSkill.proficiency)
            .where(LanguageSkill.profile_id == sp.id, LanguageSkill.language == code)
            .scalar_subquery()
        )
    if need.modality != scoring.REMOTE:
        window = [
            AvailabilityWindow.profile_id == sp.id,
            AvailabilityWindow.ends_on >= _window_start(need, today),
        ]
        if need.ends_on is not None:
            window.append(AvailabilityWindow.starts_on <= need.ends_on)
        for column in (AvailabilityWindow.starts_on, AvailabilityWindow.ends_on):
            columns.append(
                select(column)
                .where(*window)
                .order_by(AvailabilityWindow.starts_on, AvailabilityWindow.id)
                .limit(1)
                .scalar_subquery()
            )
    if need.clinical:
        columns.append(verified_credential_clause(today))
    return columns


def _as_candidate(row: Sequence, need: scoring.Need) -> scoring.Candidate:
    """A pool row as a Candidate holding what the need asks about: scoring looks at nothing
    else, so the match is the one the whole profile would get."""
    kinds = frozenset(kind for kind, tied in zip(scoring.TIE_KINDS, row[9:13], strict=True) if tied)
    at = 13
    skills = {}
    for code in need.skills:
        if row[at]:
            skills[code] = row[at]
        at += 1
    languages = {}
    for code in need.languages:
        if row[at]:
            languages[code] = row[at]
        at += 1
    windows: tuple[tuple[date, date], ...] = ()
    if need.modality != scoring.REMOTE:
        if row[at] is not None:
            windows = ((row[at], row[at + 1]),)
        at += 2
    return scoring.Candidate(
        profession=row[2],
        grade=row[3],
        skills=skills,
        languages=languages,
        ties={need.country: kinds} if kinds else {},
        modality=row[4],
        hours_per_month=row[5],
        windows=windows,
        unavailable_until=row[6],
        has_verified_credential=bool(row[at]) if need.clinical else False,
        visibility=row[7],
        consent_to_contact=bool(row[8]),
    )


def _sql_score(need: scoring.Need, today: date) -> tuple[list, ColumnElement[float]]:
    """`scoring.score` for this need as SQL, from the constants of scoring.py: (outer joins,
    score). Only to choose whom to load: the ranking itself is `scoring.top`'s, and the few
    floating-point differences between SQL and Python are covered by `_MARGIN`."""
    sp = StaffProfile
    joins: list = []
    parts: dict[str, ColumnElement] = {}

    def const(value: float) -> ColumnElement:
        return literal(value, Float)

    def membership(column, wanted: frozenset[str]) -> ColumnElement:
        if not wanted:
            return const(scoring.NEUTRAL)
        return case((column.in_(sorted(wanted)), const(1.0)), else_=const(0.0))

    def levels(model, code_column, level_column, wanted: Mapping[str, int]) -> ColumnElement:
        if not wanted:
            return const(scoring.NEUTRAL)
        total = None
        for code, want in wanted.items():
            held = aliased(model)
            joins.append((held, and_(held.profile_id == sp.id, getattr(held, code_column) == code)))
            have = func.coalesce(getattr(held, level_column), 0)
            credit = case(
                (have >= want, const(1.0)), else_=const(scoring.PARTIAL) * have / const(want)
            )
            total = credit if total is None else total + credit
        return total / const(len(wanted))

    ties = (
        select(
            CountryTie.profile_id.label("profile_id"),
            func.max(
                case(
                    *(
                        (CountryTie.kind == kind, const(credit))
                        for kind, credit in scoring.TIE_CREDIT.items()
                    ),
                    else_=const(0.0),
                )
            ).label("credit"),
        )
        .where(CountryTie.country == need.country)
        .group_by(CountryTie.profile_id)
        .subquery()
    )
    joins.append((ties, ties.c.profile_id == sp.id))
    parts["profession"] = membership(sp.profession, need.professions)
    parts["grade"] = membership(sp.grade, need.grades)
    parts["skills"] = levels(ProfileSkill, "code", "level", need.skills)
    parts["languages"] = levels(LanguageSkill, "language", "proficiency", need.languages)
    parts["country_tie"] = func.coalesce(ties.c.credit, const(0.0))
    parts["modality"] = case(
        *(
            (
                sp.modality == modality,
                const(scoring.MODALITY_CREDIT.get((need.modality, modality), 0.0)),
            )
            for modality in sorted(scoring.PROFILE_MODALITIES)
        ),
        else_=const(0.0),
    )
    want = need.hours_per_month
    if want is None:
        parts["hours"] = const(scoring.NEUTRAL)
    else:
        parts["hours"] = case(
            (sp.hours_per_month.is_(None), const(0.0)),
            (sp.hours_per_month >= want, const(1.0)),
            else_=cast(sp.hours_per_month, Float) / const(want),
        )
    start = _window_start(need, today)
    available = [
        (sp.unavailable_until.is_(None), const(1.0)),
        (sp.unavailable_until <= start, const(1.0)),
    ]
    if need.ends_on is not None:
        available.append((sp.unavailable_until <= need.ends_on, const(scoring.PARTIAL)))
    availability = case(*available, else_=const(0.0))
    if need.modality == scoring.REMOTE:
        parts["dates"] = availability / const(1)
    else:
        window = [AvailabilityWindow.ends_on >= start]
        if need.ends_on is not None:
            window.append(AvailabilityWindow.starts_on <= need.ends_on)
        windows = (
            select(AvailabilityWindow.profile_id.label("profile_id"))
            .where(*window)
            .group_by(AvailabilityWindow.profile_id)
            .subquery()
        )
        joins.append((windows, windows.c.profile_id == sp.id))
        has_window = case((windows.c.profile_id.is_(None), const(0.0)), else_=const(1.0))
        parts["dates"] = (has_window + availability) / const(2)
    if need.clinical:
        parts["credential"] = case(
            (verified_credential_clause(today), const(1.0)), else_=const(0.0)
        )
    else:
        parts["credential"] = const(scoring.NEUTRAL)
    parts["safeguards"] = const(1.0 if need.on_safeguards_list else 0.0)
    total = None
    for name, weight in scoring.WEIGHTS.items():
        part = const(weight) * parts[name]
        total = part if total is None else total + part
    return joins, total


# Scores computed in SQL may differ from scoring.py's in the last bits: whoever is within this
# of the limit-th best SQL score is loaded and scored exactly.
_MARGIN = 1e-6


def _best_ids(
    session: Session,
    opportunity: Opportunity,
    need: scoring.Need,
    today: date,
    limit: int,
    *,
    for_candidate: bool,
    extra: Sequence[ColumnElement[bool]] = (),
    min_score: float | None = None,
) -> list[int]:
    """Ids of the profiles in the pool that can be among the `limit` best (or reach
    `min_score`), by the SQL score: those at least the limit-th best score, less `_MARGIN`."""
    joins, total = _sql_score(need, today)
    statement = select(StaffProfile.id.label("id"), total.label("score"))
    for target, on in joins:
        statement = statement.outerjoin(target, on)
    pool = statement.where(*_pool(opportunity, need, for_candidate=for_candidate), *extra).cte(
        "pool"
    )
    if min_score is not None:
        floor = literal(min_score - _MARGIN, Float)
    else:
        best = select(pool.c.score).order_by(pool.c.score.desc()).limit(limit).subquery()
        floor = select(func.min(best.c.score)).scalar_subquery() - literal(_MARGIN, Float)
    return list(session.scalars(select(pool.c.id).where(pool.c.score >= floor)))


def _load(
    session: Session, need: scoring.Need, today: date, ids: Sequence[int]
) -> tuple[list[tuple[int, int]], list[scoring.Candidate]]:
    """These profiles by id: ((profile id, user id) each, Candidates) in one statement."""
    if not ids:
        return [], []
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        select(*_candidate_columns(need, today))
        .where(_ids_among(StaffProfile.id, ids, dialect))
        .order_by(StaffProfile.id)
    ).all()
    return [(row[0], row[1]) for row in rows], [_as_candidate(row, need) for row in rows]


def candidates(
    session: Session,
    opportunity: Opportunity,
    *,
    audience: frozenset[str],
    limit: int = 50,
    today: date | None = None,
) -> list[Ranked]:
    """Best people for an open opportunity as an organisation whose viewers see `audience`
    (privacy.listable_audiences) sees them: every hard filter applies (private, no consent,
    disabled account, incomplete profile, visibility not in audience, remote-only for on-site
    work, opportunity closed or full); people already engaged in it (any live engagement) are
    left out. Best first; ties by profile id. Three statements."""
    today = today or utcnow().date()
    need = need_of(session, opportunity, audience=audience, today=today)
    if not need.open or need.full or not (need.audience - {scoring.PRIVATE}) or limit <= 0:
        return []
    best = _best_ids(session, opportunity, need, today, limit, for_candidate=False)
    ids, pool = _load(session, need, today, best)
    return [
        Ranked(ids[index][1], ids[index][0], match)
        for index, match in scoring.top(pool, need, today, limit)
    ]


def matching_people(
    session: Session,
    opportunity: Opportunity,
    *,
    min_score: float,
    user_ids: Select | None = None,
    today: date | None = None,
) -> list[Ranked]:
    """For alerts: people whose own-view match (for_candidate=True: audience and consent do not
    apply, since nothing about them is shown to anyone) reaches `min_score`; `user_ids` an
    optional SQL select of user ids to restrict to (e.g. those who opted in). People already
    engaged in it are left out. Best first; ties by profile id. Three statements."""
    today = today or utcnow().date()
    need = need_of(session, opportunity, today=today)
    if not need.open or need.full:
        return []
    extra = [] if user_ids is None else [StaffProfile.user_id.in_(user_ids)]
    reaching = _best_ids(
        session, opportunity, need, today, 0, for_candidate=True, extra=extra, min_score=min_score
    )
    ids, pool = _load(session, need, today, reaching)
    scores = scoring.score_array(pool, need, today, for_candidate=True)
    reached = [index for index in range(len(pool)) if scores[index] >= min_score]
    reached.sort(key=lambda index: -scores[index])  # stable: ties stay by profile id
    results = []
    for index in reached:
        match = scoring.score(pool[index], need, today, for_candidate=True)
        assert match is not None
        results.append(Ranked(ids[index][1], ids[index][0], match))
    return results


# --- Recommendations for one person ----------------------------------------------------------


def candidate_of(
    session: Session, user: User, today: date | None = None
) -> tuple[StaffProfile, scoring.Candidate] | None:
    """The person's whole completed profile as a Candidate (three statements), or None."""
    today = today or utcnow().date()
    found = session.execute(
        select(StaffProfile, verified_credential_clause(today)).where(
            StaffProfile.user_id == user.id, StaffProfile.completed_at.is_not(None)
        )
    ).first()
    if found is None:
        return None
    profile, credential = found
    pid = profile.id
    ties: dict[str, set[str]] = {}
    skills: dict[str, int] = {}
    languages: dict[str, int] = {}
    parts = union_all(
        select(literal("tie"), CountryTie.country, CountryTie.kind, literal(0)).where(
            CountryTie.profile_id == pid
        ),
        select(literal("skill"), ProfileSkill.code, literal(""), ProfileSkill.level).where(
            ProfileSkill.profile_id == pid
        ),
        select(
            literal("language"), LanguageSkill.language, literal(""), LanguageSkill.proficiency
        ).where(LanguageSkill.profile_id == pid),
    )
    for part, code, kind, level in session.execute(parts):
        if part == "tie":
            ties.setdefault(code, set()).add(kind)
        elif part == "skill":
            skills[code] = level
        else:
            languages[code] = level
    windows = tuple(
        (first, last)
        for first, last in session.execute(
            select(AvailabilityWindow.starts_on, AvailabilityWindow.ends_on)
            .where(AvailabilityWindow.profile_id == pid)
            .order_by(AvailabilityWindow.starts_on, AvailabilityWindow.id)
        )
    )
    candidate = scoring.Candidate(
        profession=profile.profession,
        grade=profile.grade,
        skills=skills,
        languages=languages,
        ties={country: frozenset(kinds) for country, kinds in ties.items()},
        modality=profile.modality,
        hours_per_month=profile.hours_per_month,
        windows=windows,
        unavailable_until=profile.unavailable_until,
        has_verified_credential=bool(credential),
        visibility=profile.visibility,
        consent_to_contact=profile.consent_to_contact,
    )
    return profile, candidate


def _ids_among(column, ids: Sequence[int], dialect: str) -> ColumnElement[bool]:
    """`column IN ids` as one parameter whatever the count: an array on PostgreSQL, a JSON
    array read by json_each on SQLite (no limit on bound variables)."""
    if dialect == "postgresql":
        return column == func.any(literal(list(ids), ARRAY(Integer)))
    values = func.json_each(literal("[" + ",".join(str(int(i)) for i in ids) + "]"))
    return column.in_(select(values.table_valued("value").c.value))


def _wanted(ids: Sequence[int], dialect: str) -> Select:
    """The professions, skills and languages these opportunities want, in one statement."""
    return union_all(
        select(
            literal("profession"),
            OpportunityProfession.opportunity_id,
            OpportunityProfession.profession,
            literal(0),
        ).where(_ids_among(OpportunityProfession.opportunity_id, ids, dialect)),
        select(
            literal("skill"),
            OpportunitySkill.opportunity_id,
            OpportunitySkill.code,
            OpportunitySkill.min_level,
        ).where(_ids_among(OpportunitySkill.opportunity_id, ids, dialect)),
        select(
            literal("language"),
            OpportunityLanguage.opportunity_id,
            OpportunityLanguage.language,
            OpportunityLanguage.min_proficiency,
        ).where(_ids_among(OpportunityLanguage.opportunity_id, ids, dialect)),
    )


def _relevant(candidate: scoring.Candidate) -> ColumnElement[bool]:
    """SQL on Opportunity: the person's profession wanted or none listed, and a signal: a tie
    to its country, a wanted language spoken, a wanted skill held, or nothing of the three
    listed at all. Each a set of ids from one index (hashed once, not probed per row)."""
    with_professions = select(OpportunityProfession.opportunity_id)
    if candidate.profession is None:
        profession = Opportunity.id.not_in(with_professions)
    else:
        profession = or_(
            Opportunity.id.not_in(with_professions),
            Opportunity.id.in_(
                select(OpportunityProfession.opportunity_id).where(
                    OpportunityProfession.profession == candidate.profession
                )
            ),
        )
    signals = [
        and_(
            Opportunity.id.not_in(with_professions),
            Opportunity.id.not_in(select(OpportunitySkill.opportunity_id)),
            Opportunity.id.not_in(select(OpportunityLanguage.opportunity_id)),
        )
    ]
    if candidate.ties:
        signals.append(Opportunity.country.in_(sorted(candidate.ties)))
    wanted = []
    if candidate.languages:
        wanted.append(
            select(OpportunityLanguage.opportunity_id).where(
                OpportunityLanguage.language.in_(sorted(candidate.languages))
            )
        )
    if candidate.skills:
        wanted.append(
            select(OpportunitySkill.opportunity_id).where(
                OpportunitySkill.code.in_(sorted(candidate.skills))
            )
        )
    if wanted:
        signals.append(Opportunity.id.in_(union(*wanted) if len(wanted) > 1 else wanted[0]))
    return and_(profession, or_(*signals))


def recommendations(
    session: Session,
    user: User,
    *,
    limit: int = 20,
    today: date | None = None,
    exclude: Collection[int] = (),
    kinds: Collection[str] = (),
    countries: Collection[str] = (),
    modality: str | None = None,
) -> list[Recommended]:
    """Open, published, not full opportunities ranked for this person (for_candidate=True),
    minus `exclude` (opportunity ids: dismissed, already engaged) and filtered by kind,
    country, modality when given. Empty for a person without a completed profile.
    Five statements, however many opportunities and people there are."""
    today = today or utcnow().date()
    found = candidate_of(session, user, today)
    if found is None or limit <= 0:
        return []
    _, candidate = found
    # Places taken as one aggregate joined once, not a count per opportunity.
    taken = _taken().subquery()
    where = [
        is_open(today),
        has_place(today, func.coalesce(taken.c.taken, 0)),
        _relevant(candidate),
    ]
    if candidate.modality == scoring.REMOTE:
        where.append(Opportunity.modality == scoring.REMOTE)
    if exclude:
        where.append(Opportunity.id.not_in(sorted(set(exclude))))
    if kinds:
        where.append(Opportunity.kind.in_(sorted(set(kinds))))
    if countries:
        where.append(Opportunity.country.in_(sorted(set(countries))))
    if modality:
        where.append(Opportunity.modality == modality)
    rows = session.execute(
        select(
            Opportunity.id,
            Opportunity.kind,
            Opportunity.modality,
            Opportunity.country,
            Opportunity.starts_on,
            Opportunity.ends_on,
            Opportunity.hours_per_month,
        )
        .outerjoin(taken, taken.c.opportunity_id == Opportunity.id)
        .where(*where)
    ).all()
    if not rows:
        return []
    # Sorted here rather than in SQL: an ORDER BY id leads PostgreSQL to walk the primary key
    # through every opportunity, and the estimated cost of that plan switches on its JIT
    # compiler, which takes longer than the query.
    rows.sort(key=lambda row: row.id)
    ids = [row.id for row in rows]
    professions: dict[int, list[str]] = {}
    skills: dict[int, dict[str, int]] = {}
    languages: dict[int, dict[str, int]] = {}
    for part, oid, code, level in session.execute(_wanted(ids, session.get_bind().dialect.name)):
        if part == "profession":
            professions.setdefault(oid, []).append(code)
        elif part == "skill":
            skills.setdefault(oid, {})[code] = level
        else:
            languages.setdefault(oid, {})[code] = level
    needs = [
        _need(
            row,
            professions.get(row.id, ()),
            skills.get(row.id, {}),
            languages.get(row.id, {}),
        )
        for row in rows
    ]
    return [
        Recommended(ids[index], match)
        for index, match in scoring.top_needs(candidate, needs, today, limit)
    ]


# --- Words -----------------------------------------------------------------------------------


@cache
def labels() -> scoring.Labels:
    """Names for profession, grade, skill, language and country codes (reference data)."""
    return scoring.Labels(
        professions={code: p.name for code, p in catalogue.professions().items()},
        grades={code: row["name"] for code, row in catalogue.grades().items()},
        skills={code: row["name"] for code, row in catalogue.skills().items()},
        languages=catalogue.language_names(),
        countries=country_names(),
    )
