"""Composition root of a province's exchange: builds and wires everything."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from services.common.audit_log import AuditLog
from services.common.audit_servicer import audit_service
from services.common.auditing import Auditor
from services.common.db import make_engine
from services.common.grpc_server import EXCHANGE_LIMITS, GrpcServer, run_until_signalled
from services.common.kafka_io import (
    all_topics,
    checkpoint_topic,
    ensure_topics,
    message_limit,
    topic_name,
    use_kafka_tls,
    use_topic_policy,
)
from services.common.metrics import ServiceMetrics, WorkCollector
from services.common.process import (
    ServiceSettings,
    run_service,
    service_arguments,
    service_settings,
)
from services.common.readiness import Readiness
from services.common.relay_producer import make_relay_producer
from services.common.signing import Signer
from services.common.tls import ServerTls, TlsFiles
from services.core.provinces import Province
from services.exchange.checkpoints import checkpoint_signer
from services.exchange.home_app import build_home
from services.exchange.metrics import outbox_backlog
from services.exchange.outbox import Outbox
from services.exchange.pseudonym_client import RegistryPseudonyms
from services.exchange.publishing import DEFAULT_MAX_PENDING, EVENT_ALLOWANCE, Publisher
from services.exchange.relay import Relay
from services.exchange.servicer import ExchangeServicer
from yrdhub.v1 import exchange_pb2, exchange_pb2_grpc


@dataclass(frozen=True, kw_only=True)
class ExchangeSettings(ServiceSettings):
    province: Province
    db_url: str
    # The registry's address, whose PseudonymService derives assessor ids;
    # None: identities are refused.
    pseudonym_service: str | None = None
    # The key identities are encrypted with (YRDHUB_IDENTITY_KEY takes precedence).
    identity_key_file: Path | None = None
    # HomeAssignmentService (assessors' identities) on a listener of its own;
    # None: on the main listener.
    home_listen: str | None = None
    # Backpressure: unacknowledged events the outbox may hold (publishing.py).
    outbox_max_pending: int = DEFAULT_MAX_PENDING


def parse_settings(argv: list[str] | None = None) -> ExchangeSettings:
    env = os.environ.get
    p = service_arguments("yrdhub-exchange", __doc__, "127.0.0.1:50051")
    p.add_argument(
        "--province", default=env("YRDHUB_PROVINCE"), required=not env("YRDHUB_PROVINCE")
    )
    p.add_argument("--db", default=env("YRDHUB_DB_URL"), help="SQLAlchemy URL of the outbox")
    p.add_argument(
        "--pseudonym-service",
        default=env("YRDHUB_PSEUDONYM_SERVICE"),
        help="the registry's gRPC address, which derives assessor ids from identities",
    )
    p.add_argument(
        "--identity-key-file",
        type=Path,
        default=env("YRDHUB_IDENTITY_KEY_FILE"),
        help="file holding the key assessors' identities are encrypted with at rest",
    )
    p.add_argument(
        "--home-listen",
        default=env("YRDHUB_HOME_LISTEN"),
        help="serve HomeAssignmentService (assessors' identities) on its own listener",
    )
    p.add_argument(
        "--outbox-max-pending",
        type=int,
        default=int(env("YRDHUB_OUTBOX_MAX_PENDING", str(DEFAULT_MAX_PENDING))),
        help="events the outbox may hold that Kafka has not acknowledged; beyond, "
        "publishing answers UNAVAILABLE with a retry hint",
    )
    a = p.parse_args(argv)
    province = Province.parse(a.province)
    return ExchangeSettings(
        **service_settings(p, a, f"exchange-{province.value}"),
        province=province,
        db_url=a.db or f"sqlite:///exchange-{province.value.lower()}.db",
        pseudonym_service=a.pseudonym_service,
        identity_key_file=a.identity_key_file,
        home_listen=a.home_listen,
        outbox_max_pending=a.outbox_max_pending,
    )


async def serve(settings: ExchangeSettings) -> None:
    use_kafka_tls(settings.kafka_tls)
    use_topic_policy(settings.topics)
    engine = make_engine(settings.db_url)
    # Signed with the province's key; a plaintext development hub keeps the
    # chain but signs no checkpoint.
    sign = (
        None
        if settings.signing_dir is None
        else checkpoint_signer(
            settings.province, Signer.load(settings.signing_dir, settings.province)
        )
    )
    outbox = Outbox(engine, settings.province.value, sign, settings.status_rules)
    outbox.create_schema()
    checkpoints = checkpoint_topic(settings.topic_prefix)
    topics = [*all_topics(settings.topic_prefix), checkpoints]
    ensure_topics(settings.kafka, topics)
    producer = make_relay_producer(settings.kafka, f"exchange-{settings.province.value}", topics)
    relay = Relay(
        outbox, producer, lambda kind: topic_name(kind, settings.topic_prefix), checkpoints
    )
    own = (
        None
        if settings.tls_dir is None
        else TlsFiles(settings.tls_dir, f"exchange-{settings.province.value}")
    )
    pseudonyms = (
        None
        if settings.pseudonym_service is None
        else RegistryPseudonyms(settings.pseudonym_service, own)
    )
    home = build_home(
        engine,
        settings.province,
        settings.kafka,
        settings.topic_prefix,
        pseudonyms,
        settings.identity_key_file,
    )
    # Checked against the topics as they are: a record they would refuse is
    # refused at publish time, never retried by the relay.
    limit = message_limit(settings.kafka, all_topics(settings.topic_prefix))
    if limit <= 2 * EVENT_ALLOWANCE:
        raise SystemExit(f"the record topics take messages of at most {limit} bytes: too small")
    # Every publish, identity read and refusal, in the exchange's own database
    # (a publish in the transaction of its records).
    audit_log = AuditLog(engine)
    audit_log.create_schema()
    publisher = Publisher(
        settings.province,
        outbox,
        audit=audit_log,
        on_stored=relay.wake,
        pseudonyms=home.pseudonyms,
        max_event_bytes=limit,
        max_pending=settings.outbox_max_pending,
        status_rules=settings.status_rules,
        green_labels=settings.green_labels,
    )

    readiness = Readiness(lambda: [relay.state(), home.feed.state()], settings.readiness)
    metrics = ServiceMetrics()
    metrics.add(WorkCollector(readiness.work))
    metrics.add(outbox_backlog(outbox))
    servicer = ExchangeServicer(settings.province, publisher, outbox, readiness)
    tls = None if own is None else ServerTls(own, serving=settings.province)
    exchange_service = (
        exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"].full_name,
        lambda s: exchange_pb2_grpc.add_ExchangeServiceServicer_to_server(servicer, s),
    )
    auditor = Auditor(audit_log)
    audit = audit_service(audit_log, own_callers_only=False)
    # Identities leave the exchange only through the home listener, which the
    # province's regulators alone may call (authorization), kept apart so that
    # it can be firewalled apart.
    home_server = (
        None
        if settings.home_listen is None
        else GrpcServer(
            settings.home_listen,
            [home.registration],
            tls=tls,
            auditor=auditor,
            limits=EXCHANGE_LIMITS,
            metrics=metrics,
        )
    )
    server = GrpcServer(
        settings.listen,
        [exchange_service, audit]
        if home_server is not None
        else [exchange_service, audit, home.registration],
        tls=tls,
        auditor=auditor,
        limits=EXCHANGE_LIMITS,
        readiness=readiness,
        metrics=metrics,
        health_listen=settings.health_listen,
    )
    if settings.metrics_listen:
        metrics.serve(settings.metrics_listen)
    relay.start()
    home.start()

    async def stop() -> None:
        await asyncio.to_thread(relay.stop)
        await home.stop()
        if pseudonyms is not None:
            pseudonyms.close()
        engine.dispose()

    await run_until_signalled(
        server,
        ready_file=settings.ready_file,
        on_stop=stop,
        also=[] if home_server is None else [home_server],
    )


def main(argv: list[str] | None = None) -> None:
    settings = parse_settings(argv)
    run_service(serve(settings), settings.log_format)
