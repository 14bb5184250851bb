"""The change log: one row per applied record version and per conflict opened,
updated or resolved, written in the apply transaction of the data it reports.

The row id is the cursor of WatchChanges. The ingest thread is the only writer
and commits one batch at a time, so ids become visible in increasing order on
SQLite and PostgreSQL alike: once a reader sees id N, every lower id it will
ever see is already visible (a rolled-back batch leaves a hole, never a late row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, Table, func, or_, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import registry
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Column, Field, SQLModel

from services.common.sql import create_tables, in_values, insert_rows, tagged_with_any
from services.registry.records.store import REBUILD


class ChangeType(StrEnum):
    RECORD_VERSION = "RECORD_VERSION"
    CONFLICT_OPENED = "CONFLICT_OPENED"
    CONFLICT_UPDATED = "CONFLICT_UPDATED"
    CONFLICT_RESOLVED = "CONFLICT_RESOLVED"


class ChangeLogTables(SQLModel, registry=registry()):
    """Base of the change log table (its own metadata)."""


class ChangeLogEntry(ChangeLogTables, table=True):
    """A record version's row carries only what the hot path must write (it
    points at its record_version row, whose applied_at is when it was recorded);
    a conflict change carries its time, its filter tags and a snapshot."""

    __tablename__ = "change_log"
    __table_args__ = (
        # As-of reads of conflicts find each one's snapshots (record versions,
        # most of the log, stay out of the index).
        Index(
            "ix_change_log_conflict",
            "conflict_id",
            "id",
            sqlite_where=text("conflict_id IS NOT NULL"),
            postgresql_where=text("conflict_id IS NOT NULL"),
        ),
    )
    # BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the auto-assigned rowid.
    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    change_type: str = Field(max_length=24)
    # Institutions concerned, ",A,B,", for filtering with LIKE '%,A,%': a record
    # version names its holder (and the previous one if it changed).
    usccs: str
    # A record version: the row of record_version it reports.
    province: str | None = Field(default=None, max_length=2)
    record_key: str | None = Field(default=None, max_length=200)
    revision: int | None = None
    became_current: bool | None = None
    # A conflict change: when, the provinces and kinds involved (",A,B,"), and
    # the conflict as it stood after the change (JSON), so a replay shows what
    # subscribers saw then rather than the conflict's later state.
    recorded_at: dt.datetime | None = None
    provinces: str | None = Field(default=None, max_length=32)
    kinds: str | None = Field(default=None, max_length=80)
    # The records the conflict names (",key1,key2,").
    record_keys: str | None = None
    conflict_id: int | None = None
    conflict: str | None = None


change_log: Table = ChangeLogEntry.__table__  # type: ignore[attr-defined]
# The newest change's id (None: no change yet); made once, as readers ask
# after every commit.
LAST_CHANGE = select(func.max(change_log.c.id))


def create_schema(engine: Engine) -> None:
    create_tables(engine, ChangeLogTables.metadata, REBUILD)


_RECORD_VERSION = ChangeType.RECORD_VERSION.value


def tags(values: Iterable[str | None]) -> str:
    present = sorted({v for v in values if v})
    return "," + ",".join(present) + "," if present else ","


def record_change(
    *,
    province: str,
    record_key: str,
    revision: int,
    uscc: str,
    previous_uscc: str | None,
    became_current: bool,
) -> dict[str, Any]:
    """A record version applied; it names the previous holder too when the holder changed."""
    usccs = (
        f",{uscc}," if not previous_uscc or previous_uscc == uscc else tags((uscc, previous_uscc))
    )
    return {
        "change_type": _RECORD_VERSION,
        "usccs": usccs,
        "province": province,
        "record_key": record_key,
        "revision": revision,
        "became_current": became_current,
    }


def conflict_change(
    change_type: ChangeType,
    *,
    conflict_id: int,
    snapshot: str,
    provinces: Iterable[str],
    kinds: Iterable[str],
    usccs: Iterable[str],
    record_keys: Iterable[str],
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "change_type": change_type.value,
        "usccs": tags(usccs),
        "recorded_at": now,
        "provinces": tags(provinces),
        "kinds": tags(kinds),
        "record_keys": tags(record_keys),
        "conflict_id": conflict_id,
        "conflict": snapshot,
    }


def append(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Adds changes in order, inside the caller's transaction: one executemany
    per run of rows of the same shape, so ids follow the order given."""
    start = 0
    while start < len(rows):
        shape = rows[start].keys()
        end = start + 1
        while end < len(rows) and rows[end].keys() == shape:
            end += 1
        insert_rows(conn, change_log, rows[start:end])
        start = end


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """Every filter given must match; empty ones match anything. Values are
    validated upstream (province codes, kind names, USCCs, record keys) and
    hold no LIKE wildcards."""

    publishing_provinces: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    holder_uscc: str = ""
    record_keys: frozenset[str] = frozenset()
    # The watch list: one filter, matched by any of its records or holders.
    watched_keys: frozenset[str] = frozenset()
    watched_holders: frozenset[str] = frozenset()

    def clauses(self, dialect: str) -> list[ColumnElement[bool]]:
        """SQL conditions for the filters, on a database of `dialect`."""
        c = change_log.c
        found: list[ColumnElement[bool]] = []
        if self.publishing_provinces:
            provinces = sorted(self.publishing_provinces)
            found.append(
                or_(c.province.in_(provinces), *(c.provinces.like(f"%,{p},%") for p in provinces))
            )
        if self.record_keys:
            found.append(_naming(dialect, sorted(self.record_keys)))
        if self.watched_keys or self.watched_holders:
            watched = []
            if self.watched_keys:
                watched.append(_naming(dialect, sorted(self.watched_keys)))
            if self.watched_holders:
                watched.append(tagged_with_any(dialect, c.usccs, sorted(self.watched_holders)))
            found.append(or_(*watched))
        if self.kinds:
            found.append(
                or_(
                    *(c.record_key.like(f"{k}/%") for k in sorted(self.kinds)),
                    *(c.kinds.like(f"%,{k},%") for k in sorted(self.kinds)),
                )
            )
        if self.holder_uscc:
            found.append(c.usccs.like(f"%,{self.holder_uscc},%"))
        return found


def _naming(dialect: str, keys: list[str]) -> ColumnElement[bool]:
    """A record version of one of the keys, or a conflict naming one; any number of
    keys makes one expression (SQLite refuses deeply nested ones)."""
    c = change_log.c
    return or_(
        in_values(dialect, c.record_key, keys), tagged_with_any(dialect, c.record_keys, keys)
    )
