"""Wiring of the assessor pool inside the registry process (part of its composition root)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from services.common.db import make_engine
from services.common.grpc_server import Register, ServiceRegistrar
from services.common.kafka_io import assignment_topic, ensure_topics, make_producer
from services.registry.policies import load_inspection, load_recusal
from services.registry.pool import AssessorPool
from services.registry.pool_relay import AssignmentRelay, event_payload
from services.registry.pool_servicer import AssessorPoolServicer
from services.registry.pool_store import PoolStore
from services.registry.pool_view import PoolView
from yrdhub.v1 import assessor_pool_pb2, assessor_pool_pb2_grpc

SERVICE_NAME = assessor_pool_pb2.DESCRIPTOR.services_by_name["AssessorPoolService"].full_name


@dataclass
class PoolService:
    pool: AssessorPool
    relay: AssignmentRelay
    registration: tuple[str, Register]

    def start(self) -> None:
        self.relay.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.relay.stop)


def build_pool_service(
    engine: Engine,
    kafka: str,
    topic_prefix: str,
    recusal_policy: Path | None = None,
    inspection_policy: Path | None = None,
    *,
    pool_db_url: str | None = None,
) -> PoolService:
    """The pool reads assessors from the registry's own records (`engine`) but
    writes draws and assignments, which are new facts rather than a view of the
    log, to one database every replica serving the pool shares (pool_db_url):
    replicas with databases of their own would otherwise book people twice."""
    recusal = load_recusal(recusal_policy)
    inspection = load_inspection(inspection_policy)
    store = PoolStore(make_engine(pool_db_url) if pool_db_url else engine, event_payload)
    store.create_schema()
    view = PoolView(engine)
    view.create_schema()
    topic = assignment_topic(topic_prefix)
    ensure_topics(kafka, [topic])
    relay = AssignmentRelay(store, make_producer(kafka, "registry-pool"), topic)
    pool = AssessorPool(store, view, recusal, inspection, on_change=relay.wake)
    servicer = AssessorPoolServicer(pool)

    def register(server: ServiceRegistrar) -> None:
        # The generated registration function has no type annotations.
        assessor_pool_pb2_grpc.add_AssessorPoolServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]

    return PoolService(pool, relay, (SERVICE_NAME, register))
