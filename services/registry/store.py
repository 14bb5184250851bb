"""The registry's reconciled store.

Each batch of events is applied in one transaction together with the Kafka
offsets that produced it, so a restart resumes exactly after the last applied
event: nothing lost, nothing applied twice. Duplicated or replayed events are
no-ops because a record only moves to a higher revision.

The same transaction re-evaluates the conflicts of every group the batch
touched and appends to the change log, so conflicts and change streams are
exactly as current as the records, and converge like them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Index, LargeBinary, func, inspect, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select
from sqlmodel import Column, Field, SQLModel

from services.common.sql import among, insert_ignore, pairs_among, stored_offsets, upsert
from services.core.conflicts import CERTIFICATE_KINDS, CertificateFacts, Scope, detect_conflicts
from services.core.provenance import as_utc
from services.core.provinces import Province
from services.core.records import RecordKind
from services.registry import changelog, conflict_store
from services.registry.answers import applied_at_field


class RegistryRecord(SQLModel, table=True):
    """The current revision of each record, per publishing province."""

    __tablename__ = "registry_record"
    __table_args__ = (
        # The trailing columns cover the conflict checks of the apply path
        # (names per USCC, certificates per label) without table lookups.
        Index("ix_registry_record_uscc", "uscc", "kind", "holder_name"),
        Index("ix_registry_record_code", "code"),
        Index("ix_registry_record_label", "label_code", "kind", "record_key"),
    )
    province: str = Field(primary_key=True, max_length=2)
    record_key: str = Field(primary_key=True, max_length=200)
    kind: str = Field(max_length=32)
    revision: int
    sequence: int
    event_id: str = Field(max_length=36)
    accepted_at: dt.datetime
    applied_at: dt.datetime
    uscc: str = Field(max_length=18)
    code: str | None = Field(default=None, max_length=64)
    label_code: str | None = Field(default=None, max_length=64)
    # What conflict rules compare, kept beside the payload so that detecting
    # conflicts in the apply transaction needs no protobuf parsing.
    holder_name: str | None = Field(default=None, max_length=500)
    status: str | None = Field(default=None, max_length=16)
    # Unbounded: an exchange's malformed date must not fail a whole batch.
    valid_until: str | None = Field(default=None)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Check answers serialized at apply time (see answers.py): the StoredRecord
    # of a certificate, and the LabelMatch of a green certificate.
    answer: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    label_answer: bytes | None = Field(default=None, sa_column=Column(LargeBinary))


class RecordVersion(SQLModel, table=True):
    """Every revision ever applied: the history behind as-of queries."""

    __tablename__ = "record_version"
    province: str = Field(primary_key=True, max_length=2)
    record_key: str = Field(primary_key=True, max_length=200)
    revision: int = Field(primary_key=True)
    sequence: int
    event_id: str = Field(max_length=36)
    accepted_at: dt.datetime
    applied_at: dt.datetime
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class FeedState(SQLModel, table=True):
    __tablename__ = "feed_state"
    province: str = Field(primary_key=True, max_length=2)
    last_sequence: int = 0
    last_accepted_at: dt.datetime | None = None
    last_applied_at: dt.datetime | None = None
    events_applied: int = 0


class ConsumerOffset(SQLModel, table=True):
    __tablename__ = "consumer_offset"
    topic: str = Field(primary_key=True, max_length=200)
    partition: int = Field(primary_key=True)
    next_offset: int


class DeadLetter(SQLModel, table=True):
    """Events that could not be parsed: kept for inspection, never block the feed."""

    __tablename__ = "dead_letter"
    topic: str = Field(primary_key=True, max_length=200)
    partition: int = Field(primary_key=True)
    offset: int = Field(primary_key=True)
    error: str
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


_record = SQLModel.metadata.tables["registry_record"]
_version = SQLModel.metadata.tables["record_version"]
_feed = SQLModel.metadata.tables["feed_state"]
_offset = SQLModel.metadata.tables["consumer_offset"]
_dead = SQLModel.metadata.tables["dead_letter"]
_TABLES = [
    _record,
    _version,
    _feed,
    _offset,
    _dead,
    conflict_store.conflict_table,
    changelog.change_log,
]


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """One parsed event, with the columns the store indexes."""

    province: str
    record_key: str
    kind: str
    revision: int
    sequence: int
    event_id: str
    accepted_at: dt.datetime
    uscc: str
    code: str | None
    label_code: str | None
    payload: bytes
    # For certificates: institution or enterprise name, canonical status, the
    # last valid day, and check answers without their applied_at (answers.py).
    holder_name: str | None = None
    status: str | None = None
    valid_until: str | None = None
    answer: bytes | None = None
    label_answer: bytes | None = None


_PROVINCE_OF = {p.value: p for p in Province}
_KIND_OF = {k.value: k for k in RecordKind}
_CERTIFICATE_KIND_NAMES = frozenset(k.value for k in CERTIFICATE_KINDS)


def _facts_of(ev: IncomingEvent) -> CertificateFacts:
    # Dict lookups rather than enum constructors: this runs for every record applied.
    return CertificateFacts(
        _PROVINCE_OF[ev.province],
        ev.record_key,
        _KIND_OF[ev.kind],
        ev.uscc,
        ev.holder_name or "",
        ev.status or "",
        ev.label_code,
    )


@dataclass(frozen=True, slots=True)
class _Prior:
    revision: int
    uscc: str
    label_code: str | None


@dataclass(frozen=True, slots=True)
class StoredRow:
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


@dataclass(frozen=True, slots=True)
class DeadEvent:
    topic: str
    partition: int
    offset: int
    error: str
    payload: bytes


_ROW_COLUMNS = (
    "province",
    "record_key",
    "kind",
    "revision",
    "sequence",
    "event_id",
    "accepted_at",
    "applied_at",
    "payload",
)


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


class RegistryStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_schema(self) -> None:
        SQLModel.metadata.create_all(self._engine, tables=_TABLES)
        self._check_columns()

    def _check_columns(self) -> None:
        """Fails clearly on a database an older registry made: create_all adds
        missing tables but not missing columns, and there are no migrations."""
        inspector = inspect(self._engine)
        for table in _TABLES:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            missing = [c.name for c in table.c if c.name not in present]
            if missing:
                raise RuntimeError(
                    f"the registry database predates this version: table {table.name} "
                    f"lacks {', '.join(missing)}. A registry rebuilds from Kafka: move "
                    f"the database aside (or point --db at a new one) and start again."
                )

    def offsets(self) -> dict[tuple[str, int], int]:
        """Where to resume each partition: the offset after the last applied event."""
        return stored_offsets(self._engine, _offset)

    def apply(
        self,
        events: Sequence[IncomingEvent],
        offsets: dict[tuple[str, int], int],
        dead: Sequence[DeadEvent] = (),
        now: dt.datetime | None = None,
    ) -> int:
        """Applies a batch and moves the offsets, atomically. Returns how many
        events were new (not already held at that revision)."""
        now = now or dt.datetime.now(dt.UTC)
        with self._engine.begin() as conn:
            held = self._held_revisions(conn, events)
            fresh: dict[tuple[str, str, int], IncomingEvent] = {}
            for ev in events:
                ident = (ev.province, ev.record_key, ev.revision)
                if ident not in held:
                    fresh[ident] = ev
            if fresh:
                # Only records already held have a current row to look up.
                updated = {(p, k) for p, k, _ in held} & {(p, k) for p, k, _ in fresh}
                before = self._current(conn, updated)
                insert_ignore(
                    conn,
                    _version,
                    [
                        {
                            "province": ev.province,
                            "record_key": ev.record_key,
                            "revision": ev.revision,
                            "sequence": ev.sequence,
                            "event_id": ev.event_id,
                            "accepted_at": ev.accepted_at,
                            "applied_at": now,
                            "payload": ev.payload,
                        }
                        for ev in fresh.values()
                    ],
                    key=["province", "record_key", "revision"],
                )
                applied_at = applied_at_field(now)
                latest: dict[tuple[str, str], IncomingEvent] = {}
                for ev in fresh.values():
                    prior = latest.get((ev.province, ev.record_key))
                    if prior is None or ev.revision > prior.revision:
                        latest[(ev.province, ev.record_key)] = ev
                upsert(
                    conn,
                    _record,
                    [
                        {
                            "province": ev.province,
                            "record_key": ev.record_key,
                            "kind": ev.kind,
                            "revision": ev.revision,
                            "sequence": ev.sequence,
                            "event_id": ev.event_id,
                            "accepted_at": ev.accepted_at,
                            "applied_at": now,
                            "uscc": ev.uscc,
                            "code": ev.code,
                            "label_code": ev.label_code,
                            "holder_name": ev.holder_name,
                            "status": ev.status,
                            "valid_until": ev.valid_until,
                            "payload": ev.payload,
                            "answer": ev.answer and ev.answer + applied_at,
                            "label_answer": ev.label_answer,
                        }
                        for ev in latest.values()
                    ],
                    key=["province", "record_key"],
                    update=[
                        "kind",
                        "revision",
                        "sequence",
                        "event_id",
                        "accepted_at",
                        "applied_at",
                        "uscc",
                        "code",
                        "label_code",
                        "holder_name",
                        "status",
                        "valid_until",
                        "payload",
                        "answer",
                        "label_answer",
                    ],
                    only_if_newer="revision",
                )
                self._advance_feeds(conn, fresh.values(), now)
                self._reconcile(conn, fresh.values(), latest, before, now)
            if dead:
                insert_ignore(
                    conn,
                    _dead,
                    [asdict(d) for d in dead],
                    key=["topic", "partition", "offset"],
                )
            upsert(
                conn,
                _offset,
                [{"topic": t, "partition": p, "next_offset": o} for (t, p), o in offsets.items()],
                key=["topic", "partition"],
                update=["next_offset"],
            )
        return len(fresh)

    @staticmethod
    def _current(conn: Connection, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], _Prior]:
        """The current rows of `pairs` before the batch: their old holder and label
        may leave a group whose conflicts must then be re-evaluated."""
        if not pairs:
            return {}
        r = _record.c
        rows = conn.execute(
            select(r.province, r.record_key, r.revision, r.uscc, r.label_code).where(
                pairs_among(conn, r.province, r.record_key, list(pairs))
            )
        )
        return {(p, k): _Prior(revision, uscc, label) for p, k, revision, uscc, label in rows}

    @classmethod
    def _reconcile(
        cls,
        conn: Connection,
        fresh: Iterable[IncomingEvent],
        latest: dict[tuple[str, str], IncomingEvent],
        prior: dict[tuple[str, str], _Prior],
        now: dt.datetime,
    ) -> None:
        """Logs every new version, then re-evaluates the conflicts of the groups
        whose current records changed (old and new holder and label included)."""
        changes = []
        changed: list[IncomingEvent] = []
        keys: set[str] = set()
        usccs: set[str] = set()
        labels: set[str] = set()
        for ev in fresh:
            pair = (ev.province, ev.record_key)
            before = prior.get(pair)
            current = latest[pair] is ev and (before is None or ev.revision > before.revision)
            changes.append(
                changelog.record_change(
                    province=ev.province,
                    record_key=ev.record_key,
                    revision=ev.revision,
                    uscc=ev.uscc,
                    previous_uscc=before.uscc if before else None,
                    became_current=current,
                )
            )
            if current and ev.kind in _CERTIFICATE_KIND_NAMES:
                changed.append(ev)
                keys.add(ev.record_key)
                usccs.add(ev.uscc)
                labels.update(v for v in (ev.label_code,) if v)
                if before is not None:
                    usccs.add(before.uscc)
                    labels.update(v for v in (before.label_code,) if v)
        scope = Scope(frozenset(keys), frozenset(usccs), frozenset(labels))
        if scope:
            facts = cls._facts(conn, scope, [_facts_of(ev) for ev in changed])
            detected = detect_conflicts(facts, scope)
            changes.extend(conflict_store.reconcile(conn, detected, scope, now))
        changelog.append(conn, changes)

    @staticmethod
    def _facts(
        conn: Connection, scope: Scope, changed: list[CertificateFacts]
    ) -> list[CertificateFacts]:
        """Every current certificate of the groups in scope that may hold a conflict.

        A group can conflict only if it has two records (a key), two names (a
        USCC) or two certificates (a label); one aggregate query per kind of
        group finds those, and only their rows are loaded. Every other group is
        just the changed records themselves (enough for the issuer rule), which
        the batch already holds: loading them again would double the cost of
        applying a batch of new records.
        """
        r = _record.c
        kinds = [k.value for k in CERTIFICATE_KINDS]
        facts = {(f.province.value, f.record_key): f for f in changed}
        columns = (r.province, r.record_key, r.kind, r.uscc, r.holder_name, r.status, r.label_code)
        for column, values, having in (
            (r.record_key, scope.record_keys, func.count() > 1),
            (r.uscc, scope.usccs, func.count(r.holder_name.distinct()) > 1),
            (r.label_code, scope.label_codes, func.count(r.record_key.distinct()) > 1),
        ):
            if not values:
                continue
            where = [r.kind.in_(kinds)]
            if column is r.record_key:
                # Every province listed: a lookup by key then walks the primary key.
                where.append(r.province.in_(_PROVINCE_OF))
            suspects = list(
                conn.execute(
                    select(column)
                    .where(*where, among(conn, column, list(values)))
                    .group_by(column)
                    .having(having)
                ).scalars()
            )
            if not suspects:
                continue
            stmt = select(*columns).where(*where, among(conn, column, suspects))
            for province, key, kind, uscc, name, status, label in conn.execute(stmt):
                facts[(province, key)] = CertificateFacts(
                    _PROVINCE_OF[province],
                    key,
                    _KIND_OF[kind],
                    uscc,
                    name or "",
                    status or "",
                    label,
                )
        return list(facts.values())

    @staticmethod
    def _held_revisions(
        conn: Connection, events: Sequence[IncomingEvent]
    ) -> set[tuple[str, str, int]]:
        pairs = {(ev.province, ev.record_key) for ev in events}
        if not pairs:
            return set()
        v = _version.c
        rows = conn.execute(
            select(v.province, v.record_key, v.revision).where(
                pairs_among(conn, v.province, v.record_key, list(pairs))
            )
        )
        return {(p, k, r) for p, k, r in rows}

    @staticmethod
    def _advance_feeds(conn: Connection, events: Iterable[IncomingEvent], now: dt.datetime) -> None:
        per: dict[str, list[IncomingEvent]] = {}
        for ev in events:
            per.setdefault(ev.province, []).append(ev)
        current = {
            row.province: row
            for row in conn.execute(select(_feed).where(_feed.c.province.in_(list(per))))
        }
        rows = []
        for province, evs in per.items():
            old = current.get(province)
            last_seq = max(ev.sequence for ev in evs)
            last_acc = max(ev.accepted_at for ev in evs)
            if old is not None:
                last_seq = max(last_seq, old.last_sequence)
                old_acc = as_utc(old.last_accepted_at)
                if old_acc is not None:
                    last_acc = max(last_acc, old_acc)
            rows.append(
                {
                    "province": province,
                    "last_sequence": last_seq,
                    "last_accepted_at": last_acc,
                    "last_applied_at": now,
                    "events_applied": (old.events_applied if old is not None else 0) + len(evs),
                }
            )
        upsert(
            conn,
            _feed,
            rows,
            key=["province"],
            update=["last_sequence", "last_accepted_at", "last_applied_at", "events_applied"],
        )

    # Queries -----------------------------------------------------------------

    @staticmethod
    def _select_rows() -> Select[tuple[object, ...]]:
        return select(*(_record.c[name] for name in _ROW_COLUMNS))

    def by_key(self, record_key: str) -> list[StoredRow]:
        with self._engine.connect() as conn:
            # Every province listed, so the lookup walks the primary key.
            stmt = self._select_rows().where(
                _record.c.province.in_(_PROVINCE_OF), _record.c.record_key == record_key
            )
            return [_stored(r) for r in conn.execute(stmt.order_by(_record.c.province))]

    def by_uscc(self, uscc: str) -> list[StoredRow]:
        with self._engine.connect() as conn:
            stmt = self._select_rows().where(_record.c.uscc == uscc)
            return [
                _stored(r)
                for r in conn.execute(
                    stmt.order_by(_record.c.kind, _record.c.record_key, _record.c.province)
                )
            ]

    def by_code(self, code: str) -> list[StoredRow]:
        """Certificates whose number or label code is `code`, in every province."""
        with self._engine.connect() as conn:
            stmt = self._select_rows().where(
                or_(_record.c.code == code, _record.c.label_code == code)
            )
            return [_stored(r) for r in conn.execute(stmt.order_by(_record.c.province))]

    def versions(self, record_key: str, applied_by: dt.datetime | None = None) -> list[StoredRow]:
        """Every version of a record from every province, by province then revision;
        with `applied_by`, only those the registry had applied at or before it."""
        v = _version.c
        stmt = select(
            v.province,
            v.record_key,
            v.revision,
            v.sequence,
            v.event_id,
            v.accepted_at,
            v.applied_at,
            v.payload,
        ).where(
            # Every province listed, so the lookup walks the primary key.
            v.province.in_([p.value for p in Province]),
            v.record_key == record_key,
        )
        if applied_by is not None:
            stmt = stmt.where(v.applied_at <= applied_by)
        kind = record_key.split("/", 1)[0]
        with self._engine.connect() as conn:
            return [
                _stored((province, key, kind, revision, seq, event_id, accepted, applied, payload))
                for province, key, revision, seq, event_id, accepted, applied, payload in (
                    conn.execute(stmt.order_by(v.province, v.revision))
                )
            ]

    def feeds(self) -> list[Feed]:
        with self._engine.connect() as conn:
            return [
                Feed(
                    row.province,
                    row.last_sequence,
                    as_utc(row.last_accepted_at),
                    as_utc(row.last_applied_at),
                    row.events_applied,
                )
                for row in conn.execute(select(_feed).order_by(_feed.c.province))
            ]

    def record_count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_record)).scalar_one())

    def dead_letters(self) -> list[DeadEvent]:
        with self._engine.connect() as conn:
            return [DeadEvent(*row) for row in conn.execute(select(_dead))]
