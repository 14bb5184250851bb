"""Records as the hub knew them at an instant and as they held on a day (the
bitemporal reads behind every query's AsOf)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import TypeVar

from services.core.history import AsOf, in_force_on, latest
from services.core.records import RecordKind
from services.registry.records.domain import source
from services.registry.records.store import KnownVersion, RecordStore, StoredRow
from yrdhub.v1 import events_pb2


def status_effective(row: StoredRow) -> dt.date | None:
    """The day a certificate version's status took effect, when it states one
    (only past days ask: the current rows answer the present)."""
    if row.kind not in (RecordKind.QUALIFICATION, RecordKind.GREEN_CERT):
        return None
    record = events_pb2.Event.FromString(row.payload).record
    day: str = getattr(record, row.kind).status_effective_date
    return dt.date.fromisoformat(day) if day else None


def in_force(
    versions: Iterable[KnownVersion],
    day: dt.date,
    keep: Callable[[KnownVersion], bool] = lambda _: True,
) -> list[KnownVersion]:
    """Each province's version of each record in force on `day` (core.history's
    rule), when `keep` accepts it: a record whose holder or code changed is
    found by what it said on that day, not by what an older version said."""
    per_record: dict[tuple[str, str], list[KnownVersion]] = defaultdict(list)
    for version in versions:
        per_record[(version.row.province, version.row.record_key)].append(version)
    held = (_held_on(found, day) for _, found in sorted(per_record.items()))
    return [v for v in held if v is not None and keep(v)]


# Kinds whose records date themselves (listed and lifted days).
V = TypeVar("V")
_SELF_DATED = frozenset({RecordKind.CREDIT_EVENT.value, RecordKind.SIGNATORY_BAN.value})


def held_on(versions: Sequence[V], day: dt.date, row_of: Callable[[V], StoredRow]) -> V | None:
    """Of one record's versions in one province (each's row: `row_of`), the one
    that answers for `day`: the version in force then, or, for a record that
    dates itself (listed and lifted days: credit events, signatory bans),
    whose later revisions correct those dates, the latest known one."""
    if not versions:
        return None
    if row_of(versions[0]).kind in _SELF_DATED:
        return latest(versions, lambda v: row_of(v).revision)
    return in_force_on(
        versions, day, lambda v: source(row_of(v)), lambda v: status_effective(row_of(v))
    )


def _held_on(versions: list[KnownVersion], day: dt.date) -> KnownVersion | None:
    return held_on(versions, day, attrgetter("row"))


def row_held_on(rows: Sequence[StoredRow], day: dt.date) -> StoredRow | None:
    """held_on, for stored rows."""
    return held_on(rows, day, lambda r: r)


class RecordsAsOf:
    """The record reads of every query, at its AsOf: the current rows when they
    answer (the hub's present knowledge, on a day from today on), else the
    versions applied by known_at, each record's one in force on valid_on."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store

    @property
    def store(self) -> RecordStore:
        return self._store

    def by_key(self, record_key: str, when: AsOf) -> list[StoredRow]:
        if when.current:
            return self._store.by_key(record_key)
        found = self._store.known_versions(when.known_at, record_key=record_key)
        return [v.row for v in in_force(found, when.valid_on)]

    def by_uscc(self, uscc: str, when: AsOf) -> list[StoredRow]:
        """Records naming the holder, by kind, key and province."""
        if when.current:
            return self._store.by_uscc(uscc)
        found = self._store.known_versions(when.known_at, uscc=uscc)
        held = in_force(found, when.valid_on, lambda v: v.uscc == uscc)
        return sorted((v.row for v in held), key=lambda r: (r.kind, r.record_key, r.province))

    def of_kind(self, kind: RecordKind, when: AsOf) -> list[StoredRow]:
        """Every record of one kind, each province's version as of `when`, by
        province and key: for kinds few enough to read whole (signatory bans)."""
        if when.current:
            return self._store.of_kind(kind.value)
        found = self._store.known_versions(when.known_at, kind=kind.value)
        return [v.row for v in in_force(found, when.valid_on)]

    def by_code(self, code: str, when: AsOf) -> list[KnownVersion]:
        """Certificates whose number or label code is `code`, by province (only
        for a past day or knowledge: current checks read their stored answers)."""
        found = self._store.known_versions(when.known_at, code=code)
        held = in_force(found, when.valid_on, lambda v: v.names(code))
        return sorted(held, key=lambda v: (v.row.province, v.row.record_key))

    def versions_of(self, record_keys: Sequence[str], when: AsOf) -> list[StoredRow]:
        """Every version of these records the hub knew at when.known_at."""
        return self._store.versions_of(record_keys, None if when.latest else when.known_at)

    def by_usccs(self, usccs: Iterable[str], when: AsOf) -> list[StoredRow]:
        """Records naming any of these holders (by_uscc for each)."""
        wanted = sorted(set(usccs))
        if when.current:
            return self._store.by_usccs(wanted)
        return [row for uscc in wanted for row in self.by_uscc(uscc, when)]

    def versions(self, record_key: str, when: AsOf) -> list[StoredRow]:
        """Every version the hub knew at when.known_at, by province then revision."""
        return self._store.versions(record_key, None if when.latest else when.known_at)
