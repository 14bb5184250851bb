"""The active assignments a draw weighs (who took how many recently, and each
province), from a copy kept in memory rather than read again for every draw.

A draw counts every active assignment starting on or after a day: read from
the database, that read grew with the pool's history (2,456 assignments,
about 3 ms a draw, after a thousand draws). The copy is read once (from a
year before the day asked: MARGIN), then kept up to date with this
process's own bookings and cancellations, and read again whenever another
process (a registry replica sharing the pool's database) wrote meanwhile:
every transaction that books or cancels moves the pool's bookings version
on by one (PoolBookingsVersion, in the same transaction), so a copy at
version V is current while the database says V, and this process's own
write of version V + 1 onto a copy at V is the whole difference.

A write that does not move the version on (a replica of an older version
during an upgrade, a correction made by hand in SQL) is not seen that way:
a copy is read again at the latest MAX_AGE after it was read, whatever
the version says.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, Engine

from services.common.sql import insert_ignore
from services.core.draws import AssignmentState
from services.registry.pool.tables import (
    AssignmentRow,
    assignment_table,
    bookings_version_table,
)

ACTIVE = AssignmentState.ACTIVE

_v = bookings_version_table.c
_a = assignment_table.c
_VERSION = select(_v.version).where(_v.id == 1)
_MOVE_ON = (
    update(bookings_version_table)
    .where(_v.id == 1)
    .values(version=_v.version + 1)
    .returning(_v.version)
)
_ACTIVE_ROWS = select(_a.start_date, _a.assignment_id, _a.assessor_id, _a.home_province).where(
    _a.state == ACTIVE, _a.start_date >= bindparam("since")
)
# A copy holds assignments from this long before the day first asked, so that
# days asked later, or a little earlier, are answered from it; older ones,
# which no draw weighs, are not kept (nor is the pool's whole history). A day
# asked before what it holds reads it again from MARGIN before that day.
MARGIN = dt.timedelta(days=366)
# Seconds after which a copy is read again even if the version did not move.
MAX_AGE_S = 60.0


def create_version_row(engine: Engine) -> None:
    """The version's one row, on a new database or one made before it existed."""
    with engine.begin() as conn:
        insert_ignore(conn, bookings_version_table, [{"id": 1, "version": 0}], key=["id"])


def move_on(conn: Connection) -> int:
    """Moves the bookings version on within a transaction that books or
    cancels; returns the new version (the row lock orders such transactions)."""
    return int(conn.execute(_MOVE_ON).scalar_one())


@dataclass
class _Copy:
    """Active assignments starting on or after `since`, sorted by (start
    date, id), in parallel lists, and counted per person and per province."""

    version: int
    since: dt.date
    read_at: float
    keys: list[tuple[dt.date, str]] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    # Kept with the lists: a day asked takes off the few that start before it
    # rather than counting every one after it (thousands, once a pool has
    # been drawing for a while: 1.7 ms a draw after 5,000 draws).
    people_count: Counter[str] = field(default_factory=Counter)
    province_count: Counter[str] = field(default_factory=Counter)

    def add(self, rows: Iterable[AssignmentRow]) -> None:
        for a in rows:
            if a.state != ACTIVE or a.start_date < self.since:
                continue
            key = (a.start_date, a.assignment_id)
            at = bisect.bisect_left(self.keys, key)
            if at < len(self.keys) and self.keys[at] == key:
                continue  # read with the copy already
            self.keys.insert(at, key)
            self.people.insert(at, a.assessor_id)
            self.provinces.insert(at, a.home_province)
            self.people_count[a.assessor_id] += 1
            self.province_count[a.home_province] += 1

    def remove(self, rows: Iterable[AssignmentRow]) -> None:
        for a in rows:
            key = (a.start_date, a.assignment_id)
            at = bisect.bisect_left(self.keys, key)
            if at < len(self.keys) and self.keys[at] == key:
                _less(self.people_count, self.people[at])
                _less(self.province_count, self.provinces[at])
                del self.keys[at], self.people[at], self.provinces[at]

    def since_day(self, since: dt.date, column: list[str], count: Counter[str]) -> dict[str, int]:
        """How many of `column`'s values start on or after `since`."""
        before = bisect.bisect_left(self.keys, (since, ""))
        if 2 * before > len(column):
            return Counter(column[before:])
        counted = Counter(count)
        for value in column[:before]:
            _less(counted, value)
        return counted


def _less(count: Counter[str], value: str) -> None:
    """One fewer of `value`, which leaves the count at none."""
    left = count[value] - 1
    if left:
        count[value] = left
    else:
        del count[value]


class ActiveBookings:
    """Counts of active assignments since a day, per person and per province."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._copy: _Copy | None = None

    def people_since(self, since: dt.date) -> dict[str, int]:
        """Active assignments per assessor starting on or after `since`."""
        with self._lock:
            copy = self._current(since)
            return copy.since_day(since, copy.people, copy.people_count)

    def provinces_since(self, since: dt.date) -> dict[str, int]:
        """Active assignments per home province starting on or after `since`."""
        with self._lock:
            copy = self._current(since)
            return copy.since_day(since, copy.provinces, copy.province_count)

    def wrote(
        self,
        version: int,
        booked: Iterable[AssignmentRow] = (),
        cancelled: Iterable[AssignmentRow] = (),
    ) -> None:
        """This process committed version `version`, which booked and cancelled these."""
        with self._lock:
            copy = self._copy
            if copy is not None and copy.version == version - 1:
                copy.add(booked)
                copy.remove(cancelled)
                copy.version = version
            else:
                # Another process wrote in between: read again when next asked.
                self._copy = None

    def _current(self, since: dt.date) -> _Copy:
        """A copy that is current and holds every active assignment from `since` on."""
        # The version is read before the rows: rows newer than it only make
        # the copy read again sooner, rows older than it would go unnoticed.
        with self._engine.connect() as conn:
            version = int(conn.execute(_VERSION).scalar_one())
            kept = self._copy
            if (
                kept is not None
                and kept.version == version
                and kept.since <= since
                and self._clock() - kept.read_at < MAX_AGE_S
            ):
                return kept
            floor = since - MARGIN
            read_at = self._clock()
            # Sorted here: a database's collation may order the ids otherwise.
            rows = sorted(tuple(row) for row in conn.execute(_ACTIVE_ROWS, {"since": floor}))
        copy = _Copy(version, floor, read_at)
        for start, ident, person, province in rows:
            copy.keys.append((start, ident))
            copy.people.append(person)
            copy.provinces.append(province)
        copy.people_count.update(copy.people)
        copy.province_count.update(copy.provinces)
        self._copy = copy
        return copy
