"""The open opportunities as matching reads them, kept in memory by each process (a
`changelog.mirror.Mirror`; docs/adr/0010-matching-at-scale.md).

One row per published opportunity with status open: its `scoring.Need` as `engine` builds it,
and numpy arrays of what relevance and the score read (kind, modality, country, dates, hours,
and what it wants, flattened with the row each entry belongs to). Ranking every open
opportunity for one person is then a few array operations; `engine.recommendations` checks
places left in the database for the best few only (bookings change them all the time, and they
are not in the log) and ranks those exactly with `scoring.top_needs`.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from diaspora.changelog.changes import Tracked
from diaspora.changelog.mirror import Mirror
from diaspora.matching import scoring
from diaspora.matching.scoring import EVER, NO_DAY, day_number
from diaspora.matching.staff_pool import MARGIN
from diaspora.opportunities.models import (
    Opportunity,
    OpportunityLanguage,
    OpportunityProfession,
    OpportunitySkill,
    OpportunityStatus,
)
from diaspora.reference import catalogue


def as_need(
    opportunity,
    professions: Collection[str],
    skills: Mapping[str, int],
    languages: Mapping[str, int],
    *,
    open_: bool = True,
    full: bool = False,
    audience: frozenset[str] = frozenset(),
) -> scoring.Need:
    """An opportunity (or a row with its columns) as `scoring.Need`."""
    return scoring.Need(
        kind=opportunity.kind,
        modality=opportunity.modality,
        country=opportunity.country,
        professions=frozenset(professions),
        skills=dict(skills),
        languages=dict(languages),
        starts_on=opportunity.starts_on,
        ends_on=opportunity.ends_on,
        hours_per_month=opportunity.hours_per_month,
        clinical=scoring.is_clinical(opportunity.kind, opportunity.modality),
        open=open_,
        full=full,
        on_safeguards_list=catalogue.on_safeguards_list(opportunity.country),
        audience=audience & scoring.VISIBILITIES,
    )


class _Codes(dict):
    """Code -> small integer, so that rows are compared as numbers."""

    def of(self, code: str) -> int:
        return self.setdefault(code, len(self))

    def lookup(self, values: Mapping[str, float], default: float = 0.0) -> np.ndarray:
        """An array indexed by code number: the value for each code (`default` elsewhere)."""
        table = np.full(len(self) + 1, default)
        for code, value in values.items():
            if code in self:
                table[self[code]] = value
        return table

    def numbers(self, codes: Collection[str]) -> list[int]:
        return [self[code] for code in codes if code in self]


class _Wanted:
    """What every row wants of one kind (professions, skills or languages), side by side: row i
    of `codes` and `levels` is each opportunity's i-th code and level wanted (-1 and 0: none)."""

    def __init__(self, entries: list[list[tuple[str, int]]]) -> None:
        self.vocabulary = _Codes()
        width, rows = max(map(len, entries), default=0), len(entries)
        codes = [[-1] * rows for _ in range(width)]
        levels = [[0] * rows for _ in range(width)]
        for row, wanted in enumerate(entries):
            for at, (code, level) in enumerate(wanted):
                codes[at][row], levels[at][row] = self.vocabulary.of(code), level
        self.codes = np.array(codes, dtype=np.int64).reshape(width, rows)
        self.levels = np.array(levels, dtype=np.int64).reshape(width, rows)
        self.count = (self.levels > 0).sum(axis=0)

    def held(self, levels: Mapping[str, int]) -> np.ndarray:
        """The person's level in each entry (0 when they lack it, or where nothing is wanted)."""
        return self.vocabulary.lookup(levels).astype(np.int64)[self.codes]

    def any(self, held: np.ndarray) -> np.ndarray:
        """Per row: at least one entry held."""
        return (held > 0).any(axis=0)


