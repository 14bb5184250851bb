"""The embedded hub: a Kafka broker, four exchanges and the registry on localhost."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.signing import FOLDER, create_keys, keyset_path
from services.common.topics import TopicPolicy
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub import client
from services.hub.certs import create_all
from services.hub.discovery import HUB_FILE, hub_description, remove_hub_file, write_hub_file
from services.hub.kafka_acls import secure
from services.hub.kafka_broker import BrokerTls, KafkaBroker
from services.hub.kafka_cluster import KafkaCluster
from services.hub.ports import free_port
from services.hub.processes import ServiceProcess
from services.hub.watchdog import Child, Watchdog

# The exchanges take in records; the relays in them, the broker and the
# registry carry those on. On one machine, each in a session of its own, the
# scheduler (with Linux's autogroups) shares the CPU equally between them, so
# four busy exchanges kept the broker and the registry from what they had
# accepted: the registry applied most of a burst only once the exchanges had
# done, alone on one core. Taking in at a lower priority (the exchanges at
# nice 10) moves accepted records on first; the bench's ingest rose about 9%
# (6,650 against 6,080 records/s, six runs each).
INTAKE_NICENESS = 10


def ensure_certs(workdir: Path) -> Path:
    """The hub's development certificates (`yrdhub certs`), made once per workdir."""
    folder = workdir / "certs"
    if not (folder / "ca.pem").exists():
        create_all(folder)
    elif not keyset_path(folder / FOLDER).exists():
        # A work folder made before events were signed.
        create_keys(folder / FOLDER)
    return folder


def wait_until_ready(address: str, timeout: float = 60.0) -> None:
    """Until the server at `address` reports itself ready (gRPC health for
    ""): its feeds have read their topics (services/common/readiness.py)."""
    deadline = time.monotonic() + timeout
    with client.channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            reply = health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{address} did not become ready within {timeout:.0f} s")
            time.sleep(0.05)


def ensure_pseudonym_secret(workdir: Path) -> Path:
    """The hub's pseudonym secret, made once per workdir (owner-only) and kept:
    losing it would give every assessor a new id."""
    return ensure_secret_file(workdir / "pseudonym.secret")


def ensure_secret_file(path: Path) -> Path:
    """A random secret (64 hex digits) in `path`, made once (owner-only) and kept."""
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        tmp.replace(path)
    return path


@dataclass
class HubConfig:
    workdir: Path
    # An external broker's bootstrap address; None starts our own in workdir.
    kafka: str | None = None
    topic_prefix: str = ""
    # Database URL per service ("registry", "exchange-sh", ...); SQLite files
    # in workdir by default.
    db_urls: dict[str, str] = field(default_factory=dict)
    provinces: tuple[Province, ...] = tuple(Province)
    # DEVELOPMENT ONLY: serve plaintext gRPC with no authentication.
    insecure_plaintext: bool = False
    # Brokers of our own Kafka: 1, or a cluster (3: topics with 3 replicas,
    # 2 in sync, so one broker may die).
    brokers: int = 1

    def topic_policy(self) -> TopicPolicy:
        replicas = min(3, self.brokers)
        return TopicPolicy(replication=replicas, min_insync=max(1, min(2, replicas - 1)))

    def db_url(self, service: str) -> str:
        return self.db_urls.get(service, f"sqlite:///{self.workdir / (service + '.db')}")


