"""Composition root of the registry: builds and wires everything."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from services.common.db import make_engine
from services.common.grpc_server import GrpcServer, preserialized, run_until_signalled
from services.common.kafka_io import all_topics, ensure_topics, make_consumer
from services.common.process import run_service, service_arguments
from services.registry.changes import ChangeReader, ChangeSignal, ChangeWatch
from services.registry.checks import CertificateChecks
from services.registry.conflict_store import ConflictStore
from services.registry.fastread import FeedCache, PointReader
from services.registry.ingest import Ingestor
from services.registry.label_servicer import LabelServicer
from services.registry.labels import LabelQueries
from services.registry.policy_source import DEFAULT_POLICY, PolicySource
from services.registry.pool_app import build_pool_service
from services.registry.queries import RegistryQueries
from services.registry.recognition import RecognitionDecisions
from services.registry.reconciliation import Reconciliation
from services.registry.reconciliation_servicer import ReconciliationUseCases
from services.registry.servicer import RegistryServicer
from services.registry.store import RegistryStore
from services.registry.verify_web import RateLimiter, VerifyServer
from yrdhub.v1 import labels_pb2, labels_pb2_grpc, registry_pb2, registry_pb2_grpc


@dataclass(frozen=True)
class RegistrySettings:
    db_url: str
    kafka: str
    listen: str = "127.0.0.1:0"
    topic_prefix: str = ""
    ready_file: Path | None = None
    # The public verify page (HTTP); None: not served by this replica.
    http_listen: str | None = None
    http_rate: float = 10.0
    http_burst: int = 30
    # Assessor pool policies; None: the defaults in services/registry/policy/.
    recusal_policy: Path | None = None
    inspection_policy: Path | None = None
    # Where the pool keeps draws and assignments; None: the registry's database.
    pool_db_url: str | None = None
    # Recognition policy, reloaded when the file changes (see policy_source).
    recognition_policy: Path = DEFAULT_POLICY


def parse_settings(argv: list[str] | None = None) -> RegistrySettings:
    env = os.environ.get
    p = service_arguments("yrdhub-registry", __doc__, "127.0.0.1:50050")
    p.add_argument("--db", default=env("YRDHUB_DB_URL", "sqlite:///registry.db"))
    p.add_argument("--http-listen", default=env("YRDHUB_HTTP_LISTEN"), help="serve the verify page")
    p.add_argument("--http-rate", type=float, default=10.0, help="requests/s per client address")
    p.add_argument("--http-burst", type=int, default=30)
    p.add_argument("--recusal-policy", type=Path, default=env("YRDHUB_RECUSAL_POLICY"))
    p.add_argument("--inspection-policy", type=Path, default=env("YRDHUB_INSPECTION_POLICY"))
    p.add_argument(
        "--pool-db",
        default=env("YRDHUB_POOL_DB_URL"),
        help="database shared by every replica serving the assessor pool (default: --db)",
    )
    p.add_argument(
        "--policy",
        type=Path,
        default=env("YRDHUB_POLICY", str(DEFAULT_POLICY)),
        help="recognition policy file (TOML), reloaded when it changes",
    )
    a = p.parse_args(argv)
    return RegistrySettings(
        a.db,
        a.kafka,
        a.listen,
        a.topic_prefix,
        a.ready_file,
        a.http_listen,
        a.http_rate,
        a.http_burst,
        recusal_policy=a.recusal_policy,
        pool_db_url=a.pool_db,
        inspection_policy=a.inspection_policy,
        recognition_policy=a.policy,
    )


async def serve(settings: RegistrySettings) -> None:
    engine = make_engine(settings.db_url)
    store = RegistryStore(engine)
    store.create_schema()
    topics = all_topics(settings.topic_prefix)
    ensure_topics(settings.kafka, topics)
    changed = ChangeSignal()
    feeds = FeedCache(store)
    reader = PointReader(engine)

    def applied() -> None:
        feeds.refresh()
        changed.notify()

    ingestor = Ingestor(
        store,
        make_consumer(settings.kafka, "registry"),
        topics,
        on_applied=applied,
        writing=reader.writes,
    )
    conflicts = ConflictStore(engine)
    servicer = RegistryServicer(
        RegistryQueries(store),
        CertificateChecks(reader, feeds),
        store,
        ReconciliationUseCases(
            Reconciliation(store, conflicts),
            RecognitionDecisions(store, conflicts, PolicySource(settings.recognition_policy)),
            ChangeWatch(ChangeReader(engine), changed),
        ),
    )
    labels = LabelQueries(reader, feeds)
    label_servicer = LabelServicer(labels)
    pool = build_pool_service(
        engine,
        settings.kafka,
        settings.topic_prefix,
        settings.recusal_policy,
        settings.inspection_policy,
        pool_db_url=settings.pool_db_url,
    )
    verify: VerifyServer | None = None
    if settings.http_listen:
        verify = VerifyServer(
            settings.http_listen, labels, RateLimiter(settings.http_rate, settings.http_burst)
        )
        verify.start()
    server = GrpcServer(
        settings.listen,
        [
            (
                registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name,
                preserialized(
                    registry_pb2_grpc.add_RegistryServiceServicer_to_server,
                    servicer,
                    RegistryServicer.PRESERIALIZED,
                ),
            ),
            (
                labels_pb2.DESCRIPTOR.services_by_name["LabelService"].full_name,
                preserialized(
                    labels_pb2_grpc.add_LabelServiceServicer_to_server,
                    label_servicer,
                    LabelServicer.PRESERIALIZED,
                ),
            ),
            pool.registration,
        ],
    )
    ingestor.start()
    pool.start()

    async def stop() -> None:
        await pool.stop()
        if verify is not None:
            verify.stop()
        await asyncio.to_thread(ingestor.stop)
        engine.dispose()

    await run_until_signalled(server, ready_file=settings.ready_file, on_stop=stop)


def main(argv: list[str] | None = None) -> None:
    run_service(serve(parse_settings(argv)))
