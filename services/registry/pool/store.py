"""The assessor pool's own tables: draws, assignments, booked days and an outbox.

Draws and assignments are new facts the registry creates (not a view of the
provinces' log), so they are stored with their own guarantees:

- Nobody is double-booked: every assignment books one row per assessor and
  day under a primary key, inserted in the same transaction as the
  assignment. Two draws racing for one assessor on overlapping dates cannot
  both commit, across processes and on SQLite and PostgreSQL alike, without
  any range-exclusion extension.
- Every assignment change writes its Kafka event to pool_outbox in the same
  transaction; a relay publishes it, so the home province hears of every
  committed change and of nothing that was rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Index, LargeBinary, and_, delete, func, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from services.core.draws import AssignmentState, DrawKind, DrawState, Role
from services.core.provenance import as_utc


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
    # Canonical JSON, stored as it is: compressing it cost a draw more time than
    # writing it does, and PostgreSQL compresses large values by itself (TOAST).
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
        # Covers the load count per province (by start date and state).
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


class PoolBookedDay(PoolTables, table=True):
    """One row per assessor and booked day: the key refuses double booking."""

    __tablename__ = "pool_booked_day"
    __table_args__ = (Index("ix_pool_booked_day_day", "day"),)
    assessor_id: str = Field(primary_key=True, max_length=64)
    day: dt.date = Field(primary_key=True)
    assignment_id: str = Field(max_length=64)


class PoolOutbox(PoolTables, table=True):
    __tablename__ = "pool_outbox"
    __table_args__ = (Index("ix_pool_outbox_published", "published"),)
    id: int | None = Field(default=None, primary_key=True)
    assignment_id: str = Field(max_length=64)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # A flag rather than a cursor: ids from concurrent writers may commit out
    # of order, and a cursor would skip the late ones.
    published: bool = False


_draw = PoolTables.metadata.tables["pool_draw"]
_assignment = PoolTables.metadata.tables["pool_assignment"]
_day = PoolTables.metadata.tables["pool_booked_day"]
_outbox = PoolTables.metadata.tables["pool_outbox"]

ACTIVE = AssignmentState.ACTIVE
CANCELLED = AssignmentState.CANCELLED


class DoubleBooked(Exception):
    """Another draw booked one of the assessors on one of the days meanwhile."""


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
    snapshot: bytes
    snapshot_sha256: bytes
    outcome: str
    failure: str
    candidates: int
    eligible: int


@dataclass(frozen=True, slots=True)
class AssignmentFilter:
    assessor_id: str = ""
    institution_uscc: str = ""
    home_province: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    include_cancelled: bool = False
    limit: int = 1000


EventPayload = Callable[[AssignmentRow], bytes]


def _assignment_row(row: Row[Any]) -> AssignmentRow:
    values = dict(row._mapping)
    values["updated_at"] = as_utc(values["updated_at"])
    values["role"] = Role(values["role"])
    values["kind"] = DrawKind(values["kind"])
    values["state"] = AssignmentState(values["state"])
    return AssignmentRow(**values)


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


class PoolStore:
    def __init__(self, engine: Engine, event_payload: EventPayload) -> None:
        self._engine = engine
        self._event_payload = event_payload

    def create_schema(self) -> None:
        PoolTables.metadata.create_all(self._engine)

    # Draws ---------------------------------------------------------------------

    def commit_draw(
        self,
        draw_id: str,
        kind: DrawKind,
        seed_commitment: bytes,
        committed_at: dt.datetime,
        spec: str,
        policy_version: str,
    ) -> None:
        """Records the commitment on its own, before the pool is read: committed
        here, it is on record whatever happens to the draw."""
        with self._engine.begin() as conn:
            conn.execute(
                _draw.insert().values(
                    draw_id=draw_id,
                    kind=kind,
                    state=DrawState.COMMITTED,
                    seed_commitment=seed_commitment,
                    committed_at=committed_at,
                    spec=spec,
                    policy_version=policy_version,
                )
            )

    def reveal_draw(
        self, draw_id: str, reveal: Reveal, assignments: Sequence[AssignmentRow]
    ) -> None:
        """Books the assignments and reveals the seed, atomically.

        Raises DoubleBooked (and changes nothing) if another draw booked one of
        the assessors on one of the days since the pool was read.
        """
        try:
            with self._engine.begin() as conn:
                self._book(conn, assignments)
                conn.execute(
                    update(_draw)
                    .where(_draw.c.draw_id == draw_id, _draw.c.state == DrawState.COMMITTED)
                    .values(
                        state=reveal.state,
                        seed=reveal.seed,
                        drawn_at=reveal.drawn_at,
                        snapshot=reveal.snapshot,
                        snapshot_sha256=reveal.snapshot_sha256,
                        outcome=reveal.outcome,
                        failure=reveal.failure,
                        candidates=reveal.candidates,
                        eligible=reveal.eligible,
                    )
                )
        except IntegrityError as exc:
            raise DoubleBooked(str(exc.orig)) from None

    def _book(self, conn: Connection, assignments: Sequence[AssignmentRow]) -> None:
        if not assignments:
            return
        conn.execute(
            _assignment.insert(), [{n: getattr(a, n) for n in a.__slots__} for a in assignments]
        )
        conn.execute(
            _day.insert(),
            [
                {"assessor_id": a.assessor_id, "day": day, "assignment_id": a.assignment_id}
                for a in assignments
                for day in _days(a.start_date, a.end_date)
            ],
        )
        self._queue_events(conn, assignments)

    def _queue_events(self, conn: Connection, assignments: Iterable[AssignmentRow]) -> None:
        conn.execute(
            _outbox.insert(),
            [
                {"assignment_id": a.assignment_id, "payload": self._event_payload(a)}
                for a in assignments
            ],
        )

    def draw(self, draw_id: str, *, with_snapshot: bool) -> DrawRow | None:
        columns = [c for c in _draw.c if with_snapshot or c.name != "snapshot"]
        with self._engine.connect() as conn:
            row = conn.execute(select(*columns).where(_draw.c.draw_id == draw_id)).first()
        return None if row is None else self._draw_row(row, with_snapshot)

    def draws(self, limit: int, state: DrawState | None = None) -> list[DrawRow]:
        columns = [c for c in _draw.c if c.name != "snapshot"]
        stmt = select(*columns)
        if state:
            stmt = stmt.where(_draw.c.state == state)
        stmt = stmt.order_by(_draw.c.committed_at.desc(), _draw.c.draw_id).limit(limit)
        with self._engine.connect() as conn:
            return [self._draw_row(row, False) for row in conn.execute(stmt)]

    @staticmethod
    def _draw_row(row: Row[Any], with_snapshot: bool) -> DrawRow:
        m = row._mapping
        return DrawRow(
            draw_id=m["draw_id"],
            kind=DrawKind(m["kind"]),
            state=DrawState(m["state"]),
            seed_commitment=m["seed_commitment"],
            committed_at=as_utc(m["committed_at"]) or m["committed_at"],
            spec=m["spec"],
            policy_version=m["policy_version"],
            seed=m["seed"],
            drawn_at=as_utc(m["drawn_at"]),
            snapshot=m["snapshot"] if with_snapshot else None,
            snapshot_sha256=m["snapshot_sha256"],
            outcome=m["outcome"],
            failure=m["failure"],
            candidates=m["candidates"],
            eligible=m["eligible"],
        )

    # What a draw reads ---------------------------------------------------------

    def booked_between(self, start: dt.date, end: dt.date) -> set[str]:
        """Assessors booked on any day from start to end."""
        with self._engine.connect() as conn:
            return set(
                conn.execute(
                    select(_day.c.assessor_id).where(_day.c.day >= start, _day.c.day <= end)
                ).scalars()
            )

    def booked_days(self, start: dt.date, end: dt.date) -> dict[str, list[dt.date]]:
        found: dict[str, list[dt.date]] = {}
        with self._engine.connect() as conn:
            for ident, day in conn.execute(
                select(_day.c.assessor_id, _day.c.day).where(_day.c.day >= start, _day.c.day <= end)
            ):
                found.setdefault(ident, []).append(day)
        return found

    def loads_since(self, since: dt.date) -> dict[str, int]:
        """Active assignments per home province starting on or after `since`."""
        with self._engine.connect() as conn:
            return {
                province: int(count)
                for province, count in conn.execute(
                    select(_assignment.c.home_province, func.count())
                    .where(_assignment.c.state == ACTIVE, _assignment.c.start_date >= since)
                    .group_by(_assignment.c.home_province)
                )
            }

    def hub_reviews(
        self, usccs: Iterable[str] | None = None
    ) -> dict[str, dict[str, list[dt.date]]]:
        """Start dates of active assignments by institution and assessor."""
        stmt = select(
            _assignment.c.institution_uscc, _assignment.c.assessor_id, _assignment.c.start_date
        ).where(_assignment.c.state == ACTIVE)
        if usccs is not None:
            stmt = stmt.where(_assignment.c.institution_uscc.in_(list(usccs)))
        found: dict[str, dict[str, list[dt.date]]] = {}
        with self._engine.connect() as conn:
            for uscc, ident, start in conn.execute(stmt):
                found.setdefault(uscc, {}).setdefault(ident, []).append(start)
        return found

    # Assignments -------------------------------------------------------------

    def assignments(self, where: AssignmentFilter) -> list[AssignmentRow]:
        conditions = []
        if where.assessor_id:
            conditions.append(_assignment.c.assessor_id == where.assessor_id)
        if where.institution_uscc:
            conditions.append(_assignment.c.institution_uscc == where.institution_uscc)
        if where.home_province:
            conditions.append(_assignment.c.home_province == where.home_province)
        if where.start_date is not None:
            conditions.append(_assignment.c.end_date >= where.start_date)
        if where.end_date is not None:
            conditions.append(_assignment.c.start_date <= where.end_date)
        if not where.include_cancelled:
            conditions.append(_assignment.c.state == ACTIVE)
        stmt = (
            select(_assignment)
            .where(and_(True, *conditions))
            .order_by(_assignment.c.start_date, _assignment.c.assignment_id)
            .limit(where.limit)
        )
        with self._engine.connect() as conn:
            return [_assignment_row(row) for row in conn.execute(stmt)]

    def assignments_of_draw(self, draw_id: str) -> list[AssignmentRow]:
        with self._engine.connect() as conn:
            return [
                _assignment_row(row)
                for row in conn.execute(select(_assignment).where(_assignment.c.draw_id == draw_id))
            ]

    def cancel(self, assignment_id: str, reason: str, now: dt.datetime) -> AssignmentRow | None:
        """Cancels an active assignment and frees its days; returns it as it now
        stands (unchanged if already cancelled), or None if unknown."""
        with self._engine.begin() as conn:
            row = conn.execute(
                select(_assignment)
                .where(_assignment.c.assignment_id == assignment_id)
                .with_for_update()
            ).first()
            if row is None:
                return None
            current = _assignment_row(row)
            if current.state != ACTIVE:
                return current
            cancelled = replace(
                current,
                state=CANCELLED,
                cancel_reason=reason,
                revision=current.revision + 1,
                updated_at=now,
            )
            conn.execute(
                update(_assignment)
                .where(_assignment.c.assignment_id == assignment_id)
                .values(
                    state=CANCELLED,
                    cancel_reason=reason,
                    revision=cancelled.revision,
                    updated_at=now,
                )
            )
            conn.execute(delete(_day).where(_day.c.assignment_id == assignment_id))
            self._queue_events(conn, [cancelled])
            return cancelled

    # The outbox --------------------------------------------------------------

    def pending_events(self, limit: int) -> list[tuple[int, str, bytes]]:
        """(id, assignment id, payload) of unpublished events, oldest first."""
        with self._engine.connect() as conn:
            return [
                (int(i), a, p)
                for i, a, p in conn.execute(
                    select(_outbox.c.id, _outbox.c.assignment_id, _outbox.c.payload)
                    .where(_outbox.c.published.is_(False))
                    .order_by(_outbox.c.id)
                    .limit(limit)
                )
            ]

    def mark_published(self, ids: Sequence[int]) -> None:
        with self._engine.begin() as conn:
            for start in range(0, len(ids), 1000):
                conn.execute(
                    update(_outbox)
                    .where(_outbox.c.id.in_(list(ids[start : start + 1000])))
                    .values(published=True)
                )

    def unpublished_count(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(_outbox).where(_outbox.c.published.is_(False))
                ).scalar_one()
            )
