"""Assignments of this province's assessors, as the registry's pool reports them.

The exchange reads yrd.assignment.v1 and keeps the events about its own
assessors, with the Kafka offsets in the same transaction (as the registry
does for records): a restart resumes exactly where it stopped, and since only
a higher revision replaces a stored one, re-sent events change nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from google.protobuf.message import DecodeError
from kafka import KafkaConsumer
from sqlalchemy import Index, LargeBinary, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from services.common.convert import PROVINCE_TO_PB, from_timestamp, timestamp
from services.common.feeding import KafkaFeed, PoisonGuard, batch_of
from services.common.kafka_io import POLL_TIMEOUT_MS, rewound_on_failure
from services.common.sql import create_tables, stored_offsets, upsert
from services.core.draws import AssignmentState, KnownAs, assignment_known_at
from services.core.provenance import as_utc
from services.core.provinces import Province
from yrdhub.v1 import assessor_pool_pb2

log = logging.getLogger(__name__)


class HomeAssignmentTables(SQLModel, registry=registry()):
    """Base of the home assignments' tables (their own metadata)."""


class HomeAssignment(HomeAssignmentTables, table=True):
    __tablename__ = "home_assignment"
    __table_args__ = (Index("ix_home_assignment_assessor", "assessor_id"),)
    assignment_id: str = Field(primary_key=True, max_length=64)
    revision: int
    assessor_id: str = Field(max_length=64)
    start_date: dt.date
    end_date: dt.date
    state: str = Field(max_length=12)
    # The registry's times (Assignment.booked_at, .updated_at): what past
    # instants of knowledge read (core.draws.assignment_known_at).
    booked_at: dt.datetime
    updated_at: dt.datetime
    # The Assignment message as the registry sent it.
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class HomeAssignmentOffset(HomeAssignmentTables, table=True):
    __tablename__ = "home_assignment_offset"
    topic: str = Field(primary_key=True, max_length=200)
    partition: int = Field(primary_key=True)
    next_offset: int


_assignment = HomeAssignmentTables.metadata.tables["home_assignment"]
_offset = HomeAssignmentTables.metadata.tables["home_assignment_offset"]
_ACTIVE = assessor_pool_pb2.ASSIGNMENT_STATE_ACTIVE


