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
- Every assignment change moves the pool's bookings version on in the same
  transaction, so a process counting loads from its copy of the active
  assignments (active.py) knows when another process changed them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from services.common.sql import create_tables
from services.core.draws import (
    AssignmentState,
    DrawKind,
    DrawState,
    Role,
)
from services.core.provenance import as_utc
from services.registry.pool.active import ACTIVE, create_version_row, move_on
from services.registry.pool.history import BookingHistory
from services.registry.pool.rows import assignment_as_known, draw_known_at
from services.registry.pool.snapshots import keep_parts, put_together, read_parts
from services.registry.pool.tables import (
    AssignmentFilter,
    AssignmentRow,
    DrawRow,
    PoolTables,
    Reveal,
    assignment_table,
    booked_day_table,
    draw_table,
    outbox_table,
)

CANCELLED = AssignmentState.CANCELLED


class DoubleBooked(Exception):
    """Another draw booked one of the assessors on one of the days meanwhile."""


EventPayload = Callable[[AssignmentRow], bytes]


# Every assignment's draw was revealed in the transaction that booked it.
_BOOKED_AT = (
    select(draw_table.c.drawn_at)
    .where(draw_table.c.draw_id == assignment_table.c.draw_id)
    .scalar_subquery()
    .label("booked_at")
)

# Made once, each call binding its values (a draw commits, then reveals).
_ADD_DRAW = draw_table.insert()
_REVEAL = update(draw_table).where(
    draw_table.c.draw_id == bindparam("id"), draw_table.c.state == DrawState.COMMITTED
)


def _assignment_row(row: Row[Any]) -> AssignmentRow:
    values = dict(row._mapping)
    values["updated_at"] = as_utc(values["updated_at"])
    values["booked_at"] = as_utc(values["booked_at"])
    values["role"] = Role(values["role"])
    values["kind"] = DrawKind(values["kind"])
    values["state"] = AssignmentState(values["state"])
    return AssignmentRow(**values)


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