class Hub:
    def __init__(self, config: HubConfig, progress: Callable[[str], None] = lambda _: None) -> None:
        self.config = config
        self._progress = progress
        config.workdir.mkdir(parents=True, exist_ok=True)
        self.broker: KafkaBroker | KafkaCluster | None = None
        self.kafka = config.kafka or ""
        # Whether clients must connect to Kafka with TLS and a certificate.
        self.kafka_tls = False
        self.tls_dir: Path | None = (
            None if config.insecure_plaintext else ensure_certs(config.workdir)
        )
        security = (
            ["--insecure-plaintext"] if self.tls_dir is None else ["--tls-dir", str(self.tls_dir)]
        )
        policy = config.topic_policy()
        common = [
            "--topic-prefix",
            config.topic_prefix,
            "--topic-replication",
            str(policy.replication),
            "--topic-min-insync",
            str(policy.min_insync),
            *security,
        ]
        self.pseudonym_secret_file = ensure_pseudonym_secret(config.workdir)
        # Each exchange's key for the identities it keeps (losing it loses them).
        identity_keys = {
            p: ensure_secret_file(config.workdir / f"identity-{p.value.lower()}.key")
            for p in config.provinces
        }
        # Each exchange's HomeAssignmentService, on a listener of its own.
        self.home_addresses = {p: f"127.0.0.1:{free_port()}" for p in config.provinces}
        # Where each service serves Prometheus metrics, by service name.
        self.metrics_addresses = {
            name: f"127.0.0.1:{free_port()}"
            for name in ["registry", *(f"exchange-{p.value.lower()}" for p in config.provinces)]
        }
        self.exchanges: dict[Province, ServiceProcess] = {
            p: ServiceProcess(
                f"exchange-{p.value.lower()}",
                "services.exchange",
                [
                    "--province",
                    p.value,
                    "--db",
                    config.db_url(f"exchange-{p.value.lower()}"),
                    "--identity-key-file",
                    str(identity_keys[p]),
                    "--home-listen",
                    self.home_addresses[p],
                    "--metrics-listen",
                    self.metrics_addresses[f"exchange-{p.value.lower()}"],
                    # A fixed port: a restarted exchange is where it was.
                    "--listen",
                    f"127.0.0.1:{free_port()}",
                    *common,
                ],
                config.workdir,
                niceness=INTAKE_NICENESS,
            )
            for p in config.provinces
        }
        self.verify_port = free_port()
        # The public checks' endpoint (TLS without client certificates).
        self.public_port = None if self.tls_dir is None else free_port()
        public = [] if self.public_port is None else ["--public-listen", self.public_address]
        self.registry = ServiceProcess(
            "registry",
            "services.registry",
            [
                "--db",
                config.db_url("registry"),
                "--http-listen",
                f"127.0.0.1:{self.verify_port}",
                "--metrics-listen",
                self.metrics_addresses["registry"],
                "--pseudonym-secret-file",
                str(self.pseudonym_secret_file),
                # A fixed port: the exchanges ask it for assessor ids, also
                # after it restarts.
                "--listen",
                f"127.0.0.1:{free_port()}",
                *public,
                *common,
            ],
            config.workdir,
        )

    def _services(self) -> list[ServiceProcess]:
        return [self.registry, *self.exchanges.values()]

    def start(self) -> None:
        if not self.kafka:
            # Our own broker: with TLS, client certificates and ACLs when the
            # hub runs with TLS (a broker given by address is taken as it is).
            secured = None if self.tls_dir is None else BrokerTls(self.tls_dir)
            brokers = self.config.brokers
            self._progress(
                "starting Apache Kafka (KRaft, "
                + ("single node" if brokers == 1 else f"a cluster of {brokers} nodes")
                + (", TLS with client certificates and ACLs)" if secured else ")")
            )
            self.broker = (
                KafkaBroker(self.config.workdir / "kafka", tls=secured)
                if brokers == 1
                else KafkaCluster(self.config.workdir / "kafka-cluster", brokers, tls=secured)
            )
            self.broker.start()
            self.kafka = self.broker.bootstrap
            if secured is not None:
                self.kafka_tls = True
                secure(
                    self.kafka,
                    secured.operator,
                    self.config.topic_prefix,
                    self.config.provinces,
                    self.config.topic_policy(),
                )
        # The registry first: it creates the topics the exchanges publish to,
        # and derives the assessor ids they ask for. The exchanges need nothing
        # of one another, so they start together.
        kafka = ["--kafka", self.kafka, *(["--kafka-tls"] if self.kafka_tls else [])]
        self._progress(f"starting {self.registry.name}")
        self.registry.start(kafka)
        self.registry.wait_ready()
        exchanges = list(self.exchanges.values())
        self._progress("starting " + ", ".join(e.name for e in exchanges))
        for exchange in exchanges:
            exchange.start([*kafka, "--pseudonym-service", self.registry.address])
        for exchange in exchanges:
            exchange.wait_ready()
        client.use_tls(self.client_tls())
        for service in self._services():
            wait_until_ready(service.address)
        write_hub_file(self.config.workdir, self.description())
        self._progress("hub is up")

    def stop(self) -> None:
        """Exchanges first (their relays flush), then the registry, then Kafka."""
        remove_hub_file(self.config.workdir)
        for service in [*self.exchanges.values(), self.registry]:
            service.stop()
        if self.broker is not None:
            self.broker.stop()

    def supervise(
        self, stop: threading.Event, say: Callable[[str], None] | None = None, **watchdog: Any
    ) -> bool:
        """Until `stop` is set: restarts a child process (the broker we started
        included) that exits, with back-off, and gives up on one that keeps
        failing (services/hub/watchdog.py), saying so (by default as progress).
        True when none exited."""
        brokers: list[Child] = (
            []
            if self.broker is None
            else list(self.broker.nodes)
            if isinstance(self.broker, KafkaCluster)
            else [self.broker]
        )
        children: list[Child] = [*brokers, *self._services()]
        dog = Watchdog(children, say or self._progress, **watchdog)
        return dog.watch(stop)

    @property
    def public_address(self) -> str:
        """The registry's public endpoint ("" when the hub serves plaintext)."""
        return "" if self.public_port is None else f"127.0.0.1:{self.public_port}"

    def client_tls(self) -> client.ClientTls | None:
        """How a client in this process reaches the hub: each exchange as its
        province's systems, the registry as a regulator."""
        if self.tls_dir is None:
            return None
        identities = {s.address: Identity(Role.SYSTEM, p) for p, s in self.exchanges.items()}
        identities.update({a: Identity(Role.REGULATOR, p) for p, a in self.home_addresses.items()})
        return client.ClientTls(self.tls_dir, identities)

    @property
    def verify_url(self) -> str:
        """The public verify page (what a label's QR code points to)."""
        return f"http://127.0.0.1:{self.verify_port}"

    def description(self) -> dict[str, Any]:
        """Every address, as hub.json holds it (services/hub/discovery.py)."""
        return hub_description(
            kafka=self.kafka,
            topic_prefix=self.config.topic_prefix,
            registry=self.registry.address,
            verify_url=self.verify_url,
            exchanges={p.value: s.address for p, s in self.exchanges.items()},
            homes={p.value: a for p, a in self.home_addresses.items()},
            workdir=self.config.workdir,
            public=self.public_address,
            tls_dir=self.tls_dir,
            kafka_tls=self.kafka_tls,
            metrics=self.metrics_addresses,
        )

    @property
    def hub_file(self) -> Path:
        return self.config.workdir / HUB_FILE

    def endpoints(self) -> dict[str, str]:
        found = {
            "kafka": self.kafka,
            "registry": self.registry.address,
            "verify page": self.verify_url,
        }
        if self.public_address:
            found["public checks"] = self.public_address
        if self.tls_dir is not None:
            found["certificates"] = str(self.tls_dir)
        found.update({f"exchange-{p.value.lower()}": s.address for p, s in self.exchanges.items()})
        return found

    @contextlib.contextmanager
    def running(self) -> Iterator[Hub]:
        try:
            self.start()
            yield self
        finally:
            self.stop()