class HomeAssignments:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_schema(self) -> None:
        create_tables(
            self._engine,
            HomeAssignmentTables.metadata,
            "Drop the tables home_assignment and home_assignment_offset: the exchange "
            "reads them again from yrd.assignment.v1.",
        )

    def offsets(self) -> dict[tuple[str, int], int]:
        """Where to resume each partition: the offset after the last applied event."""
        return stored_offsets(self._engine, _offset)

    def apply(
        self,
        events: list[assessor_pool_pb2.AssignmentEvent],
        offsets: dict[tuple[str, int], int],
        *,
        trial: bool = False,
    ) -> None:
        """Stores the events and moves the offsets, atomically; `trial`: rolled
        back, to find out whether the events apply."""
        latest: dict[str, assessor_pool_pb2.Assignment] = {}
        for event in events:
            a = event.assignment
            held = latest.get(a.assignment_id)
            if held is None or a.revision > held.revision:
                latest[a.assignment_id] = a
        with self._engine.connect() as conn, conn.begin() as transaction:
            upsert(
                conn,
                _assignment,
                [
                    {
                        "assignment_id": a.assignment_id,
                        "revision": a.revision,
                        "assessor_id": a.assessor_id,
                        "start_date": dt.date.fromisoformat(a.start_date),
                        "end_date": dt.date.fromisoformat(a.end_date),
                        "state": AssignmentState.ACTIVE
                        if a.state == _ACTIVE
                        else AssignmentState.CANCELLED,
                        # Events sent before booked_at existed: revision 1's
                        # time, else (unknown) the change's.
                        "booked_at": from_timestamp(
                            a.booked_at if a.HasField("booked_at") else a.updated_at
                        ),
                        "updated_at": from_timestamp(a.updated_at),
                        "payload": a.SerializeToString(),
                    }
                    for a in latest.values()
                ],
                key=["assignment_id"],
                update=[
                    "revision",
                    "assessor_id",
                    "start_date",
                    "end_date",
                    "state",
                    "booked_at",
                    "updated_at",
                    "payload",
                ],
                only_if_newer="revision",
            )
            upsert(
                conn,
                _offset,
                [{"topic": t, "partition": p, "next_offset": o} for (t, p), o in offsets.items()],
                key=["topic", "partition"],
                update=["next_offset"],
            )
            if trial:
                transaction.rollback()

    def list(
        self,
        assessor_id: str,
        include_cancelled: bool,
        limit: int,
        on: dt.date | None = None,
        at: dt.datetime | None = None,
    ) -> list[assessor_pool_pb2.Assignment]:
        """By start date: those whose period includes `on` (None: any), booked
        by `at` and each as it stood then (None: as they stand now)."""
        a = _assignment.c
        stmt = select(a.payload, a.booked_at, a.updated_at)
        if assessor_id:
            stmt = stmt.where(a.assessor_id == assessor_id)
        if on is not None:
            stmt = stmt.where(a.start_date <= on, a.end_date >= on)
        if at is not None:
            stmt = stmt.where(a.booked_at <= at)
        if not include_cancelled:
            active = a.state == AssignmentState.ACTIVE
            stmt = stmt.where(active if at is None else or_(active, a.updated_at > at))
        stmt = stmt.order_by(a.start_date, a.assignment_id).limit(limit)
        found = []
        with self._engine.connect() as conn:
            for payload, booked_at, updated_at in conn.execute(stmt):
                assignment = assessor_pool_pb2.Assignment.FromString(payload)
                if at is not None:
                    booked, changed = as_utc(booked_at), as_utc(updated_at)
                    if assignment_known_at(booked, changed, at) is KnownAs.AS_BOOKED:
                        assignment.state = _ACTIVE
                        assignment.cancel_reason = ""
                        assignment.revision = 1
                        assignment.updated_at.CopyFrom(timestamp(booked))
                found.append(assignment)
        return found


class AssignmentFeed(KafkaFeed):
    """Consumes yrd.assignment.v1 into HomeAssignments, keeping this province's events."""

    def __init__(
        self,
        store: HomeAssignments,
        consumers: Callable[[], KafkaConsumer],
        topic: str,
        province: Province,
    ) -> None:
        super().__init__("assignment-feed", consumers, [topic], store.offsets)
        self._store = store
        self._province = PROVINCE_TO_PB[province]
        self._guard = PoisonGuard()

    def poll_once(self, timeout_ms: int = POLL_TIMEOUT_MS) -> int:
        """Applies one polled batch; returns how many events were about this province."""
        batches: dict[Any, list[Any]] = self._consumer.poll(timeout_ms=timeout_ms)
        if not batches:
            return 0
        mine: list[assessor_pool_pb2.AssignmentEvent] = []
        offsets: dict[tuple[str, int], int] = {}
        for tp, messages in batches.items():
            for msg in messages:
                try:
                    event = assessor_pool_pb2.AssignmentEvent.FromString(msg.value)
                except DecodeError as exc:
                    log.error("unreadable assignment event at %s@%d: %s", tp, msg.offset, exc)
                    continue
                if event.assignment.home_province == self._province:
                    mine.append(event)
            offsets[(tp.topic, tp.partition)] = messages[-1].offset + 1

        def skip(poison: list[tuple[assessor_pool_pb2.AssignmentEvent, Exception]]) -> None:
            for event, error in poison:
                log.error(
                    "assignment event %s cannot be stored, skipped: %s",
                    event.assignment.assignment_id,
                    error,
                )

        def store(events: list[assessor_pool_pb2.AssignmentEvent]) -> int:
            self._store.apply(events, offsets)
            return len(events)

        with rewound_on_failure(self._consumer, batches):
            stored = self._guard.apply(
                mine,
                store,
                lambda group: self._store.apply(group, {}, trial=True),
                skip,
                batch_of(batches),
            )
        self.applied += stored
        return stored
