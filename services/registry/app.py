"""Composition root of the registry: builds and wires everything."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy.engine import Engine

from services.common.audit_log import AuditLog
from services.common.audit_servicer import audit_service
from services.common.auditing import Auditor
from services.common.db import make_engine
from services.common.grpc_server import (
    GrpcServer,
    Register,
    ServiceRegistrar,
    preserialized,
    run_until_signalled,
)
from services.common.kafka_io import (
    all_topics,
    assignment_topic,
    checkpoint_topic,
    commitment_topic,
    ensure_topics,
    make_consumer,
    use_kafka_tls,
    use_topic_policy,
)
from services.common.metrics import WorkCollector
from services.common.process import (
    run_service,
)
from services.common.rate_limit import RateLimiter
from services.common.readiness import Readiness
from services.common.relay_producer import make_relay_producer
from services.common.signing import REGISTRY, KeySet, Signer, keyset_path
from services.common.tls import ServerTls, TlsFiles
from services.core.draws import DrawKind, DrawState
from services.core.policy import CreditRules
from services.registry.checks.answers import precompute
from services.registry.checks.certificates import CertificateChecks
from services.registry.checks.labels import LabelQueries
from services.registry.checks.reader import FeedCache, PointReader
from services.registry.checks.servicer import CertificateCheckRpcs, LabelServicer
from services.registry.checks.verify_server import VerifyServer
from services.registry.ingest.apply import RecordWriter
from services.registry.ingest.chain_store import ChainStore
from services.registry.ingest.feed import Ingestor
from services.registry.ingest.gate import ChainGate
from services.registry.ingest.servicer import ChainRpcs
from services.registry.metrics import RegistryMetrics
from services.registry.pool.commitments import CommitmentPublisher
from services.registry.pool.draws import AssessorPool
from services.registry.pool.policies import load_inspection, load_recusal
from services.registry.pool.public import PublicInspections
from services.registry.pool.relay import AssignmentRelay, event_payload
from services.registry.pool.results import InspectionResults
from services.registry.pool.servicer import AssessorPoolServicer
from services.registry.pool.store import PoolStore
from services.registry.pool.view import PoolView
from services.registry.pseudonyms.derivation import Pseudonymisation, load_secret
from services.registry.pseudonyms.servicer import PseudonymServicer
from services.registry.reconciliation.changes import ChangeReader, ChangeSignal, ChangeWatch
from services.registry.reconciliation.conflict_store import ConflictStore
from services.registry.reconciliation.institutions import Reconciliation
from services.registry.reconciliation.mapping import report_document
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.reconciliation.recognition import CertificateStandings, RecognitionDecisions
from services.registry.reconciliation.reports import ReportVerifications, report_query
from services.registry.reconciliation.servicer import ReconciliationRpcs, ReconciliationUseCases
from services.registry.reconciliation.standing_inputs import StandingInputs
from services.registry.records.as_of import RecordsAsOf
from services.registry.records.queries import RegistryQueries
from services.registry.records.servicer import RecordRpcs
from services.registry.records.store import RecordStore
from services.registry.settings import RegistrySettings, parse_settings
from yrdhub.v1 import (
    assessor_pool_pb2,
    assessor_pool_pb2_grpc,
    labels_pb2,
    labels_pb2_grpc,
    pseudonyms_pb2,
    pseudonyms_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
)

log = logging.getLogger(__name__)


class RegistryServicer(
    RecordRpcs,
    CertificateCheckRpcs,
    ReconciliationRpcs,
    ChainRpcs,
    registry_pb2_grpc.RegistryServiceServicer,
):
    """RegistryService: each capability's RPCs, joined into the one servicer gRPC
    registers for the service."""

    def __init__(
        self,
        queries: RegistryQueries,
        checks: CertificateChecks,
        reconciliation: ReconciliationUseCases,
        chains: ChainStore,
        readiness: Readiness,
    ) -> None:
        self._queries = queries
        self._checks = checks
        self._use_cases = reconciliation
        self._chains = chains
        self._readiness = readiness


def _name(descriptor: object, service: str) -> str:
    return str(descriptor.services_by_name[service].full_name)  # type: ignore[attr-defined]


@dataclass
class PoolService:
    pool: AssessorPool
    relay: AssignmentRelay
    registration: tuple[str, Register]
    # The public pages' documents of inspection plans and their results.
    inspections: PublicInspections

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
    signing_dir: Path | None = None,
    on_drawn: Callable[[DrawKind, DrawState], None] = lambda _kind, _state: None,
    credit_rules: Callable[[], CreditRules] = CreditRules,
) -> PoolService:
    """The pool reads assessors from the registry's own records (`engine`) but
    writes draws and assignments, which are new facts rather than a view of the
    log, to one database every replica serving the pool shares (pool_db_url):
    replicas with databases of their own would otherwise book people twice."""
    recusal = load_recusal(recusal_policy)
    inspection = load_inspection(inspection_policy)
    store = PoolStore(make_engine(pool_db_url) if pool_db_url else engine, event_payload)
    store.create_schema()
    # Plans grade institutions by the credit lists' rules every answer uses.
    view = PoolView(engine, credit_rules)
    topic = assignment_topic(topic_prefix)
    commitments = commitment_topic(topic_prefix)
    ensure_topics(kafka, [topic, commitments])
    producer = make_relay_producer(kafka, "registry-pool", [topic, commitments])
    relay = AssignmentRelay(store, producer, topic)
    # Commitments are signed and published before the pool is read; a
    # development registry without signing keys records them only.
    announce = (
        None
        if signing_dir is None
        else CommitmentPublisher(producer, commitments, Signer.load(signing_dir, REGISTRY))
    )
    pool = AssessorPool(
        store,
        view,
        recusal,
        inspection,
        on_change=relay.wake,
        announce=announce,
        on_drawn=on_drawn,
    )
    # Plans answer with their visits' published results, read from the records.
    results = InspectionResults(RecordStore(engine), inspection)
    servicer = AssessorPoolServicer(pool, results)

    def register(server: ServiceRegistrar) -> None:
        # The generated registration function has no type annotations.
        assessor_pool_pb2_grpc.add_AssessorPoolServiceServicer_to_server(servicer, server)

    return PoolService(
        pool,
        relay,
        (_name(assessor_pool_pb2.DESCRIPTOR, "AssessorPoolService"), register),
        PublicInspections(store, results),
    )


def catch_up(ingestor: Ingestor, poll_s: float = 0.2) -> None:
    """Runs the feed until it is level with its topics (as they were when it
    last looked), saying how far it has to go."""
    ingestor.start()
    said = time.monotonic()
    try:
        while (lag := ingestor.state().lag) != 0:
            if ingestor.state().retrying:
                log.warning("catching up: %s", ingestor.state().last_error)
            if time.monotonic() - said >= 5:
                log.info("catching up: %s events applied, %s to go", ingestor.applied, lag)
                said = time.monotonic()
            time.sleep(poll_s)
    finally:
        ingestor.stop()
    log.info("caught up: %d events applied", ingestor.applied)


async def serve(settings: RegistrySettings) -> None:
    use_kafka_tls(settings.kafka_tls)
    use_topic_policy(settings.topics)
    engine = make_engine(settings.db_url)
    # Events are applied only once their province's signed chain vouches for
    # them, with keys from the trust folder; a plaintext development registry
    # applies what it reads.
    chains = ChainStore(engine)
    chains.create_schema()
    gate = (
        None
        if settings.signing_dir is None
        else ChainGate(chains, KeySet.load(keyset_path(settings.signing_dir)))
    )
    store = RecordStore(engine, None if gate is None else gate.reports)
    store.create_schema()
    # Checks answer from bytes made when a record is applied.
    writer = RecordWriter(engine, precompute, settings.status_rules)
    writer.create_schema()
    topics = all_topics(settings.topic_prefix)
    checkpoints = checkpoint_topic(settings.topic_prefix)
    ensure_topics(settings.kafka, [*topics, checkpoints])
    changed = ChangeSignal()
    feeds = FeedCache(store)
    reader = PointReader(engine)
    # Who has credit events and what has open conflicts, for label standings.
    standing_inputs = StandingInputs(engine)

    def applied() -> None:
        standing_inputs.refresh()
        feeds.refresh()
        changed.notify()

    ingestor = Ingestor(
        writer,
        partial(make_consumer, settings.kafka, "registry"),
        topics,
        store.offsets,
        on_applied=applied,
        writing=reader.writes,
        gate=gate,
        checkpoint_topic=checkpoints,
    )
    if settings.rebuild_and_exit:
        await asyncio.to_thread(catch_up, ingestor)
        engine.dispose()
        return
    queries = RegistryQueries(store, quarantined=chains.quarantined_counts)
    metrics = RegistryMetrics(queries)
    policy = PolicySource(settings.recognition_policy)
    pool = build_pool_service(
        engine,
        settings.kafka,
        settings.topic_prefix,
        settings.recusal_policy,
        settings.inspection_policy,
        pool_db_url=settings.pool_db_url,
        signing_dir=settings.signing_dir,
        on_drawn=metrics.drawn,
        credit_rules=lambda: policy.current().credit,
    )

    readiness = Readiness(lambda: [ingestor.state(), pool.relay.state()], settings.readiness)
    metrics.service.add(WorkCollector(readiness.work))

    conflicts = ConflictStore(engine)
    records = RecordsAsOf(store)
    decisions = RecognitionDecisions(store, conflicts, policy)
    reports = ReportVerifications(store, conflicts, policy)
    servicer = RegistryServicer(
        queries,
        CertificateChecks(reader, feeds, records, read_code=settings.green_labels.code_of),
        ReconciliationUseCases(
            Reconciliation(store, conflicts, policy=policy),
            decisions,
            ChangeWatch(ChangeReader(engine), changed),
            reports,
        ),
        chains,
        readiness,
    )
    labels = LabelQueries(
        reader,
        feeds,
        records,
        CertificateStandings(decisions, standing_inputs),
        label_format=settings.green_labels,
    )
    label_servicer = LabelServicer(labels)
    verify: VerifyServer | None = None
    if settings.http_listen:
        verify = VerifyServer(
            settings.http_listen,
            labels,
            RateLimiter(settings.http_rate, settings.http_burst),
            max_connections=settings.http_max_connections,
            max_connections_per_client=settings.http_max_connections_per_client,
            trusted_proxies=settings.trusted_proxies,
            not_ready_because=readiness.not_ready_because,
            on_response=metrics.answered,
            reports=lambda cma, number, sha256: report_document(
                reports.verify(report_query(cma, number, sha256))
            ),
            inspections=pool.inspections,
        )
        verify.start()
    services = [
        (
            _name(registry_pb2.DESCRIPTOR, "RegistryService"),
            preserialized(
                registry_pb2_grpc.add_RegistryServiceServicer_to_server,
                servicer,
                RegistryServicer.PRESERIALIZED,
            ),
        ),
        (
            _name(labels_pb2.DESCRIPTOR, "LabelService"),
            preserialized(
                labels_pb2_grpc.add_LabelServiceServicer_to_server,
                label_servicer,
                LabelServicer.PRESERIALIZED,
            ),
        ),
    ]
    secret = load_secret(settings.pseudonym_secret_file)
    pseudonyms = PseudonymServicer(
        None
        if secret is None
        else Pseudonymisation(
            secret, RateLimiter(settings.pseudonym_rate, settings.pseudonym_burst)
        )
    )
    pseudonym_service = (
        _name(pseudonyms_pb2.DESCRIPTOR, "PseudonymService"),
        lambda s: pseudonyms_pb2_grpc.add_PseudonymServiceServicer_to_server(pseudonyms, s),
    )
    files = None if settings.tls_dir is None else TlsFiles(settings.tls_dir, "registry")
    # Every pool action and refusal, in the registry's own database.
    audit_log = AuditLog(engine)
    audit_log.create_schema()
    auditor = Auditor(audit_log)
    server = GrpcServer(
        settings.listen,
        [
            *services,
            pool.registration,
            pseudonym_service,
            audit_service(audit_log, own_callers_only=True),
        ],
        tls=None if files is None else ServerTls(files),
        auditor=auditor,
        readiness=readiness,
        metrics=metrics.service,
        health_listen=settings.health_listen,
    )
    # The public endpoint serves the same checks to callers without a
    # certificate; every other method there answers UNAUTHENTICATED.
    public = (
        None
        if settings.public_listen is None or files is None
        else GrpcServer(
            settings.public_listen,
            services,
            tls=ServerTls(files, require_client_certificate=False),
            auditor=auditor,
            metrics=metrics.service,
        )
    )
    if settings.metrics_listen:
        metrics.service.serve(settings.metrics_listen)
    ingestor.start()
    pool.start()

    async def stop() -> None:
        await pool.stop()
        if verify is not None:
            verify.stop()
        await asyncio.to_thread(ingestor.stop)
        engine.dispose()

    await run_until_signalled(
        server,
        ready_file=settings.ready_file,
        on_stop=stop,
        also=[] if public is None else [public],
    )


def main(argv: list[str] | None = None) -> None:
    settings = parse_settings(argv)
    run_service(serve(settings), settings.log_format)
