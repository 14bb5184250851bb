"""What the registry keeps of the provinces' signed chains (core/chain.py):
how far each is verified, the checkpoints whose signatures verified, and the
quarantine. (Events waiting for a checkpoint or a missing sequence stay in
the gate's memory and pin their Kafka offsets: see gate.py.)

Written in the apply transaction, with the records and the Kafka offsets: a
restart resumes with exactly the chain state of the records it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Index, LargeBinary, UniqueConstraint, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from services.common.sql import create_tables, insert_ignore, upsert
from services.core.chain import GENESIS
from services.registry.records.store import REBUILD
from services.registry.records.tables import feed_table, version_table


class ChainTables(SQLModel, registry=registry()):
    """Base of the chain tables (their own metadata)."""


class ChainState(ChainTables, table=True):
    __tablename__ = "chain_state"
    province: str = Field(primary_key=True, max_length=2)
    # The last event vouched for by a verified checkpoint, and the link after it.
    sequence: int
    chain_link: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ChainCheckpointRow(ChainTables, table=True):
    """A checkpoint whose signature verified (ChainCheckpoint, as read)."""

    __tablename__ = "chain_checkpoint"
    province: str = Field(primary_key=True, max_length=2)
    sequence: int = Field(primary_key=True)
    chain_link: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class QuarantineRow(ChainTables, table=True):
    __tablename__ = "chain_quarantine"
    __table_args__ = (
        Index("ix_chain_quarantine_province", "province", "sequence"),
        # A message read again after a restart is quarantined once.
        UniqueConstraint("topic", "partition", "offset", "item"),
    )
    id: int | None = Field(default=None, primary_key=True)
    province: str = Field(max_length=2)
    sequence: int
    item: str = Field(max_length=12)
    reason: str
    topic: str = Field(max_length=249)
    partition: int
    offset: int
    quarantined_at: dt.datetime
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class UnappliedRow(ChainTables, table=True):
    """An event on a verified chain that was not applied (a dead letter: another
    province's assessor, a record the registry cannot read): still a link of
    the chain, so the export carries it and offline verification finds no gap."""

    __tablename__ = "chain_unapplied"
    province: str = Field(primary_key=True, max_length=2)
    sequence: int = Field(primary_key=True)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


state_table = ChainState.__table__  # type: ignore[attr-defined]
checkpoint_table = ChainCheckpointRow.__table__  # type: ignore[attr-defined]
quarantine_table = QuarantineRow.__table__  # type: ignore[attr-defined]
unapplied_table = UnappliedRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Quarantined:
    province: str
    sequence: int
    item: str  # "event" or "checkpoint"
    reason: str
    topic: str
    partition: int
    offset: int
    payload: bytes
    quarantined_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """A province's verified chain."""

    sequence: int
    chain_link: bytes


@dataclass
class ChainWrites:
    """One poll's changes to the chain tables, written in the apply transaction."""

    positions: dict[str, Position]
    checkpoints: list[tuple[str, int, bytes, bytes]]  # province, sequence, link, payload
    quarantine: list[Quarantined]
    now: dt.datetime
    # Released events that became dead letters: province, sequence, bytes as read.
    unapplied: list[tuple[str, int, bytes]] = field(default_factory=list)

    def write(self, conn: Connection) -> None:
        if self.unapplied:
            insert_ignore(
                conn,
                unapplied_table,
                [{"province": p, "sequence": s, "payload": b} for p, s, b in self.unapplied],
                key=["province", "sequence"],
            )
        if self.positions:
            upsert(
                conn,
                state_table,
                [
                    {"province": p, "sequence": pos.sequence, "chain_link": pos.chain_link}
                    for p, pos in self.positions.items()
                ],
                key=["province"],
                update=["sequence", "chain_link"],
            )
        if self.checkpoints:
            insert_ignore(
                conn,
                checkpoint_table,
                [
                    {"province": p, "sequence": s, "chain_link": c, "payload": b}
                    for p, s, c, b in self.checkpoints
                ],
                key=["province", "sequence"],
            )
        if self.quarantine:
            insert_ignore(
                conn,
                quarantine_table,
                [
                    {
                        "province": q.province,
                        "sequence": q.sequence,
                        "item": q.item,
                        "reason": q.reason,
                        "topic": q.topic,
                        "partition": q.partition,
                        "offset": q.offset,
                        "quarantined_at": self.now,
                        "payload": q.payload,
                    }
                    for q in self.quarantine
                ],
                key=["topic", "partition", "offset", "item"],
            )


class ChainStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_schema(self) -> None:
        create_tables(self._engine, ChainTables.metadata, REBUILD)

    def load(
        self, provinces: Iterable[str]
    ) -> tuple[dict[str, Position], dict[str, dict[int, bytes]]]:
        """Per province: the verified position and the links of verified
        checkpoints past it. A province without a chain yet starts after the
        last sequence the registry applied unsigned (GENESIS)."""
        wanted = sorted(set(provinces))
        with self._engine.connect() as conn:
            positions = {
                p: Position(s, c)
                for p, s, c in conn.execute(
                    select(state_table).where(state_table.c.province.in_(wanted))
                )
            }
            for province, last in conn.execute(
                select(feed_table.c.province, feed_table.c.last_sequence).where(
                    feed_table.c.province.in_([p for p in wanted if p not in positions])
                )
            ):
                positions[province] = Position(last, GENESIS)
            for province in wanted:
                positions.setdefault(province, Position(0, GENESIS))
            marks: dict[str, dict[int, bytes]] = {}
            c = checkpoint_table.c
            for province, sequence, chain_link in conn.execute(
                select(c.province, c.sequence, c.chain_link).where(c.province.in_(wanted))
            ):
                if sequence > positions[province].sequence:
                    marks.setdefault(province, {})[sequence] = chain_link
        return positions, marks

    def known_provinces(self) -> list[str]:
        """Provinces with a chain state or a quarantine entry."""
        q = quarantine_table.c
        with self._engine.connect() as conn:
            held = set(conn.execute(select(state_table.c.province)).scalars())
            held |= set(
                conn.execute(select(q.province).where(q.province != "").distinct()).scalars()
            )
        return sorted(held)

    def broken_after(self, positions: Mapping[str, int]) -> dict[str, dict[int, str]]:
        """Per province, the quarantined sequences past its position, each with
        the first reason recorded (the feed status's "broken at")."""
        q = quarantine_table.c
        found: dict[str, dict[int, str]] = {}
        with self._engine.connect() as conn:
            for province, position in positions.items():
                for sequence, reason in conn.execute(
                    select(q.sequence, q.reason)
                    .where(q.province == province, q.sequence > position)
                    .order_by(q.sequence, q.id)
                ):
                    found.setdefault(province, {}).setdefault(sequence, reason)
        return found

    def quarantined_counts(self) -> dict[str, int]:
        """Events and checkpoints quarantined so far, by province."""
        q = quarantine_table.c
        with self._engine.connect() as conn:
            rows = conn.execute(select(q.province, func.count()).group_by(q.province))
            return {province: int(count) for province, count in rows}

    def quarantined(self, province: str | None, limit: int) -> list[Quarantined]:
        q = quarantine_table.c
        stmt = select(
            q.province,
            q.sequence,
            q.item,
            q.reason,
            q.topic,
            q.partition,
            q.offset,
            q.payload,
            q.quarantined_at,
        )
        if province:
            stmt = stmt.where(q.province == province)
        stmt = stmt.order_by(q.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [Quarantined(*row) for row in conn.execute(stmt)]

    def export(
        self, province: str, after: int = 0, limit: int = 1000
    ) -> tuple[list[tuple[str, bytes]], int]:
        """One page of the province's events past sequence `after` (applied, or
        on the chain but dead-lettered), each verified checkpoint after the
        event at its sequence: ("event" | "checkpoint", bytes as read), and the
        last sequence in the page."""
        v, c, u = version_table.c, checkpoint_table.c, unapplied_table.c
        with self._engine.connect() as conn:
            events = sorted(
                [
                    *conn.execute(
                        select(v.sequence, v.payload)
                        .where(v.province == province, v.sequence > after)
                        .order_by(v.sequence)
                        .limit(limit)
                    ),
                    *conn.execute(
                        select(u.sequence, u.payload)
                        .where(u.province == province, u.sequence > after)
                        .order_by(u.sequence)
                        .limit(limit)
                    ),
                ]
            )[:limit]
            if not events:
                return [], after
            last = events[-1][0]
            marks: dict[int, bytes] = {
                s: b
                for s, b in conn.execute(
                    select(c.sequence, c.payload).where(
                        c.province == province, c.sequence > after, c.sequence <= last
                    )
                )
            }
        items: list[tuple[str, bytes]] = []
        for sequence, payload in events:
            items.append(("event", payload))
            if sequence in marks:
                items.append(("checkpoint", marks[sequence]))
        return items, last
