"""The staff profiles as matching reads them to choose candidates, kept in memory by each process
(a `changelog.mirror.Mirror`; docs/adr/0010-matching-at-scale.md).

One row per staff profile, as numpy arrays: the hard filters' columns (completed, account
active, visibility, consent, modality, profession) and the score's (grade, hours, unavailable
until, the last day of a verified registration), one array per country of ties (kinds as bits),
per skill and per language (levels), and travel windows side by side. Choosing whom to suggest
is then a few array operations over the registry instead of a statement over its tables: the
hard filters and relevance, and a score worked out like `scoring.score`'s, used only to choose
whom to load. `engine` loads those few from the database, checks the hard filters again there
and ranks them with `scoring.top`.
"""

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date

import numpy as np
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.changelog.changes import Tracked
from diaspora.changelog.mirror import Mirror
from diaspora.credentials.models import Credential, CredentialStatus
from diaspora.matching import scoring
from diaspora.matching.scoring import EVER, NO_DAY, TIE_BITS, day_number
from diaspora.registry.models import (
    AvailabilityWindow,
    CountryTie,
    LanguageSkill,
    ProfileSkill,
    StaffProfile,
)

# Scores worked out here may differ from scoring.py's in the last bits: whoever is within this
# of the limit-th best is loaded and scored exactly.
MARGIN = 1e-6

CHUNK = 50_000  # rows read at a time while loading


