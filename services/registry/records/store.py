"""Reads of the reconciled records: by key, institution, code and version, and
the feeds' freshness. The ingest capability writes these tables (ingest/apply.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from services.common.sql import create_tables, stored_offsets
from services.core.chain import ChainReport
from services.core.provenance import as_utc
from services.core.provinces import Province
from services.registry.records.tables import (
    RecordTables,
    dead_letter_table,
    feed_table,
    former_term_table,
    offset_table,
    record_table,
    version_table,
)

PROVINCE_CODES = [p.value for p in Province]
REBUILD = (
    "A registry rebuilds from Kafka: move the database aside (or point --db at a new one) "
    "and start again. Draws and assignments are not in Kafka: when the pool shares this "
    "database (no --pool-db), keep the old file as the pool's --pool-db."
)


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One version of a record as stored: its provenance and event payload."""

    province: str
    record_key: str
    kind: str
    revision: int
    sequence: int
    event_id: str
    accepted_at: dt.datetime
    applied_at: dt.datetime
    payload: bytes


@dataclass(frozen=True, slots=True)
class Feed:
    province: str
    last_sequence: int
    last_accepted_at: dt.datetime | None
    last_applied_at: dt.datetime | None
    events_applied: int
    # The province's signed chain; None on a registry that does not verify.
    chain: ChainReport | None = None


@dataclass(frozen=True, slots=True)
class DeadEvent:
    topic: str
    partition: int
    offset: int
    error: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class KnownVersion:
    """A version with what as-of lookups select on: its holder and codes."""

    row: StoredRow
    uscc: str
    code: str | None
    label_code: str | None

    def names(self, code: str) -> bool:
        return code in (self.code, self.label_code)


# StoredRow's fields are columns of both record tables.
_ROW_FIELDS = tuple(StoredRow.__dataclass_fields__)
_KNOWN_FIELDS = (*_ROW_FIELDS, "uscc", "code", "label_code")


def _stored(row: Sequence[Any]) -> StoredRow:
    province, key, kind, revision, sequence, event_id, accepted, applied, payload = row
    return StoredRow(
        province,
        key,
        kind,
        revision,
        sequence,
        event_id,
        as_utc(accepted),
        as_utc(applied),
        payload,
    )