class Openings(Mirror):
    TRACKS = (
        Tracked(
            Opportunity,
            "kind status published_at country modality starts_on ends_on hours_per_month",
            key="opportunity_id",
        ),
        *(
            Tracked(model, None, key="opportunity_id", by="opportunity_id")
            for model in (OpportunityProfession, OpportunitySkill, OpportunityLanguage)
        ),
    )

    def _reset(self) -> None:
        self._row_of: dict[int, int] = {}
        self._needs: list[scoring.Need | None] = []  # None: no longer open
        self._ids: list[int] = []
        self._arrays: dict | None = None  # built from the needs when first wanted

    def _load(self, session: Session, ids: dict[str, set[int]] | None) -> None:
        where = [
            Opportunity.status == OpportunityStatus.OPEN,
            Opportunity.published_at.is_not(None),
        ]
        wanted_where = {}
        if ids is not None:
            chosen = sorted(ids["opportunity_id"])
            where.append(Opportunity.id.in_(chosen))
            for model in (OpportunityProfession, OpportunitySkill, OpportunityLanguage):
                wanted_where[model] = [model.opportunity_id.in_(chosen)]
            for opportunity_id in chosen:
                if opportunity_id in self._row_of:
                    self._needs[self._row_of[opportunity_id]] = None
        rows = session.execute(
            select(
                Opportunity.id,
                Opportunity.kind,
                Opportunity.modality,
                Opportunity.country,
                Opportunity.starts_on,
                Opportunity.ends_on,
                Opportunity.hours_per_month,
            ).where(*where)
        ).all()
        professions: dict[int, list[str]] = {}
        skills: dict[int, dict[str, int]] = {}
        languages: dict[int, dict[str, int]] = {}
        for oid, code in session.execute(
            select(OpportunityProfession.opportunity_id, OpportunityProfession.profession).where(
                *wanted_where.get(OpportunityProfession, ())
            )
        ):
            professions.setdefault(oid, []).append(code)
        for model, code, level, table in (
            (OpportunitySkill, OpportunitySkill.code, OpportunitySkill.min_level, skills),
            (
                OpportunityLanguage,
                OpportunityLanguage.language,
                OpportunityLanguage.min_proficiency,
                languages,
            ),
        ):
            for oid, key, value in session.execute(
                select(model.opportunity_id, code, level)
                .where(*wanted_where.get(model, ()))
                .order_by(model.opportunity_id, model.id)
            ):
                table.setdefault(oid, {})[key] = value
        for row in rows:
            need = as_need(
                row,
                professions.get(row.id, ()),
                skills.get(row.id, {}),
                languages.get(row.id, {}),
            )
            if row.id in self._row_of:
                self._needs[self._row_of[row.id]] = need
            else:
                self._row_of[row.id] = len(self._needs)
                self._needs.append(need)
                self._ids.append(row.id)
        self._arrays = None

    def _build(self) -> dict:
        """Arrays over the rows, from their needs (after any change)."""
        needs = self._needs
        blank = scoring.Need(kind=scoring.PROJECT, modality=scoring.REMOTE, country="")
        shown = [need or blank for need in needs]
        entries = {
            "professions": [[(code, 1) for code in sorted(need.professions)] for need in shown],
            "skills": [list(need.skills.items()) for need in shown],
            "languages": [list(need.languages.items()) for need in shown],
        }
        codes = {name: _Codes() for name in ("kind", "modality", "country")}
        return {
            "id": np.array(self._ids, dtype=np.int64),
            "open": np.array([need is not None for need in needs], dtype=bool),
            **{
                name: np.array([vocabulary.of(getattr(need, name)) for need in shown])
                for name, vocabulary in codes.items()
            },
            "codes": codes,
            "starts": np.array([day_number(need.starts_on) for need in shown], dtype=np.int64),
            "ends": np.array([day_number(need.ends_on, EVER) for need in shown], dtype=np.int64),
            "hours": np.array(
                [-1 if need.hours_per_month is None else need.hours_per_month for need in shown],
                dtype=np.int64,
            ),
            "clinical": np.array([need.clinical for need in shown], dtype=bool),
            "safeguards": np.array([need.on_safeguards_list for need in shown], dtype=bool),
            **{name: _Wanted(found) for name, found in entries.items()},
        }

    def rank(
        self,
        session: Session,
        candidate: scoring.Candidate,
        today: date,
        *,
        exclude: Collection[int] = (),
        kinds: Collection[str] = (),
        countries: Collection[str] = (),
        modality: str | None = None,
    ) -> list[tuple[int, scoring.Need, float]]:
        """The open opportunities the person is relevant to (their profession wanted or none
        listed, and a tie to the country, a language they speak or a skill they hold wanted,
        or nothing of the three listed at all; remote work only for a remote-only person),
        minus `exclude` and within the filters given: (id, need, score as chosen here) each,
        best first, ties by id. Places left are not checked."""
        with self.lock:
            self.refresh(session)
            if self._arrays is None:
                self._arrays = self._build()
            a = self._arrays
            rows = len(self._needs)
            if not rows:
                return []
            c = candidate
            professions, skills, languages = a["professions"], a["skills"], a["languages"]
            profession_held = professions.held({c.profession: 1} if c.profession else {})
            skills_held = skills.held(c.skills)
            languages_held = languages.held(c.languages)
            listed = professions.count > 0
            keep = a["open"] & ((a["ends"] == EVER) | (a["ends"] >= today.toordinal()))
            keep &= ~listed | professions.any(profession_held)
            nothing_listed = ~listed & (skills.count == 0) & (languages.count == 0)
            codes = a["codes"]
            keep &= (
                nothing_listed
                | np.isin(a["country"], codes["country"].numbers(c.ties))
                | languages.any(languages_held)
                | skills.any(skills_held)
            )
            if c.modality == scoring.REMOTE:
                keep &= np.isin(a["modality"], codes["modality"].numbers([scoring.REMOTE]))
            if exclude:
                keep &= ~np.isin(a["id"], list(exclude))
            if kinds:
                keep &= np.isin(a["kind"], codes["kind"].numbers(kinds))
            if countries:
                keep &= np.isin(a["country"], codes["country"].numbers(countries))
            if modality:
                keep &= np.isin(a["modality"], codes["modality"].numbers([modality]))
            chosen = np.flatnonzero(keep)
            scores = self._scores(
                a,
                c,
                today,
                chosen,
                profession_held[:, chosen],
                skills_held[:, chosen],
                languages_held[:, chosen],
            )
            order = np.lexsort((a["id"][chosen], -scores))
            chosen = chosen[order]
            needs = self._needs
            return [
                (oid, needs[row], score)
                for oid, row, score in zip(
                    a["id"][chosen].tolist(), chosen.tolist(), scores[order].tolist(), strict=True
                )
            ]

    def _scores(
        self, a, c, today, rows, profession_held, skills_held, languages_held
    ) -> np.ndarray:
        """`scoring.score_needs`'s totals for these rows (the relevant ones: scoring the rest
        would be wasted), through scoring's part functions; the `held` arrays are theirs."""
        codes = a["codes"]
        ties = codes["country"].lookup(
            {country: scoring.tie_bits(kinds) for country, kinds in c.ties.items()}
        )
        modalities = list(codes["modality"])
        modality = codes["modality"].lookup(
            dict(zip(modalities, scoring.modality_credit(modalities, c.modality), strict=True))
        )
        row_modality, ends = a["modality"][rows], a["ends"][rows]
        start = scoring.first_day(a["starts"][rows], today.toordinal())
        window = np.zeros(len(rows), dtype=bool)
        for first, last in c.windows:
            window |= scoring.overlaps(first.toordinal(), last.toordinal(), start, ends)
        until = NO_DAY if c.unavailable_until is None else c.unavailable_until.toordinal()
        remote = np.isin(row_modality, codes["modality"].numbers([scoring.REMOTE]))
        fractions = {
            "profession": scoring.membership_credit(
                a["professions"].any(profession_held), a["professions"].count[rows] > 0
            ),
            "grade": scoring.membership_credit(False, False),  # opportunities list no grades
            "skills": scoring.levels_credit(skills_held, a["skills"].levels[:, rows]),
            "languages": scoring.levels_credit(languages_held, a["languages"].levels[:, rows]),
            "country_tie": scoring.tie_credit(ties.astype(np.int64)[a["country"][rows]]),
            "modality": modality[row_modality],
            "hours": scoring.hours_credit(
                -1 if c.hours_per_month is None else c.hours_per_month, a["hours"][rows]
            ),
            "dates": scoring.dates_credit(remote, window, until, start, ends),
            "credential": scoring.credential_credit(a["clinical"][rows], c.has_verified_credential),
            "safeguards": scoring.safeguards_credit(a["safeguards"][rows]),
        }
        return scoring.weighted(fractions, len(rows))[0]


def best_with_places(
    ranked: Sequence[tuple[int, scoring.Need, float]], has_place, limit: int
) -> list[tuple[int, scoring.Need]]:
    """Of `ranked` (best first), those with a place left that can be among the `limit` best:
    at least the limit-th such score less MARGIN. `has_place(ids)` answers for a batch, so the
    database is asked about a few at a time, not about every relevant opportunity."""
    chosen: list[tuple[int, scoring.Need, float]] = []
    batch = max(2 * limit, 40)
    for start in range(0, len(ranked), batch):
        part = ranked[start : start + batch]
        placed = has_place([oid for oid, _need, _score in part])
        chosen += [entry for entry in part if entry[0] in placed]
        if len(chosen) >= limit and part[-1][2] < chosen[limit - 1][2] - MARGIN:
            break
    if len(chosen) > limit:
        floor = chosen[limit - 1][2] - MARGIN
        chosen = [entry for entry in chosen if entry[2] >= floor]
    return [(oid, need) for oid, need, _score in chosen]