class StaffPool(Mirror):
    TRACKS = (
        Tracked(
            StaffProfile,
            "user_id profession grade modality hours_per_month unavailable_until visibility"
            " consent_to_contact completed_at",
            key="profile_id",
        ),
        Tracked(User, "active", key="user_id"),
        *(
            Tracked(model, None, key="profile_id", by="profile_id")
            for model in (CountryTie, LanguageSkill, ProfileSkill, AvailabilityWindow, Credential)
        ),
    )

    def _reset(self) -> None:
        self._size = 0
        self._row_of = np.full(0, -1, dtype=np.int32)  # by profile id: its row, -1 for none
        self._scalars: dict[str, np.ndarray] = {}
        self._codes: dict[str, dict[str | None, int]] = {
            name: {None: 0} for name in ("profession", "grade", "modality", "visibility")
        }
        self._ties: dict[str, np.ndarray] = {}
        self._skills: dict[str, np.ndarray] = {}
        self._languages: dict[str, np.ndarray] = {}
        self._window_starts: list[np.ndarray] = []
        self._window_ends: list[np.ndarray] = []
        self._grow(1024)

    # --- Storage ------------------------------------------------------------------------------

    _SCALARS = {
        "profile_id": (np.int64, 0),
        "user_id": (np.int64, 0),
        "present": (bool, False),  # a profile, completed, with an active account
        "consent": (bool, False),
        "profession": (np.int16, 0),
        "grade": (np.int16, 0),
        "modality": (np.int8, 0),
        "visibility": (np.int8, 0),
        "hours": (np.int32, -1),
        "unavailable_until": (np.int32, NO_DAY),
        "registered_until": (np.int32, NO_DAY),
    }

    def _capacity(self) -> int:
        return len(self._scalars["profile_id"])

    def _grow(self, capacity: int) -> None:
        def grown(array: np.ndarray | None, dtype, fill) -> np.ndarray:
            new = np.full(capacity, fill, dtype=dtype)
            if array is not None:
                new[: len(array)] = array
            return new

        for name, (dtype, fill) in self._SCALARS.items():
            self._scalars[name] = grown(self._scalars.get(name), dtype, fill)
        for columns in (self._ties, self._skills, self._languages):
            for code, array in columns.items():
                columns[code] = grown(array, np.uint8, 0)
        self._window_starts = [grown(a, np.int32, EVER) for a in self._window_starts]
        self._window_ends = [grown(a, np.int32, NO_DAY) for a in self._window_ends]

    def _code(self, name: str, value: str | None) -> int:
        codes = self._codes[name]
        if value not in codes:
            codes[value] = len(codes)
        return codes[value]

    def _column(self, columns: dict[str, np.ndarray], code: str) -> np.ndarray:
        if code not in columns:
            columns[code] = np.zeros(self._capacity(), dtype=np.uint8)
        return columns[code]

    def _rows_of(self, profile_ids: np.ndarray) -> np.ndarray:
        """Each profile's row, -1 for a profile not held."""
        rows = np.full(len(profile_ids), -1, dtype=np.int64)
        known = profile_ids < len(self._row_of)
        rows[known] = self._row_of[profile_ids[known]]
        return rows

    def _rows_for(self, profile_ids: np.ndarray) -> np.ndarray:
        """Each profile's row (the ids are distinct), new rows appended at the end."""
        if len(profile_ids) and profile_ids.max() >= len(self._row_of):
            index = np.full(int(profile_ids.max() * 1.25) + 1024, -1, dtype=np.int32)
            index[: len(self._row_of)] = self._row_of
            self._row_of = index
        rows = self._rows_of(profile_ids)
        new = rows < 0
        count = int(new.sum())
        if count:
            capacity = self._capacity()
            while self._size + count > capacity:
                capacity *= 2
            if capacity > self._capacity():
                self._grow(capacity)
            rows[new] = np.arange(self._size, self._size + count)
            self._row_of[profile_ids[new]] = rows[new]
            self._size += count
        return rows

    def _merge(self, fresh: "StaffPool", gone: np.ndarray) -> None:
        """Take in the profiles `fresh` holds (loaded anew), and clear the rows of profiles
        `gone`, writing only the values that differ (`_put`)."""
        count = fresh._size
        rows = self._rows_for(fresh._scalars["profile_id"][:count])
        for name in self._SCALARS:
            _put(self._scalars[name], rows, fresh._scalars[name][:count])
        for mine, theirs in (
            (self._ties, fresh._ties),
            (self._skills, fresh._skills),
            (self._languages, fresh._languages),
        ):
            for code in theirs.keys() - mine.keys():
                self._column(mine, code)
            for code, column in mine.items():
                _put(column, rows, theirs[code][:count] if code in theirs else 0)
        slots = len(fresh._window_starts)
        while len(self._window_starts) < slots:
            self._window_starts.append(np.full(self._capacity(), EVER, dtype=np.int32))
            self._window_ends.append(np.full(self._capacity(), NO_DAY, dtype=np.int32))
        for slot, (starts, ends) in enumerate(
            zip(self._window_starts, self._window_ends, strict=True)
        ):
            taken = slot < slots
            _put(starts, rows, fresh._window_starts[slot][:count] if taken else EVER)
            _put(ends, rows, fresh._window_ends[slot][:count] if taken else NO_DAY)
        rows = self._rows_of(gone)
        rows = rows[rows >= 0]
        for name, (_dtype, fill) in self._SCALARS.items():
            if name != "profile_id":
                _put(self._scalars[name], rows, fill)
        for columns in (self._ties, self._skills, self._languages):
            for column in columns.values():
                _put(column, rows, 0)
        for starts, ends in zip(self._window_starts, self._window_ends, strict=True):
            _put(starts, rows, EVER)
            _put(ends, rows, NO_DAY)

    # --- Loading ------------------------------------------------------------------------------

    def _load(self, session: Session, ids: dict[str, set[int]] | None) -> None:
        """Load every profile (`ids` None), or reload these profiles and those of these users:
        the rows of profiles no longer there are cleared. A reload reads the profiles into a
        small copy of their own and then writes into the arrays only the values that changed,
        so that a worker forked from the master that loaded the copy makes its own only the
        pages that really change (docs/adr/0020-copies-shared-by-a-node.md)."""
        if ids is None:
            self._read_profiles(session, [])
            return
        profile_ids = ids["profile_id"]
        fresh = StaffPool()
        fresh._codes = self._codes  # one numbering of codes
        fresh._read_profiles(
            session,
            [
                or_(
                    StaffProfile.id.in_(sorted(profile_ids)),
                    StaffProfile.user_id.in_(sorted(ids["user_id"])),
                )
            ],
        )
        found = set(fresh._scalars["profile_id"][: fresh._size].tolist())
        self._merge(fresh, np.array(sorted(profile_ids - found), dtype=np.int64))

    def _read_profiles(self, session: Session, where: list) -> None:
        """Read the profiles `where` selects into this copy, empty or holding none of them.
        Rows come in chunks, and the many rows of ties, skills and languages as one list of
        profile ids per code and level, so that loading a large registry costs little besides
        the copy itself."""
        sp = StaffProfile
        profiles = (
            select(
                sp.id,
                sp.user_id,
                sp.completed_at.is_not(None) & User.active,
                sp.consent_to_contact,
                sp.profession,
                sp.grade,
                sp.modality,
                sp.visibility,
                sp.hours_per_month,
                sp.unavailable_until,
            )
            .join(User, User.id == sp.user_id)
            .where(*where)
        )
        s = self._scalars
        found = [np.zeros(0, dtype=np.int64)]
        for chunk in _chunks(session, profiles):
            found.append(np.array([row[0] for row in chunk], dtype=np.int64))
            rows = self._rows_for(found[-1])
            s["profile_id"][rows] = found[-1]
            s["user_id"][rows] = [row[1] for row in chunk]
            s["present"][rows] = [bool(row[2]) for row in chunk]
            s["consent"][rows] = [bool(row[3]) for row in chunk]
            for at, name in enumerate(("profession", "grade", "modality", "visibility"), start=4):
                s[name][rows] = [self._code(name, row[at]) for row in chunk]
            s["hours"][rows] = [-1 if row[8] is None else row[8] for row in chunk]
            s["unavailable_until"][rows] = [day_number(row[9]) for row in chunk]
        loaded = np.concatenate(found)
        if not len(loaded):
            return
        among = None if not where else loaded.tolist()

        for model, code, level, columns in (
            (CountryTie, CountryTie.country, CountryTie.kind, self._ties),
            (ProfileSkill, ProfileSkill.code, ProfileSkill.level, self._skills),
            (LanguageSkill, LanguageSkill.language, LanguageSkill.proficiency, self._languages),
        ):
            listed = func.aggregate_strings(cast(model.profile_id, String), ",")
            by_code = _among(select(code, level, listed), model.profile_id, among)
            for key, value, profiles_listed in session.execute(by_code.group_by(code, level)):
                rows = self._rows_of(np.fromstring(profiles_listed, dtype=np.int64, sep=","))
                rows = rows[rows >= 0]  # added since the profiles were read: the log brings it
                column = self._column(columns, key)
                if model is CountryTie:  # one row per kind of tie: the kinds as bits
                    column[rows] |= TIE_BITS.get(value, 0)
                else:
                    column[rows] = value

        windows = _among(
            select(
                AvailabilityWindow.profile_id,
                AvailabilityWindow.starts_on,
                AvailabilityWindow.ends_on,
            ),
            AvailabilityWindow.profile_id,
            among,
        )
        for chunk in _chunks(session, windows.order_by(AvailabilityWindow.profile_id)):
            rows = self._rows_of(np.array([row[0] for row in chunk], dtype=np.int64))
            for row, (_profile_id, first, last) in zip(rows.tolist(), chunk, strict=True):
                if row >= 0:
                    self._add_window(row, first.toordinal(), last.toordinal())

        until = s["registered_until"]
        verified = _among(
            select(Credential.profile_id, Credential.expires_on).where(
                Credential.status == CredentialStatus.VERIFIED
            ),
            Credential.profile_id,
            among,
        )
        for chunk in _chunks(session, verified):
            rows = self._rows_of(np.array([row[0] for row in chunk], dtype=np.int64))
            days = np.array([day_number(row[1], EVER) for row in chunk], dtype=np.int32)
            held = rows >= 0
            np.maximum.at(until, rows[held], days[held])

    def _add_window(self, row: int, first: int, last: int) -> None:
        """Into the row's first free slot."""
        for starts, ends in zip(self._window_starts, self._window_ends, strict=True):
            if starts[row] == EVER and ends[row] == NO_DAY:
                starts[row], ends[row] = first, last
                return
        self._window_starts.append(np.full(self._capacity(), EVER, dtype=np.int32))
        self._window_ends.append(np.full(self._capacity(), NO_DAY, dtype=np.int32))
        self._window_starts[-1][row], self._window_ends[-1][row] = first, last

    # --- Choosing -----------------------------------------------------------------------------

    def choose(
        self,
        session: Session,
        need: scoring.Need,
        today: date,
        *,
        for_candidate: bool,
        limit: int = 0,
        min_score: float | None = None,
        engaged: Collection[int] = (),
        only_users: Collection[int] | None = None,
    ) -> list[int]:
        """Profile ids that pass the hard filters (engine._hard_filters's) and relevance (the
        profession when the need lists some, and a tie to its country, a wanted language or a
        wanted skill) and can be among the `limit` best, or reach `min_score`: the limit-th
        best score less `MARGIN`, ties included. `engaged`: user ids to leave out;
        `only_users`: the only user ids to keep."""
        if min_score is None and limit <= 0:
            return []
        with self.lock:
            self.refresh(session)
            rows = self._pool(need, for_candidate, engaged, only_users)
            if not len(rows):
                return []
            scores = self._scores(rows, need, today)
            if min_score is not None:
                floor = min_score - MARGIN
            elif len(rows) > limit:
                floor = np.partition(scores, len(rows) - limit)[len(rows) - limit] - MARGIN
            else:
                floor = -np.inf
            return self._scalars["profile_id"][rows[scores >= floor]].tolist()

    def _isin(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Which rows hold one of `values` in column `name`: a lookup in a table of the codes,
        several times faster than np.isin over a million rows."""
        codes = self._codes[name]
        wanted = np.zeros(len(codes), dtype=bool)
        wanted[[codes[value] for value in values if value in codes]] = True
        return wanted[self._scalars[name][: self._size]]

    def _pool(self, need, for_candidate, engaged, only_users) -> np.ndarray:
        size, s = self._size, self._scalars
        keep = s["present"][:size].copy()
        if not for_candidate:
            keep &= s["consent"][:size]
            keep &= self._isin("visibility", need.audience - {scoring.PRIVATE})
        if need.modality != scoring.REMOTE:
            keep &= s["modality"][:size] != self._code("modality", scoring.REMOTE)
        if need.professions:
            keep &= self._isin("profession", need.professions)
        signal = np.zeros(size, dtype=bool)
        for columns, codes in (
            (self._ties, [need.country]),
            (self._languages, need.languages),
            (self._skills, need.skills),
        ):
            for code in codes:
                if code in columns:
                    signal |= columns[code][:size] > 0
        keep &= signal
        if engaged:
            keep &= ~np.isin(s["user_id"][:size], list(engaged))
        if only_users is not None:
            keep &= np.isin(s["user_id"][:size], list(only_users))
        return np.flatnonzero(keep)

    def _scores(self, rows: np.ndarray, need: scoring.Need, today: date) -> np.ndarray:
        """`scoring.score`'s total for these rows, through scoring's part functions."""
        s, count = self._scalars, len(rows)

        def held(name: str, wanted: frozenset[str]) -> np.ndarray | bool:
            if not wanted:  # the credit is NEUTRAL whatever the person's
                return False
            codes = [self._codes[name][v] for v in wanted if v in self._codes[name]]
            return np.isin(s[name][rows], codes)

        def levels(columns: dict[str, np.ndarray], wanted: dict[str, int]) -> np.ndarray:
            have = np.zeros((len(wanted), count), dtype=np.uint8)
            for at, code in enumerate(wanted):
                if code in columns:
                    have[at] = columns[code][rows]
            return scoring.levels_credit(
                have, np.array([*wanted.values()], dtype=np.int64)[:, None]
            )

        ties = self._ties.get(need.country)
        modalities = sorted(self._codes["modality"], key=self._codes["modality"].get)
        start = scoring.first_day(day_number(need.starts_on), today.toordinal())
        end = day_number(need.ends_on, EVER)
        window = np.zeros(count, dtype=bool)
        if need.modality != scoring.REMOTE:
            for firsts, lasts in zip(self._window_starts, self._window_ends, strict=True):
                window |= scoring.overlaps(firsts[rows], lasts[rows], start, end)
        fractions = {
            "profession": scoring.membership_credit(
                held("profession", need.professions), bool(need.professions)
            ),
            "grade": scoring.membership_credit(held("grade", need.grades), bool(need.grades)),
            "skills": levels(self._skills, need.skills),
            "languages": levels(self._languages, need.languages),
            "country_tie": scoring.tie_credit(0 if ties is None else ties[rows]),
            "modality": scoring.modality_credit(need.modality, modalities)[s["modality"][rows]],
            "hours": scoring.hours_credit(
                s["hours"][rows], -1 if need.hours_per_month is None else need.hours_per_month
            ),
            "dates": scoring.dates_credit(
                need.modality == scoring.REMOTE, window, s["unavailable_until"][rows], start, end
            ),
            "credential": scoring.credential_credit(
                need.clinical, s["registered_until"][rows] >= today.toordinal()
            ),
            "safeguards": scoring.safeguards_credit(need.on_safeguards_list),
        }
        return scoring.weighted(fractions, count)[0]


def _put(array: np.ndarray, rows: np.ndarray, values) -> None:
    """array[rows] = values, written only where it differs: writing a page of a copy shared
    with the process it was forked from makes the page this process's own, even for the value
    it already held."""
    differs = array[rows] != values
    if differs.any():
        array[rows[differs]] = values[differs] if isinstance(values, np.ndarray) else values


def _among(statement, column, ids: list[int] | None):
    return statement if ids is None else statement.where(column.in_(ids))


def _chunks(session: Session, statement) -> Iterator[Sequence]:
    """The statement's rows, CHUNK at a time, as plain rows (the ORM's handling of each row
    would cost more than the rest of the load)."""
    connection = session.connection()
    return connection.execute(statement.execution_options(yield_per=CHUNK)).partitions()