class RecordStore:
    def __init__(
        self,
        engine: Engine,
        chain_reports: Callable[[], Mapping[str, ChainReport]] | None = None,
    ) -> None:
        self._engine = engine
        # The chains' states, stated with each feed (None: not verified).
        self._chain_reports = chain_reports

    @property
    def engine(self) -> Engine:
        return self._engine

    def create_schema(self) -> None:
        create_tables(self._engine, RecordTables.metadata, REBUILD)

    def offsets(self) -> dict[tuple[str, int], int]:
        """Where to resume each partition: the offset after the last applied event."""
        return stored_offsets(self._engine, offset_table)

    @staticmethod
    def _select_rows() -> Select[tuple[object, ...]]:
        return select(*(record_table.c[name] for name in _ROW_FIELDS))

    def by_key(self, record_key: str) -> list[StoredRow]:
        r = record_table.c
        with self._engine.connect() as conn:
            # Every province listed, so the lookup walks the primary key.
            stmt = self._select_rows().where(
                r.province.in_(PROVINCE_CODES), r.record_key == record_key
            )
            return [_stored(row) for row in conn.execute(stmt.order_by(r.province))]

    def by_uscc(self, uscc: str) -> list[StoredRow]:
        r = record_table.c
        with self._engine.connect() as conn:
            stmt = self._select_rows().where(r.uscc == uscc)
            return [
                _stored(row)
                for row in conn.execute(stmt.order_by(r.kind, r.record_key, r.province))
            ]

    def by_usccs(self, usccs: Sequence[str], kind: str | None = None) -> list[StoredRow]:
        """Current records naming any of these holders (of one `kind`, when given)."""
        if not usccs:
            return []
        r = record_table.c
        with self._engine.connect() as conn:
            stmt = self._select_rows().where(r.uscc.in_(list(usccs)))
            if kind is not None:
                stmt = stmt.where(r.kind == kind)
            return [_stored(row) for row in conn.execute(stmt)]

    def of_kind(self, kind: str) -> list[StoredRow]:
        """Current records of one kind, by province and key (the kind's index):
        for kinds few enough to read whole, such as signatory bans."""
        r = record_table.c
        with self._engine.connect() as conn:
            stmt = self._select_rows().where(r.kind == kind)
            return [_stored(row) for row in conn.execute(stmt.order_by(r.province, r.record_key))]

    def by_code(self, code: str) -> list[StoredRow]:
        """Certificates whose number or label code is `code`, in every province."""
        r = record_table.c
        with self._engine.connect() as conn:
            stmt = self._select_rows().where(or_(r.code == code, r.label_code == code))
            return [_stored(row) for row in conn.execute(stmt.order_by(r.province))]

    def versions(self, record_key: str, applied_by: dt.datetime | None = None) -> list[StoredRow]:
        """Every version of a record from every province, by province then revision;
        with `applied_by`, only those the registry had applied at or before it."""
        return self.versions_of([record_key], applied_by)

    def known_versions(
        self,
        applied_by: dt.datetime,
        *,
        record_key: str | None = None,
        uscc: str | None = None,
        code: str | None = None,
        kind: str | None = None,
    ) -> list[KnownVersion]:
        """Every version applied at or before `applied_by` of the records that,
        by then, had a version with this key, holder or certificate or label
        code, or of this kind (which version held on a day is the caller's
        question)."""
        v, r, f = version_table.c, record_table.c, former_term_table.c
        known = v.applied_at <= applied_by
        if record_key is not None:
            # Every province listed, so the lookup walks the primary key.
            stmt = select(*(v[name] for name in _KNOWN_FIELDS)).where(
                v.province.in_(PROVINCE_CODES), v.record_key == record_key, known
            )
        elif kind is not None:
            # A record keeps its kind (its key begins with it), so the current
            # rows name every record of the kind (by the kind's index).
            of_kind = select(r.province, r.record_key).where(r.kind == kind).subquery()
            stmt = (
                select(*(v[name] for name in _KNOWN_FIELDS))
                .join(
                    of_kind,
                    and_(v.province == of_kind.c.province, v.record_key == of_kind.c.record_key),
                )
                .where(known)
            )
        else:
            term = uscc if uscc is not None else code
            # The records that have the term now, and those that had it once.
            naming = (
                r.uscc == term if uscc is not None else or_(r.code == term, r.label_code == term)
            )
            records = union(
                select(r.province, r.record_key).where(naming),
                select(f.province, f.record_key).where(f.term == term),
            ).subquery()
            stmt = (
                select(*(v[name] for name in _KNOWN_FIELDS))
                .join(
                    records,
                    and_(v.province == records.c.province, v.record_key == records.c.record_key),
                )
                .where(known)
            )
        with self._engine.connect() as conn:
            return [
                KnownVersion(_stored(row[:9]), *row[9:])
                for row in conn.execute(stmt.order_by(v.province, v.record_key, v.revision))
            ]

    def versions_of(
        self, record_keys: Sequence[str], applied_by: dt.datetime | None = None
    ) -> list[StoredRow]:
        """Every version of these records (with `applied_by`, only those applied at
        or before it), by key, province and revision. Every province listed, so
        the lookup walks the primary key."""
        if not record_keys:
            return []
        v = version_table.c
        stmt = select(*(v[name] for name in _ROW_FIELDS)).where(
            v.province.in_(PROVINCE_CODES), v.record_key.in_(list(record_keys))
        )
        if applied_by is not None:
            stmt = stmt.where(v.applied_at <= applied_by)
        with self._engine.connect() as conn:
            return [
                _stored(row)
                for row in conn.execute(stmt.order_by(v.record_key, v.province, v.revision))
            ]

    def feeds(self) -> list[Feed]:
        """Every province's feed, one of each: how far it is applied, and its
        chain; a province nothing has come from yet has a feed at sequence 0
        (an answer's freshness says so, where leaving it out would not)."""
        chains = self._chain_reports() if self._chain_reports is not None else {}
        with self._engine.connect() as conn:
            feeds = {
                row.province: Feed(
                    row.province,
                    row.last_sequence,
                    as_utc(row.last_accepted_at),
                    as_utc(row.last_applied_at),
                    row.events_applied,
                    chains.get(row.province),
                )
                for row in conn.execute(_ALL_FEEDS)
            }
        for province in [*PROVINCE_CODES, *chains]:
            feeds.setdefault(province, Feed(province, 0, None, None, 0, chains.get(province)))
        if self._chain_reports is not None:
            empty = ChainReport(0, 0, None, "")
            feeds = {p: f if f.chain else replace(f, chain=empty) for p, f in feeds.items()}
        return [feeds[p] for p in sorted(feeds)]

    def record_count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(record_table)).scalar_one())

    def dead_letter_count(self) -> int:
        with self._engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(dead_letter_table)).scalar_one()
        return int(count)

    def dead_letters(self) -> list[DeadEvent]:
        with self._engine.connect() as conn:
            return [DeadEvent(*row) for row in conn.execute(select(dead_letter_table))]


# Made once: the ingest thread reads the feeds after every commit.
_ALL_FEEDS = select(feed_table)
