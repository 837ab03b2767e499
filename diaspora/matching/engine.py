"""Matching: who to suggest for an opportunity, and what to recommend to a person.

Candidates for an opportunity (docs/adr/0010-matching-at-scale.md):
1. Is it open, with a place left (`need_of`, one statement), and who is engaged in it already
   (one statement).
2. The pool, from the staff profiles kept in memory (`staff_pool.StaffPool.choose`, one
   statement to catch up with the registry's changes): the hard filters (the directory's
   privacy rule, consent, remote-only, not engaged), relevance (the profession when the
   opportunity lists some, and at least one signal: a tie to its country, a wanted language, a
   wanted skill), each person's score, and only the ids of those who can be among the best
   kept.
3. Those few loaded (one statement, the hard filters checked again in SQL), each reduced to
   what the opportunity asks (their tie kinds to its country, their levels in its skills and
   languages, the first travel window over its dates, a current verified registration), and
   ranked by `scoring.top`: the same match `scoring.score` gives for the whole profile.

Recommendations go the other way: the open opportunities the person is relevant to, from a
copy kept in memory too (`openings.Openings`), their places checked for the best few, ranked by
`scoring.top_needs`.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.time import utcnow
from diaspora.core.words import CountryName, LanguageName
from diaspora.credentials.services import verified_credential_clause
from diaspora.directory.services import listed
from diaspora.engagements.models import Engagement, EngagementState
from diaspora.engagements.states import LIVE
from diaspora.matching import openings, scoring, staff_pool
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityKind,
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


def has_place(today: date) -> ColumnElement[bool]:
    """SQL on Opportunity: a place is left. Tele-teaching: some session from `today` on is
    scheduled and not booked to capacity; others: fewer accepted or active people than places
    (or no limit). Correlated, for the few opportunities asked about at a time."""
    session_free = exists().where(
        TeachingSession.opportunity_id == Opportunity.id,
        TeachingSession.status == SessionStatus.SCHEDULED,
        TeachingSession.starts_at >= _day_start(today),
        TeachingSession.booked < TeachingSession.capacity,
    )
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
    return openings.as_need(
        opportunity,
        [wanted.profession for wanted in opportunity.professions],
        {wanted.code: wanted.min_level for wanted in opportunity.skills},
        {wanted.language: wanted.min_proficiency for wanted in opportunity.languages},
        open_=bool(open_),
        full=not place,
        audience=frozenset(audience),
    )


# --- Candidates for one opportunity ----------------------------------------------------------


def _hard_filters(
    opportunity: Opportunity, need: scoring.Need, *, for_candidate: bool
) -> list[ColumnElement[bool]]:
    """The hard filters as SQL, the same as `staff_pool.StaffPool.choose` applies in memory:
    checked again on the few people loaded, so nobody is ever shown who should not be."""
    sp = StaffProfile
    where = [
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


def _load(
    session: Session,
    opportunity: Opportunity,
    need: scoring.Need,
    today: date,
    ids: Sequence[int],
    *,
    for_candidate: bool,
) -> tuple[list[tuple[int, int]], list[scoring.Candidate]]:
    """These profiles by id, if they are still in the pool (the hard filters checked again in
    the database): ((profile id, user id) each, Candidates), in one statement."""
    if not ids:
        return [], []
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        select(*_candidate_columns(need, today))
        .where(
            _ids_among(StaffProfile.id, ids, dialect),
            *_hard_filters(opportunity, need, for_candidate=for_candidate),
        )
        .order_by(StaffProfile.id)
    ).all()
    return [(row[0], row[1]) for row in rows], [_as_candidate(row, need) for row in rows]


def _engaged(session: Session, opportunity: Opportunity) -> set[int]:
    """Users with a live engagement in the opportunity: never suggested for it."""
    return set(
        session.scalars(
            select(Engagement.user_id).where(
                Engagement.opportunity_id == opportunity.id, Engagement.state.in_(LIVE)
            )
        )
    )


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
    left out. Best first; ties by profile id. Four statements, and six more when profiles
    changed since the last call (the registry reloads them)."""
    today = today or utcnow().date()
    need = need_of(session, opportunity, audience=audience, today=today)
    if not need.open or need.full or not (need.audience - {scoring.PRIVATE}) or limit <= 0:
        return []
    best = staff_pool.StaffPool.of_app().choose(
        session,
        need,
        today,
        for_candidate=False,
        limit=limit,
        engaged=_engaged(session, opportunity),
    )
    ids, pool = _load(session, opportunity, need, today, best, for_candidate=False)
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
    engaged in it are left out. Best first; ties by profile id. Four statements, five with
    `user_ids`, and six more when profiles changed since the last call."""
    today = today or utcnow().date()
    need = need_of(session, opportunity, today=today)
    if not need.open or need.full:
        return []
    reaching = staff_pool.StaffPool.of_app().choose(
        session,
        need,
        today,
        for_candidate=True,
        min_score=min_score,
        engaged=_engaged(session, opportunity),
        only_users=None if user_ids is None else set(session.scalars(user_ids)),
    )
    ids, pool = _load(session, opportunity, need, today, reaching, for_candidate=True)
    matches = scoring.score_many(pool, need, today, for_candidate=True)
    reached = [
        index
        for index, match in enumerate(matches)
        if match is not None and match.score >= min_score
    ]
    reached.sort(key=lambda index: -matches[index].score)  # stable: ties stay by profile id
    return [Ranked(ids[index][1], ids[index][0], matches[index]) for index in reached]


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

    The person's profile in three statements; the open opportunities they are relevant to,
    ranked from the copy kept in memory (`openings.Openings`, one statement to catch up with
    its changes); places left checked for the best few (one statement, more only when many of
    the best are full); those ranked exactly by `scoring.top_needs`."""
    today = today or utcnow().date()
    found = candidate_of(session, user, today)
    if found is None or limit <= 0:
        return []
    _, candidate = found
    ranked = openings.Openings.of_app().rank(
        session,
        candidate,
        today,
        exclude=exclude,
        kinds=kinds,
        countries=countries,
        modality=modality,
    )

    def with_place(ids: list[int]) -> set[int]:
        return set(
            session.scalars(select(Opportunity.id).where(Opportunity.id.in_(ids), has_place(today)))
        )

    chosen = sorted(openings.best_with_places(ranked, with_place, limit))  # ties by id
    needs = [need for _id, need in chosen]
    return [
        Recommended(chosen[index][0], match)
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
        # Marked names, so a page shows them in its reader's language.
        languages={
            code: LanguageName(code, name) for code, name in catalogue.language_names().items()
        },
        countries={code: CountryName(code, name) for code, name in country_names().items()},
    )
