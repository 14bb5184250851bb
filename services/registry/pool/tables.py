"""The pool's tables (draws, assignments, the booked days that keep anyone from
being booked twice, the outbox of assignment events) and the rows the store
reads and writes. Their own metadata: the pool may share the registry's
database or have one of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Index, LargeBinary, Table
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from services.core.draws import AssignmentState, DrawKind, DrawState, Role


class PoolTables(SQLModel, registry=registry()):
    """Base of the pool's tables: draws, assignments, booked days, outbox (their own metadata)."""


class PoolDraw(PoolTables, table=True):
    __tablename__ = "pool_draw"
    __table_args__ = (Index("ix_pool_draw_committed", "committed_at"),)
    draw_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=20)
    state: str = Field(max_length=12)
    seed_commitment: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    committed_at: dt.datetime
    spec: str  # the request, canonical JSON
    policy_version: str = Field(max_length=140)
    seed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    drawn_at: dt.datetime | None = None
    # Canonical JSON, or for a team draw a recipe naming parts of it kept once
    # in pool_snapshot_part (snapshots.py). Compressing it cost a draw more
    # time than writing it did, and PostgreSQL compresses large values itself.
    snapshot: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    snapshot_sha256: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True)
    )
    outcome: str | None = None  # canonical JSON
    failure: str = ""
    candidates: int = 0
    eligible: int = 0


class PoolAssignment(PoolTables, table=True):
    __tablename__ = "pool_assignment"
    __table_args__ = (
        Index("ix_pool_assignment_draw", "draw_id"),
        Index("ix_pool_assignment_assessor", "assessor_id"),
        Index("ix_pool_assignment_institution", "institution_uscc"),
        # Assignments by period and state (a draw's loads are counted from a
        # copy in memory: active.py).
        Index("ix_pool_assignment_load", "start_date", "state", "home_province"),
    )
    assignment_id: str = Field(primary_key=True, max_length=64)
    draw_id: str = Field(max_length=64)
    assessor_id: str = Field(max_length=64)
    home_province: str = Field(max_length=2)
    role: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    institution_uscc: str = Field(max_length=18)
    institution_province: str = Field(max_length=2)
    start_date: dt.date
    end_date: dt.date
    state: str = Field(max_length=12)
    cancel_reason: str = ""
    revision: int
    reference: str = ""
    updated_at: dt.datetime


class PoolBookingsVersion(PoolTables, table=True):
    """One row, whose version every transaction that books or cancels an
    assignment moves on by one: a process keeping a copy of the active
    bookings (active.py) knows from it whether another wrote since."""

    __tablename__ = "pool_bookings_version"
    id: int = Field(primary_key=True)
    version: int = 0


class PoolBookedDay(PoolTables, table=True):
    """One row per assessor and booked day: the key refuses double booking."""

    __tablename__ = "pool_booked_day"
    __table_args__ = (Index("ix_pool_booked_day_day", "day"),)
    assessor_id: str = Field(primary_key=True, max_length=64)
    day: dt.date = Field(primary_key=True)
    assignment_id: str = Field(max_length=64)


class PoolSnapshotPart(PoolTables, table=True):
    """A field's candidate lines as team snapshots list them, kept once for every
    draw that lists them, under their SHA-256 (snapshots.py)."""

    __tablename__ = "pool_snapshot_part"
    sha256: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PoolOutbox(PoolTables, table=True):
    __tablename__ = "pool_outbox"
    __table_args__ = (Index("ix_pool_outbox_published", "published"),)
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: str = Field(max_length=64)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # A flag rather than a cursor: ids from concurrent writers may commit out
    # of order, and a cursor would skip the late ones.
    published: bool = False


draw_table: Table = PoolDraw.__table__  # type: ignore[attr-defined]
assignment_table: Table = PoolAssignment.__table__  # type: ignore[attr-defined]
booked_day_table: Table = PoolBookedDay.__table__  # type: ignore[attr-defined]
outbox_table: Table = PoolOutbox.__table__  # type: ignore[attr-defined]
bookings_version_table: Table = PoolBookingsVersion.__table__  # type: ignore[attr-defined]
snapshot_part_table: Table = PoolSnapshotPart.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    assignment_id: str
    draw_id: str
    assessor_id: str
    home_province: str
    role: Role
    kind: DrawKind
    institution_uscc: str
    institution_province: str
    start_date: dt.date
    end_date: dt.date
    state: AssignmentState
    cancel_reason: str
    revision: int
    reference: str
    updated_at: dt.datetime
    # When the draw booked it: its drawn_at (stored there, not here).
    booked_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DrawRow:
    draw_id: str
    kind: DrawKind
    state: DrawState
    seed_commitment: bytes
    committed_at: dt.datetime
    spec: str
    policy_version: str
    seed: bytes | None
    drawn_at: dt.datetime | None
    snapshot: bytes | None  # canonical JSON, when asked for
    snapshot_sha256: bytes | None
    outcome: str | None
    failure: str
    candidates: int
    eligible: int


@dataclass(frozen=True, slots=True)
class Reveal:
    """What a finished draw records."""

    state: DrawState
    seed: bytes
    drawn_at: dt.datetime
    snapshot: bytes  # as stored: the snapshot, or its recipe (snapshots.py)
    snapshot_sha256: bytes  # of the snapshot itself
    outcome: str
    failure: str
    candidates: int
    eligible: int
    # The parts a recipe names, by SHA-256, for the store to keep if it has not.
    parts: Mapping[bytes, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AssignmentFilter:
    assessor_id: str = ""
    institution_uscc: str = ""
    home_province: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    include_cancelled: bool = False
    limit: int = 1000
    # As booked by then, each as it stood then (None: as they stand now).
    known_at: dt.datetime | None = None
