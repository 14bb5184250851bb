"""Wiring of what an exchange keeps for its own province's assessors: identities
and the assignments the hub makes for them (part of the composition root)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy.engine import Engine

from services.common.grpc_server import Register, ServiceRegistrar
from services.common.kafka_io import assignment_topic, ensure_topics, make_consumer
from services.core.provinces import Province
from services.exchange.home_assignments import AssignmentFeed, HomeAssignments
from services.exchange.home_servicer import HomeAssignmentServicer
from services.exchange.identities import IdentityVault, load_identity_key
from services.exchange.pseudonymising import Pseudonymiser, PseudonymSource
from yrdhub.v1 import home_assignments_pb2, home_assignments_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = home_assignments_pb2.DESCRIPTOR.services_by_name["HomeAssignmentService"].full_name


@dataclass
class Home:
    pseudonyms: Pseudonymiser
    feed: AssignmentFeed
    registration: tuple[str, Register]

    def start(self) -> None:
        self.feed.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.feed.stop)


def build_home(
    engine: Engine,
    province: Province,
    kafka: str,
    topic_prefix: str,
    pseudonyms: PseudonymSource | None,
    identity_key_file: Path | None = None,
) -> Home:
    sealer = load_identity_key(identity_key_file)
    if sealer is None:
        log.warning("no identity key: assessors submitted with an identity will be refused")
    vault = IdentityVault(engine, sealer)
    vault.create_schema()
    if pseudonyms is None:
        log.warning(
            "no pseudonymisation service: assessors submitted with an identity will be refused"
        )
    assignments = HomeAssignments(engine)
    assignments.create_schema()
    topic = assignment_topic(topic_prefix)
    ensure_topics(kafka, [topic])
    feed = AssignmentFeed(
        assignments,
        partial(make_consumer, kafka, f"exchange-{province.value}-assignments"),
        topic,
        province,
    )
    servicer = HomeAssignmentServicer(assignments, vault)

    def register(server: ServiceRegistrar) -> None:
        # The generated registration function has no type annotations.
        home_assignments_pb2_grpc.add_HomeAssignmentServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]

    return Home(Pseudonymiser(pseudonyms, vault), feed, (SERVICE_NAME, register))