class PoolStore(BookingHistory):
    """Draws and bookings written under the guarantees above; what a draw
    reads of them is BookingHistory's (history.py)."""

    def __init__(self, engine: Engine, event_payload: EventPayload) -> None:
        super().__init__(engine)
        self._event_payload = event_payload
        # SHA-256s of snapshot parts this process stored (or found stored).
        self._parts_kept: set[bytes] = set()

    def create_schema(self) -> None:
        create_tables(
            self._engine,
            PoolTables.metadata,
            "The pool's draws and bookings are not in the log and cannot be rebuilt: "
            "run the version that made this database, or move it aside for an empty pool.",
        )
        create_version_row(self._engine)
        with self._engine.begin() as conn:
            # Made for counting loads in SQL until the copy in memory (active.py).
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_pool_assignment_person_load")

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
                _ADD_DRAW,
                {
                    "draw_id": draw_id,
                    "kind": kind,
                    "state": DrawState.COMMITTED,
                    "seed_commitment": seed_commitment,
                    "committed_at": committed_at,
                    "spec": spec,
                    "policy_version": policy_version,
                },
            )

    def fail_draw(self, draw_id: str, seed: bytes, now: dt.datetime, failure: str) -> None:
        """Reveals a committed draw's seed and marks it FAILED, with nothing booked."""
        with self._engine.begin() as conn:
            conn.execute(
                update(draw_table)
                .where(
                    draw_table.c.draw_id == draw_id,
                    draw_table.c.state == DrawState.COMMITTED,
                )
                .values(state=DrawState.FAILED, seed=seed, drawn_at=now, failure=failure)
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
                    _REVEAL,
                    {
                        "id": draw_id,
                        "state": reveal.state,
                        "seed": reveal.seed,
                        "drawn_at": reveal.drawn_at,
                        "snapshot": reveal.snapshot,
                        "snapshot_sha256": reveal.snapshot_sha256,
                        "outcome": reveal.outcome,
                        "failure": reveal.failure,
                        "candidates": reveal.candidates,
                        "eligible": reveal.eligible,
                    },
                )
                new_parts = keep_parts(conn, reveal.parts, self._parts_kept)
                # Last, as the row's lock orders every booking and cancelling.
                version = move_on(conn) if assignments else 0
        except IntegrityError as exc:
            raise DoubleBooked(str(exc.orig)) from None
        self._parts_kept.update(new_parts)
        if assignments:
            self._active.wrote(version, booked=assignments)

    def _book(self, conn: Connection, assignments: Sequence[AssignmentRow]) -> None:
        if not assignments:
            return
        conn.execute(
            assignment_table.insert(),
            [{n: getattr(a, n) for n in a.__slots__} for a in assignments],
        )
        conn.execute(
            booked_day_table.insert(),
            [
                {"assessor_id": a.assessor_id, "day": day, "assignment_id": a.assignment_id}
                for a in assignments
                for day in _days(a.start_date, a.end_date)
            ],
        )
        self._queue_events(conn, assignments)

    def _queue_events(self, conn: Connection, assignments: Iterable[AssignmentRow]) -> None:
        conn.execute(
            outbox_table.insert(),
            [
                {"assignment_id": a.assignment_id, "payload": self._event_payload(a)}
                for a in assignments
            ],
        )

    def draw(self, draw_id: str, *, with_snapshot: bool) -> DrawRow | None:
        """A draw; `with_snapshot`: with its snapshot put together again and
        checked against the SHA-256 it published."""
        found = self.draw_as_stored(draw_id, with_snapshot=with_snapshot)
        if found is None:
            return None
        row, parts = found
        return row if row.snapshot is None else replace(row, snapshot=put_together(row, parts))

    def draw_as_stored(
        self, draw_id: str, *, with_snapshot: bool = True
    ) -> tuple[DrawRow, dict[bytes, bytes]] | None:
        """A draw with its snapshot as stored (a recipe for most team draws), and
        the parts the recipe names."""
        columns = [c for c in draw_table.c if with_snapshot or c.name != "snapshot"]
        with self._engine.connect() as conn:
            row = conn.execute(select(*columns).where(draw_table.c.draw_id == draw_id)).first()
            if row is None:
                return None
            stored = self._draw_row(row, with_snapshot)
            return stored, read_parts(conn, draw_id, stored.snapshot or b"")

    def draws(
        self, limit: int, state: DrawState | None = None, at: dt.datetime | None = None
    ) -> list[DrawRow]:
        """The latest draws; with `at`, those committed by then, each in the
        state it had then (draw_known_at)."""
        d = draw_table.c
        stmt = select(*[c for c in draw_table.c if c.name != "snapshot"])
        if at is not None:
            stmt = stmt.where(d.committed_at <= at)
        if state and at is None:
            stmt = stmt.where(d.state == state)
        elif state == DrawState.COMMITTED:
            stmt = stmt.where(or_(d.state == state, d.drawn_at > at))
        elif state:
            stmt = stmt.where(d.state == state, d.drawn_at <= at)
        stmt = stmt.order_by(d.committed_at.desc(), d.draw_id).limit(limit)
        with self._engine.connect() as conn:
            rows = [self._draw_row(row, False) for row in conn.execute(stmt)]
        return rows if at is None else [draw_known_at(row, at) for row in rows]

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

    def plans_visiting(self, uscc: str, limit: int = 100) -> list[str]:
        """The latest inspection plans whose drawn visits include the
        institution, staffed or not (plans are few: their outcomes are
        searched rather than indexed; the caller reads the visits)."""
        d = draw_table.c
        stmt = (
            select(d.draw_id)
            .where(
                d.kind == DrawKind.INSPECTION_PLAN.value,
                d.outcome.contains(json.dumps(uscc), autoescape=True),
            )
            .order_by(d.committed_at.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    # Assignments -------------------------------------------------------------

    def assignments(self, where: AssignmentFilter) -> list[AssignmentRow]:
        """Matching assignments by start date; with where.known_at, those booked
        by then, each as it stood then (core.draws.assignment_known_at)."""
        at = where.known_at
        conditions = []
        if where.assessor_id:
            conditions.append(assignment_table.c.assessor_id == where.assessor_id)
        if where.institution_uscc:
            conditions.append(assignment_table.c.institution_uscc == where.institution_uscc)
        if where.home_province:
            conditions.append(assignment_table.c.home_province == where.home_province)
        if where.start_date is not None:
            conditions.append(assignment_table.c.end_date >= where.start_date)
        if where.end_date is not None:
            conditions.append(assignment_table.c.start_date <= where.end_date)
        if at is not None:
            conditions.append(at >= _BOOKED_AT)
        if not where.include_cancelled:
            active = assignment_table.c.state == ACTIVE
            conditions.append(
                active if at is None else or_(active, assignment_table.c.updated_at > at)
            )
        stmt = (
            select(assignment_table, _BOOKED_AT)
            .where(and_(True, *conditions))
            .order_by(assignment_table.c.start_date, assignment_table.c.assignment_id)
            .limit(where.limit)
        )
        with self._engine.connect() as conn:
            rows = [_assignment_row(row) for row in conn.execute(stmt)]
        return rows if at is None else [assignment_as_known(row, at) for row in rows]

    def assignments_of_draw(self, draw_id: str) -> list[AssignmentRow]:
        with self._engine.connect() as conn:
            return [
                _assignment_row(row)
                for row in conn.execute(
                    select(assignment_table, _BOOKED_AT).where(
                        assignment_table.c.draw_id == draw_id
                    )
                )
            ]

    def cancel(
        self,
        assignment_id: str,
        reason: str,
        now: dt.datetime,
        allowed: Callable[[AssignmentRow], None] = lambda _: None,
    ) -> AssignmentRow | None:
        """Cancels an active assignment and frees its days; returns it as it now
        stands (unchanged if already cancelled), or None if unknown. `allowed`
        sees the assignment first and may refuse by raising (nothing changes)."""
        with self._engine.begin() as conn:
            row = conn.execute(
                select(assignment_table, _BOOKED_AT)
                .where(assignment_table.c.assignment_id == assignment_id)
                .with_for_update()
            ).first()
            if row is None:
                return None
            current = _assignment_row(row)
            allowed(current)
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
                update(assignment_table)
                .where(assignment_table.c.assignment_id == assignment_id)
                .values(
                    state=CANCELLED,
                    cancel_reason=reason,
                    revision=cancelled.revision,
                    updated_at=now,
                )
            )
            conn.execute(
                delete(booked_day_table).where(booked_day_table.c.assignment_id == assignment_id)
            )
            self._queue_events(conn, [cancelled])
            version = move_on(conn)
        self._active.wrote(version, cancelled=[cancelled])
        return cancelled

    # The outbox --------------------------------------------------------------

    def pending_events(self, limit: int) -> list[tuple[int, str, bytes]]:
        """(id, assignment id, payload) of unpublished events, oldest first."""
        with self._engine.connect() as conn:
            return [
                (int(i), a, p)
                for i, a, p in conn.execute(
                    select(outbox_table.c.id, outbox_table.c.assignment_id, outbox_table.c.payload)
                    .where(outbox_table.c.published.is_(False))
                    .order_by(outbox_table.c.id)
                    .limit(limit)
                )
            ]

    def mark_published(self, ids: Sequence[int]) -> None:
        with self._engine.begin() as conn:
            for start in range(0, len(ids), 1000):
                conn.execute(
                    update(outbox_table)
                    .where(outbox_table.c.id.in_(list(ids[start : start + 1000])))
                    .values(published=True)
                )

    def unpublished_count(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(outbox_table)
                    .where(outbox_table.c.published.is_(False))
                ).scalar_one()
            )
