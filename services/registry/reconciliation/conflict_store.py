"""Detected conflicts in SQL: reconciled inside the apply transaction, then queried.

For the groups a batch touched, the conflicts the domain rules find in the
current records are compared with the open ones stored: new ones are opened,
ones whose records changed are updated, vanished ones are resolved. Each such
change also goes to the change log, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Index, Table, bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import registry
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel

from services.common.sql import among_bound, create_tables, listed
from services.core.conflicts import ConflictRecord, ConflictType, DetectedConflict, Scope
from services.core.provenance import as_utc
from services.core.provinces import Province
from services.registry.reconciliation import changelog
from services.registry.reconciliation.changelog import ChangeType, tags
from services.registry.records.store import REBUILD


class ConflictTables(SQLModel, registry=registry()):
    """Base of the conflict table (its own metadata)."""


class ConflictEntry(ConflictTables, table=True):
    __tablename__ = "conflict"
    __table_args__ = (
        Index("ix_conflict_subject", "subject"),
        Index("ix_conflict_resolved_at", "resolved_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    conflict_type: str = Field(max_length=40)
    subject: str = Field(max_length=200)
    # JSON list of {province, record_key, value, holder_uscc}, sorted: equal
    # records give equal text, which is how an update is recognised.
    records: str
    # Filter tags ",A,B," (see changelog.tags).
    usccs: str
    provinces: str = Field(max_length=32)
    kinds: str = Field(max_length=80)
    summary: str
    first_seen: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None = None


conflict_table: Table = ConflictEntry.__table__  # type: ignore[attr-defined]


def create_schema(engine: Engine) -> None:
    create_tables(engine, ConflictTables.metadata, REBUILD)


@dataclass(frozen=True, slots=True)
class StoredConflict:
    conflict_id: int
    type: ConflictType
    subject: str
    records: tuple[ConflictRecord, ...]
    summary: str
    first_seen: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


def _records_json(records: Sequence[ConflictRecord]) -> str:
    return json.dumps(
        [
            {
                "province": r.province.value,
                "record_key": r.record_key,
                "value": r.value,
                "holder_uscc": r.holder_uscc,
            }
            for r in records
        ],
        ensure_ascii=False,
        sort_keys=True,
    )


def _records_from_json(text: str) -> tuple[ConflictRecord, ...]:
    return tuple(
        ConflictRecord(Province(r["province"]), r["record_key"], r["value"], r["holder_uscc"])
        for r in json.loads(text)
    )


def snapshot(conflict: StoredConflict) -> str:
    """The conflict as JSON, for the change log."""

    def when(value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return json.dumps(
        {
            "conflict_id": conflict.conflict_id,
            "type": conflict.type.value,
            "subject": conflict.subject,
            "records": json.loads(_records_json(conflict.records)),
            "summary": conflict.summary,
            "first_seen": when(conflict.first_seen),
            "updated_at": when(conflict.updated_at),
            "resolved_at": when(conflict.resolved_at),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def from_snapshot(text: str) -> StoredConflict:
    data = json.loads(text)
    resolved = data["resolved_at"]
    return StoredConflict(
        conflict_id=data["conflict_id"],
        type=ConflictType(data["type"]),
        subject=data["subject"],
        records=_records_from_json(json.dumps(data["records"])),
        summary=data["summary"],
        first_seen=dt.datetime.fromisoformat(data["first_seen"]),
        updated_at=dt.datetime.fromisoformat(data["updated_at"]),
        resolved_at=None if resolved is None else dt.datetime.fromisoformat(resolved),
    )


def _stored(row: Any) -> StoredConflict:
    return StoredConflict(
        conflict_id=row.id,
        type=ConflictType(row.conflict_type),
        subject=row.subject,
        records=_records_from_json(row.records),
        summary=row.summary,
        first_seen=as_utc(row.first_seen),
        updated_at=as_utc(row.updated_at),
        resolved_at=as_utc(row.resolved_at),
    )


def _kind(record_key: str) -> str:
    return record_key.split("/", 1)[0]


def _tag_columns(records: Sequence[ConflictRecord]) -> dict[str, str]:
    return {
        "usccs": tags(r.holder_uscc for r in records),
        "provinces": tags(r.province.value for r in records),
        "kinds": tags(_kind(r.record_key) for r in records),
    }


def _change(change_type: ChangeType, conflict: StoredConflict, now: dt.datetime) -> dict[str, Any]:
    return changelog.conflict_change(
        change_type,
        conflict_id=conflict.conflict_id,
        snapshot=snapshot(conflict),
        provinces=[r.province.value for r in conflict.records],
        kinds=[_kind(r.record_key) for r in conflict.records],
        usccs=[r.holder_uscc for r in conflict.records],
        record_keys=[r.record_key for r in conflict.records],
        now=now,
    )


def _open_in_scope(conn: Connection, scope: Scope) -> dict[tuple[ConflictType, str], Any]:
    subjects = list(scope.record_keys | scope.usccs | scope.label_codes)
    found: dict[tuple[ConflictType, str], Any] = {}
    # Open ones picked here rather than in SQL: given both conditions, SQLite
    # walked the index of open conflicts, all of them, on every batch applied.
    dialect = conn.dialect.name
    rows = conn.execute(_conflicts_of(dialect), {_SUBJECTS: listed(dialect, subjects)})
    for row in rows:
        if row.resolved_at is not None:
            continue
        kind = ConflictType(row.conflict_type)
        # A subject string could in principle name groups of two kinds
        # (a label code shaped like a USCC): the type says which one it is.
        if scope.covers(kind, row.subject):
            found[(kind, row.subject)] = row
    return found


_SUBJECTS = "subjects"


@functools.cache
def _conflicts_of(dialect: str) -> Select[Any]:
    """The conflicts of the subjects listed in parameter _SUBJECTS, made once
    per dialect (services.common.sql.among_bound)."""
    return select(conflict_table).where(among_bound(dialect, conflict_table.c.subject, _SUBJECTS))


def reconcile(
    conn: Connection, detected: Sequence[DetectedConflict], scope: Scope, now: dt.datetime
) -> list[dict[str, Any]]:
    """Brings the stored open conflicts of `scope` in line with `detected` (every
    conflict of the scope's groups in the current records). Returns the change
    log rows, in a deterministic order."""
    if not scope:
        return []
    stored = _open_in_scope(conn, scope)
    wanted = {c.key: c for c in detected}
    opened = [c for key, c in sorted(wanted.items()) if key not in stored]
    updated = [
        (stored[key], c)
        for key, c in sorted(wanted.items())
        if key in stored and stored[key].records != _records_json(c.records)
    ]
    resolved = [row for key, row in sorted(stored.items()) if key not in wanted]
    changes: list[tuple[tuple[ConflictType, str], dict[str, Any]]] = []

    if opened:
        rows = [
            {
                "conflict_type": c.type.value,
                "subject": c.subject,
                "records": _records_json(c.records),
                **_tag_columns(c.records),
                "summary": c.summary,
                "first_seen": now,
                "updated_at": now,
                "resolved_at": None,
            }
            for c in opened
        ]
        ids = conn.execute(
            insert(conflict_table).returning(conflict_table.c.id, sort_by_parameter_order=True),
            rows,
        ).scalars()
        for conflict_id, c in zip(ids, opened, strict=True):
            view = StoredConflict(
                conflict_id, c.type, c.subject, c.records, c.summary, now, now, None
            )
            changes.append((c.key, _change(ChangeType.CONFLICT_OPENED, view, now)))

    if updated:
        conn.execute(
            update(conflict_table)
            .where(conflict_table.c.id == bindparam("b_id"))
            .values(
                records=bindparam("b_records"),
                usccs=bindparam("b_usccs"),
                provinces=bindparam("b_provinces"),
                kinds=bindparam("b_kinds"),
                summary=bindparam("b_summary"),
                updated_at=bindparam("b_now"),
            ),
            [
                {
                    "b_id": row.id,
                    "b_records": _records_json(c.records),
                    **{f"b_{k}": v for k, v in _tag_columns(c.records).items()},
                    "b_summary": c.summary,
                    "b_now": now,
                }
                for row, c in updated
            ],
        )
        for row, c in updated:
            view = StoredConflict(
                row.id, c.type, c.subject, c.records, c.summary, as_utc(row.first_seen), now, None
            )
            changes.append((c.key, _change(ChangeType.CONFLICT_UPDATED, view, now)))

    if resolved:
        conn.execute(
            update(conflict_table)
            .where(conflict_table.c.id == bindparam("b_id"))
            .values(resolved_at=bindparam("b_now"), updated_at=bindparam("b_now")),
            [{"b_id": row.id, "b_now": now} for row in resolved],
        )
        for row in resolved:
            view = replace(_stored(row), updated_at=now, resolved_at=now)
            changes.append(
                ((view.type, view.subject), _change(ChangeType.CONFLICT_RESOLVED, view, now))
            )

    changes.sort(key=lambda item: item[0])
    return [row for _, row in changes]


class ConflictStore:
    """Reads of the conflicts table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find(
        self,
        *,
        types: Iterable[ConflictType] = (),
        uscc: str | None = None,
        open_only: bool = False,
        after_id: int = 0,
        limit: int = 100,
        known_at: dt.datetime | None = None,
    ) -> list[StoredConflict]:
        """Conflicts by id; with `known_at`, as they stood then (open_only: open then)."""
        t = conflict_table
        stmt = select(t).where(t.c.id > after_id)
        wanted = [c.value for c in types]
        if wanted:
            stmt = stmt.where(t.c.conflict_type.in_(wanted))
        if uscc:
            stmt = stmt.where(_naming_holder(uscc, known_at))
        stmt = _known(stmt, known_at, open_only)
        if uscc and known_at is not None:
            # The holders a conflict named then decide, not the ones it names
            # now: read all of a holder's candidates (few) and keep those that
            # named it then, before the limit.
            with self._engine.connect() as conn:
                found = [_stored(r) for r in conn.execute(stmt.order_by(t.c.id))]
                then = _as_known(conn, found, known_at)
            return [c for c in then if any(r.holder_uscc == uscc for r in c.records)][:limit]
        with self._engine.connect() as conn:
            found = [_stored(r) for r in conn.execute(stmt.order_by(t.c.id).limit(limit))]
            return _as_known(conn, found, known_at)

    def open_about(
        self, subjects: Iterable[str], known_at: dt.datetime | None = None
    ) -> list[StoredConflict]:
        """Conflicts open (at `known_at`, or now) whose subject is one of
        `subjects` (record keys, USCCs, labels)."""
        t = conflict_table
        wanted = sorted(set(subjects))
        if not wanted:
            return []
        stmt = _known(select(t).where(t.c.subject.in_(wanted)), known_at, open_only=True)
        with self._engine.connect() as conn:
            return _as_known(
                conn, [_stored(r) for r in conn.execute(stmt.order_by(t.c.id))], known_at
            )


def _naming_holder(uscc: str, known_at: dt.datetime | None) -> ColumnElement[bool]:
    """Conflicts that name the holder now, or (with `known_at`) named it in a
    snapshot logged by then: a record that changed holder since took its
    conflict along, and an answer at `known_at` must still find it by the old one."""
    t = conflict_table.c
    now = t.usccs.like(f"%,{uscc},%")
    if known_at is None:
        return now
    log = changelog.change_log.c
    logged = select(log.conflict_id).where(
        log.conflict_id.is_not(None), log.recorded_at <= known_at, log.usccs.like(f"%,{uscc},%")
    )
    return or_(now, t.id.in_(logged))


def _known(stmt: Select[Any], known_at: dt.datetime | None, open_only: bool) -> Select[Any]:
    """Only conflicts seen by `known_at` (all when None), open then if asked."""
    t = conflict_table.c
    if known_at is None:
        return stmt.where(t.resolved_at.is_(None)) if open_only else stmt
    stmt = stmt.where(t.first_seen <= known_at)
    if open_only:
        stmt = stmt.where(or_(t.resolved_at.is_(None), t.resolved_at > known_at))
    return stmt


def _as_known(
    conn: Connection, found: list[StoredConflict], known_at: dt.datetime | None
) -> list[StoredConflict]:
    """Conflicts changed after `known_at` as they stood then: the change log's
    snapshot of each one's last change at or before it."""
    if known_at is None:
        return found
    stale = [c.conflict_id for c in found if c.updated_at > known_at]
    if not stale:
        return found
    log = changelog.change_log.c
    rows = conn.execute(
        select(log.conflict_id, log.conflict)
        .where(log.conflict_id.in_(stale), log.recorded_at <= known_at)
        .order_by(log.id)
    )
    then = {conflict_id: from_snapshot(text) for conflict_id, text in rows}
    return [then.get(c.conflict_id, c) for c in found]
