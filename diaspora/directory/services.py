"""The volunteer directory: who coordinators and partners can find, filtered, ranked and paged.

Privacy comes first: every query here starts from `listed()`, which keeps only completed
profiles whose owner chose an audience the viewer belongs to
(`privacy.listable_audiences`). Private profiles are therefore never in results, counts or
exports, for anyone, administrators included. Of the owner's account a result reads the name
only: never an email address.

Consent to be contacted does not change who appears here: visibility is the owner's answer to
"who may see my profile", consent their answer to "may organisations approach me". The directory
answers the first question only; matching and messaging, later, will honour the second.

The search page costs a fixed number of queries whatever the number of results: one that finds
and counts the results, one for the page (the profile and its owner's name in one row), one
`selectinload` query each for ties, languages, skills and availability windows, and one for the
verified-registration badges. When ranking free text on PostgreSQL, the page query gives the
count as well (see counts_while_ranking). Otherwise the count stops once it is past the page
asked for and COUNT_LIMIT: a registry of a million has searches that match hundreds of
thousands, and counting them all would cost more than finding the page (the page then says
"more than").
"Verified" is the credentials area's rule (a verified registration that has not expired): its
verified_credential_clause and profile_ids_with_verified_credential.

Functions here never commit; the caller does.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import product
from math import ceil

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload
from sqlalchemy.sql.elements import Label
from sqlalchemy.sql.selectable import Subquery

from diaspora.audit import services as audit
from diaspora.audit.models import AuditEvent
from diaspora.auth.models import User
from diaspora.core.paging import PageNumbers
from diaspora.core.words import N_
from diaspora.credentials import services as credentials
from diaspora.registry import privacy
from diaspora.registry.models import (
    PROFICIENCY_LABELS,
    SKILL_LEVEL_LABELS,
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    Modality,
    ProfileSkill,
    StaffProfile,
)

PER_PAGE = 20
COUNT_LIMIT = 1000  # results counted before the page says "more than": 50 pages of 20
EXPORT_BATCH = 500
MAX_WORDS = 8  # free-text words used; more would only slow the query down


class Sort(StrEnum):
    RELEVANCE = "relevance"
    RECENT = "recent"


SORT_LABELS = {Sort.RELEVANCE: N_("Best match"), Sort.RECENT: N_("Most recently active")}

# Where someone can work, for the "how" filter: "both" suits either request.
MODALITY_FILTER = {
    Modality.REMOTE: (Modality.REMOTE, Modality.BOTH),
    Modality.ON_SITE: (Modality.ON_SITE, Modality.BOTH),
}


@dataclass(frozen=True)
class Filters:
    """What the searcher asked for. Empty values (None, "", 1 for minimum levels) filter nothing."""

    text: str = ""
    profession: str | None = None
    grade: str | None = None
    country: str | None = None
    tie_kind: str | None = None
    language: str | None = None
    min_proficiency: int = 1
    skill: str | None = None
    min_level: int = 1
    modality: str | None = None
    min_hours: int | None = None
    available_from: date | None = None
    available_to: date | None = None
    verified_only: bool = False
    sort: str = Sort.RELEVANCE

    @property
    def words(self) -> list[str]:
        """The free-text words, lower-cased: letters and digits only, so never query syntax."""
        return re.findall(r"[^\W_]+", self.text.lower())[:MAX_WORDS]

    def in_use(self) -> list[str]:
        """Names (never values) of the filters that narrow the search, for the audit log."""
        names = ["text"] if self.words else []
        names += [name for name in _PLAIN_FILTERS if getattr(self, name)]
        if self.language and self.min_proficiency > 1:
            names.append("min_proficiency")
        if self.skill and self.min_level > 1:
            names.append("min_level")
        if self.available_from and self.available_to:
            names.append("dates")
        return names


_PLAIN_FILTERS = (
    "profession",
    "grade",
    "country",
    "tie_kind",
    "language",
    "skill",
    "modality",
    "min_hours",
    "verified_only",
)


@dataclass(frozen=True)
class Access:
    """What one viewer may do in the directory, worked out once per request."""

    audiences: frozenset[str]
    can_export: bool
    is_admin: bool

    @property
    def can_search(self) -> bool:
        return bool(self.audiences)


@dataclass(frozen=True)
class Result:
    profile: StaffProfile
    verified: bool  # holds at least one verified professional registration


@dataclass(frozen=True)
class ResultPage(PageNumbers):
    """One page of results and what pagination needs (the same names as Flask-SQLAlchemy's).

    When `more` is true, counting stopped: there are more than `total` results."""

    items: list[Result]
    total: int
    page: int
    per_page: int
    more: bool = False


def access_for(session: Session, viewer: User) -> Access:
    return directory_access(privacy.access_of(session, viewer))


def directory_access(viewer: privacy.ViewerAccess) -> Access:
    """Search needs a listable audience (privacy.py); export is for coordinators and admins."""
    return Access(viewer.audiences, bool(viewer.audiences) and viewer.oversees, viewer.admin)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _tsquery(filters: Filters) -> ColumnElement:
    """Every word, each as a prefix ("neonat" finds "neonatal"), as SQLite's LIKE finds parts."""
    query = " & ".join(f"{word}:*" for word in filters.words)
    return func.to_tsquery(literal_column("'simple'"), query)


def listed(audiences: frozenset[str]) -> list[ColumnElement[bool]]:
    """THE privacy rule for lists (privacy.listable_audiences): completed profiles whose owner
    chose one of the viewer's audiences and whose account is not disabled. The
    ix_staff_profiles_listed* indexes hold completed profiles with their visibility and user_id;
    the few disabled accounts come from the partial index ix_users_disabled."""
    if not audiences:
        return [false()]
    return [
        StaffProfile.completed_at.is_not(None),
        StaffProfile.visibility.in_(sorted(audiences)),
        StaffProfile.user_id.not_in(select(User.id).where(~User.active)),
    ]


@dataclass(frozen=True)
class _Strength:
    """A column to rank by (a skill's level, a language's proficiency) and the values it takes
    among the results, from the filter's minimum to the highest level."""

    column: ColumnElement
    values: range


@dataclass(frozen=True)
class _Matched:
    """The search as SQL: what to join and what to check, and the strengths to rank by."""

    joins: list[tuple[object, ColumnElement[bool]]]
    where: list[ColumnElement[bool]]
    strengths: list[_Strength]


def _match(access: Access, filters: Filters, dialect: str) -> _Matched:
    """Filters as SQL. A chosen skill or language is a join (one row per profile at most: each
    is unique per profile), which both filters and gives the level to rank by; a country tie or
    travel window is a semi-join (IN), as a person may have several. Each child table has an
    index that starts with the filtered code and ends with profile_id."""
    joins: list[tuple[object, ColumnElement[bool]]] = []
    where = listed(access.audiences)
    strengths: list[_Strength] = []
    if filters.words:
        if dialect == "postgresql":
            where.append(StaffProfile.search_vector.op("@@")(_tsquery(filters)))
        else:  # search_text is lower-cased when it is built; the words are letters and digits only
            where += [StaffProfile.search_text.like(f"%{word}%") for word in filters.words]
    if filters.skill:
        skill = aliased(ProfileSkill)
        on = and_(
            skill.profile_id == StaffProfile.id,
            skill.code == filters.skill,
            skill.level >= filters.min_level,
        )
        joins.append((skill, on))
        strengths.append(_Strength(skill.level, _levels(filters.min_level, SKILL_LEVEL_LABELS)))
    if filters.language:
        language = aliased(LanguageSkill)
        on = and_(
            language.profile_id == StaffProfile.id,
            language.language == filters.language,
            language.proficiency >= filters.min_proficiency,
        )
        joins.append((language, on))
        levels = _levels(filters.min_proficiency, PROFICIENCY_LABELS)
        strengths.append(_Strength(language.proficiency, levels))
    if filters.profession:
        where.append(StaffProfile.profession == filters.profession)
    if filters.grade:
        where.append(StaffProfile.grade == filters.grade)
    if filters.country or filters.tie_kind:
        ties = select(CountryTie.profile_id)
        if filters.country:
            ties = ties.where(CountryTie.country == filters.country)
        if filters.tie_kind:
            ties = ties.where(CountryTie.kind == filters.tie_kind)
        where.append(StaffProfile.id.in_(ties))
    if filters.modality in MODALITY_FILTER:
        where.append(StaffProfile.modality.in_(MODALITY_FILTER[filters.modality]))
    if filters.min_hours:
        where.append(StaffProfile.hours_per_month >= filters.min_hours)
    if filters.available_from and filters.available_to:
        windows = select(AvailabilityWindow.profile_id).where(
            AvailabilityWindow.starts_on <= filters.available_to,
            AvailabilityWindow.ends_on >= filters.available_from,
        )
        where.append(StaffProfile.id.in_(windows))
        where.append(
            or_(
                StaffProfile.unavailable_until.is_(None),
                StaffProfile.unavailable_until <= filters.available_from,
            )
        )
    if filters.verified_only:
        where.append(credentials.verified_credential_clause())
    return _Matched(joins, where, strengths)


def _levels(minimum: int, labels: dict[int, object]) -> range:
    return range(max(minimum, min(labels)), max(labels) + 1)


def _narrowed(statement: Select, matched: _Matched) -> Select:
    for target, on in matched.joins:
        statement = statement.join(target, on)
    return statement.where(*matched.where)


def _ordering(filters: Filters, dialect: str, matched: _Matched) -> list[ColumnElement]:
    """The order of results; every order ends with recency, then id, so pages never overlap.

    "Most recently active" is last_active_at, newest first.

    "Best match":
    - with free text on PostgreSQL, ts_rank of the words in the profile's search vector
      (name, specialty, bio and skills) comes first;
    - then, as every result meets every filter, the strength of what was asked for beyond the
      minimum: the level of the chosen skill, then the proficiency in the chosen language, each
      highest first;
    - then recency. So with neither free text nor a skill or language there is nothing to rank
      by, and best match is simply the most recently active first (and uses the index on
      last_active_at). SQLite has no ranking function: its free-text matches are ordered by the
      rest of this list.

    Every key is in descending order.
    """
    recency = [StaffProfile.last_active_at, StaffProfile.id]
    if filters.sort == Sort.RECENT:
        return recency
    order: list[ColumnElement] = []
    if filters.words and dialect == "postgresql":
        order.append(func.ts_rank(StaffProfile.search_vector, _tsquery(filters)))
    return order + [strength.column for strength in matched.strengths] + recency


def found_statement(access: Access, filters: Filters, dialect: str, limit: int) -> Select:
    """At most `limit` results, unordered: each one's id and the keys it is ordered by.

    Without an order it stops at the limit, whichever way the database finds the results: it
    counts a broad search's results up to the limit cheaply, and gives a narrow search's every
    result, to order in Python (see search()). Never used for ranked free text."""
    matched = _match(access, filters, dialect)
    order = _ordering(filters, dialect, matched)
    return _narrowed(select(StaffProfile.id, *order), matched).limit(limit)


def results_statement(
    access: Access,
    filters: Filters,
    dialect: str,
    *,
    page: int = 1,
    per_page: int | None = None,
    with_total: bool = False,
    at_least: tuple | None = None,
) -> Select:
    """The results in order (one page of them, given per_page), with what a result shows loaded
    in a fixed number of queries.

    In two steps, in one statement: an inner query finds and orders the matching profiles' ids
    (narrow rows: a sort of thousands of them stays in memory, and is a top-N sort when it can
    be), then the page's profiles are fetched by id with their owner's name.
    with_total adds the number of all results to each row (see search()). at_least, the keys of
    a result known to be on this page or after it, leaves out every result after that one (see
    search()): the same page, from fewer rows.
    """
    matched = _match(access, filters, dialect)
    order = _ordering(filters, dialect, matched)
    keys = [expression.label(f"key_{n}") for n, expression in enumerate(order)]
    columns = [StaffProfile.id.label("profile_id"), *keys]
    if with_total:
        columns.append(func.count().over().label("total"))
    if per_page is not None and _strengths_first(order, matched):
        ranked = _strongest_first(matched, columns, keys, page, per_page, at_least)
    else:
        statement = _narrowed(select(*columns), matched).order_by(*(key.desc() for key in keys))
        if at_least is not None:
            statement = statement.where(tuple_(*order) >= at_least)
        if per_page is not None:
            statement = statement.limit(per_page).offset((page - 1) * per_page)
        ranked = statement.subquery("ranked")
    selected = [StaffProfile, ranked.c.total] if with_total else [StaffProfile]
    statement = select(*selected).join(ranked, ranked.c.profile_id == StaffProfile.id)
    return _shown(statement).order_by(*(ranked.c[key.name].desc() for key in keys))


def _shown(statement: Select) -> Select:
    """Profiles with their owner's name, and what a result shows loaded in a query each."""
    return statement.join(StaffProfile.user).options(
        # the owner's name only: no email address or password hash in a result, ever
        contains_eager(StaffProfile.user)
        .load_only(User.id, User.display_name)
        .lazyload(User.roles),
        selectinload(StaffProfile.ties),
        selectinload(StaffProfile.languages),
        selectinload(StaffProfile.skills),
        selectinload(StaffProfile.windows),
    )


def _strengths_first(order: list[ColumnElement], matched: _Matched) -> bool:
    return bool(matched.strengths) and order[0] is matched.strengths[0].column


def _strongest_first(
    matched: _Matched,
    columns: list,
    keys: list[Label],
    page: int,
    per_page: int,
    at_least: tuple | None,
) -> Subquery:
    """One page of results ranked by strength then recency, without sorting every match.

    Strengths are a few small numbers (levels 1 to 4), so the page is the first of one list per
    combination of them, strongest first: "level 4, most recent first", then "level 3...". Each
    list needs only its most recent `page * per_page`, which the recency index
    (ix_staff_profiles_listed_recent) finds by walking from the newest and checking each
    profile's skill or language, stopping when it has enough: a broad search (a skill a hundred
    thousand people have) reads a few thousand index entries, not every match. The same results
    in the same order as sorting every match by (strengths, recency) would give.

    Given at_least, lists weaker than its strengths are left out, and the list of its strengths
    stops at its recency."""
    recency = keys[len(matched.strengths) :]
    floor = at_least[: len(matched.strengths)] if at_least else ()
    branches = []
    for values in product(*(reversed(strength.values) for strength in matched.strengths)):
        if values < floor:
            continue
        pairs = zip(matched.strengths, values, strict=True)
        branch = _narrowed(select(*columns), matched).where(
            *(strength.column == value for strength, value in pairs)
        )
        if at_least and values == floor:
            recent = tuple_(*(key.element for key in recency))
            branch = branch.where(recent >= at_least[len(matched.strengths) :])
        branch = branch.order_by(*(key.desc() for key in recency)).limit(page * per_page)
        branches.append(select(branch.subquery()))
    lists = union_all(*branches).subquery("lists")
    return (
        select(lists)
        .order_by(*(lists.c[key.name].desc() for key in keys))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("ranked")
    )


def page_statement(
    access: Access,
    filters: Filters,
    dialect: str,
    page: int,
    per_page: int,
    *,
    with_total: bool = False,
    at_least: tuple | None = None,
) -> Select:
    return results_statement(
        access,
        filters,
        dialect,
        page=page,
        per_page=per_page,
        with_total=with_total,
        at_least=at_least,
    )


def counts_while_ranking(filters: Filters, dialect: str) -> bool:
    """Whether the page's own query gives the total: when it has to read every match anyway.

    Ranking free text (PostgreSQL's ts_rank) reads every matching profile before the first
    result is known, so counting them there (count(*) OVER () on the narrow ranked rows) costs
    next to nothing, where a separate count would read every match a second time. Other orders
    can stop early (the most recent twenty, from an index), so their total comes from
    found_statement, which stops counting at its limit.
    """
    return dialect == "postgresql" and bool(filters.words) and filters.sort == Sort.RELEVANCE


def search(
    session: Session, access: Access, filters: Filters, *, page: int = 1, per_page: int = PER_PAGE
) -> ResultPage:
    """One page of results and the total; a page past the end shows the last page.

    The total is exact up to COUNT_LIMIT results or the end of the page asked for, whichever
    is further; past it the page says "more than" (ResultPage.more), except when ranking free
    text, where the page query counts every match it reads anyway.

    Queries: one that finds the results (found_statement) and one for the page, or the page
    query alone when it gives the total (counts_while_ranking); then one per loaded
    collection, and one for the verified badges (the credentials area's rule). Never one per
    result.
    """
    dialect = _dialect(session)
    page = max(page, 1)
    if counts_while_ranking(filters, dialect):
        statement = page_statement(access, filters, dialect, page, per_page, with_total=True)
        rows = session.execute(statement).all()
        if rows or page == 1:
            total = rows[0].total if rows else 0
            return ResultPage(
                _with_badges(session, [row[0] for row in rows]), total, page, per_page
            )
    enough = max(COUNT_LIMIT, page * per_page)
    found = session.execute(found_statement(access, filters, dialect, enough + 1)).all()
    # in order: every key descending, the id last
    found.sort(key=lambda row: tuple(row[1:]), reverse=True)
    if len(found) > enough:
        # A broad search: its page comes from the indexes, in order. The results found so far
        # are some of them, so the page's last result is at least as good as the one that
        # would end this page among them: the page query reads no result after that one.
        at_least = tuple(found[page * per_page - 1][1:])
        statement = page_statement(access, filters, dialect, page, per_page, at_least=at_least)
        profiles = list(session.scalars(statement))
        return ResultPage(_with_badges(session, profiles), enough, page, per_page, more=True)
    # every result is here: the page is a slice
    page = min(page, max(ceil(len(found) / per_page), 1))
    ids = [row.id for row in found[(page - 1) * per_page : page * per_page]]
    return ResultPage(_with_badges(session, _profiles(session, ids)), len(found), page, per_page)


def _profiles(session: Session, ids: list[int]) -> list[StaffProfile]:
    """These profiles, in this order, as a result shows them."""
    if not ids:
        return []
    statement = _shown(select(StaffProfile).where(StaffProfile.id.in_(ids)))
    by_id = {profile.id: profile for profile in session.scalars(statement)}
    return [by_id[profile_id] for profile_id in ids]


def _with_badges(session: Session, profiles: list[StaffProfile]) -> list[Result]:
    """The results, each with whether it holds a current verified registration (one query)."""
    verified = credentials.profile_ids_with_verified_credential(session, [p.id for p in profiles])
    return [Result(profile, profile.id in verified) for profile in profiles]


def all_results(session: Session, access: Access, filters: Filters) -> Iterator[Result]:
    """Every result, in the page order, loaded in batches (the export): a batch costs a query
    for the profiles, one per loaded collection and one for the badges."""
    statement = results_statement(access, filters, _dialect(session))
    rows = session.scalars(statement.execution_options(yield_per=EXPORT_BATCH))
    for batch in rows.partitions():
        yield from _with_badges(session, list(batch))


def record_export(session: Session, viewer: User, filters: Filters, exported: int) -> AuditEvent:
    """Audit an export: how many profiles and which filters (by name, no values, no people)."""
    return audit.record(
        session, "directory.exported", actor=viewer, count=exported, filters=filters.in_use()
    )


def viewable_profile(
    session: Session, access: Access, viewer: User, profile_id: int
) -> Result | None:
    """The profile for its directory page, or None when the viewer may not know of it.

    privacy.can_view decides; beyond it, a profile that is not finished is not published,
    except to administrators (who may open any profile).
    """
    profile = session.get(StaffProfile, profile_id)
    if profile is None or not privacy.can_view(session, viewer, profile):
        return None
    if profile.completed_at is None and not access.is_admin:
        return None
    return Result(profile, credentials.has_verified_credential(session, profile))
