"""Which of a batch's events are new: not held already at their revision, and
consistent with what the province sent of the same record before.

Kafka delivers at least once, so a batch may repeat events already applied (a
restart replays from the last committed offset) or bring an older revision
after a newer one. Both are told apart from the records' current rows, so the
cost of a batch does not grow with its records' histories.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection

from services.common.sql import listed_tuples, tuples_among_bound
from services.core.records import RecordKind
from services.core.status import CertificateStatus
from services.core.transitions import StatusRules
from services.registry.records.tables import record_table, version_table


class Versioned(Protocol):
    """What these steps read of an event (the writer's IncomingEvent)."""

    @property
    def province(self) -> str: ...
    @property
    def record_key(self) -> str: ...
    @property
    def revision(self) -> int: ...
    @property
    def sequence(self) -> int: ...


E = TypeVar("E", bound=Versioned)
Pair = tuple[str, str]
Ident = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class Prior:
    """A record's current row before the batch."""

    revision: int
    sequence: int
    uscc: str
    label_code: str | None
    # A certificate's canonical status (None for other records).
    status: str | None = None


def current_rows(conn: Connection, pairs: set[Pair]) -> dict[Pair, Prior]:
    """The current rows of `pairs` (province, record key) before the batch: the
    highest revision held of each, and the old holder and label, which may leave
    a group whose conflicts must then be re-evaluated."""
    if not pairs:
        return {}
    dialect = conn.dialect.name
    rows = conn.execute(_lookups(dialect).current, listed_tuples(dialect, _ROWS, pairs, 2))
    return {(p, k): Prior(*values) for p, k, *values in rows}


def held_revisions(
    conn: Connection, events: Sequence[Versioned], current: dict[Pair, Prior]
) -> set[Ident]:
    """Which of the events' own revisions are held already. Only a revision at
    or below its record's current one can be (a replay, or a late older
    revision), so only those are looked up, and only themselves."""
    maybe = {
        (ev.province, ev.record_key, ev.revision)
        for ev in events
        if (prior := current.get((ev.province, ev.record_key))) is not None
        and ev.revision <= prior.revision
    }
    if not maybe:
        return set()
    dialect = conn.dialect.name
    rows = conn.execute(_lookups(dialect).held, listed_tuples(dialect, _ROWS, maybe, 3))
    return {(p, k, r) for p, k, r in rows}


def fresh_events(
    events: Sequence[E],
    held: set[Ident],
    current: dict[Pair, Prior],
    refuse: Callable[[E, str], None] | None,
) -> dict[Ident, E]:
    """The events not held already at their revision, but those whose revision
    and sequence disagree, against the record's current row and the batch's
    earlier events: a province numbers a record's revisions in the order of its
    sequence, so a higher revision never has a lower sequence (events may
    arrive in either order)."""
    seen: dict[Pair, list[tuple[int, int]]] = {
        pair: [(prior.revision, prior.sequence)] for pair, prior in current.items()
    }
    fresh: dict[Ident, E] = {}
    for ev in events:
        ident = (ev.province, ev.record_key, ev.revision)
        if ident in held or ident in fresh:
            continue
        known = seen.setdefault((ev.province, ev.record_key), [])
        clash = next(((r, s) for r, s in known if (r < ev.revision) != (s < ev.sequence)), None)
        if clash is not None:
            if refuse is not None:
                refuse(
                    ev,
                    f"revision {ev.revision} of {ev.record_key} has sequence {ev.sequence}, "
                    f"but its revision {clash[0]} has sequence {clash[1]}: revisions and "
                    "sequences disagree",
                )
            continue
        known.append((ev.revision, ev.sequence))
        fresh[ident] = ev
    return fresh


class Dated(Versioned, Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str | None: ...


D = TypeVar("D", bound=Dated)


def reopenings_set_aside(
    fresh: dict[Ident, D],
    current: dict[Pair, Prior],
    rules: StatusRules,
    refuse: Callable[[D, str], None] | None,
) -> dict[Ident, D]:
    """The fresh events but those that change a final status (a revoked
    certificate made valid again): the exchange refuses them, so one that
    arrives anyway is set aside, and the record keeps its final status."""
    latest: dict[Pair, tuple[int, str | None]] = {
        pair: (prior.revision, prior.status) for pair, prior in current.items()
    }
    kept: dict[Ident, D] = {}
    for ident, ev in sorted(fresh.items(), key=lambda item: item[0]):
        pair = (ev.province, ev.record_key)
        revision, status = latest.get(pair, (0, None))
        if ev.revision > revision:
            why = (
                rules.reopening(
                    RecordKind(ev.kind), CertificateStatus(status), CertificateStatus(ev.status)
                )
                if status and ev.status
                else None
            )
            if why is not None:
                if refuse is not None:
                    refuse(ev, f"revision {ev.revision} of {ev.record_key}: {why}")
                continue
            latest[pair] = (ev.revision, ev.status)
        kept[ident] = ev
    return kept


_ROWS = "rows"


class _Lookups(NamedTuple):
    current: Select[*tuple[Any, ...]]
    held: Select[str, str, int]


@functools.cache
def _lookups(dialect: str) -> _Lookups:
    """Made once per dialect, the rows bound when they run (services.common.
    sql.tuples_among_bound): a batch of one event looks them up too."""
    r, v = record_table.c, version_table.c
    return _Lookups(
        select(
            r.province, r.record_key, r.revision, r.sequence, r.uscc, r.label_code, r.status
        ).where(tuples_among_bound(dialect, [r.province, r.record_key], _ROWS)),
        select(v.province, v.record_key, v.revision).where(
            tuples_among_bound(dialect, [v.province, v.record_key, v.revision], _ROWS)
        ),
    )
