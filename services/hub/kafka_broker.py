"""A real single-node Apache Kafka broker (KRaft), run from Maven Central jars with the local JDK.

The jars are resolved once with Maven (see kafka/pom.xml) into a cache folder outside the
repository; the broker keeps its data in the folder it is given, so it survives restarts.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from kafka.admin import (
    KafkaAdminClient,
)
from kafka.errors import TopicAlreadyExistsError, for_code

from services.common.kafka_io import client_settings, kafka_principal
from services.common.tls import TlsFiles
from services.hub.ports import free_port

KAFKA_VERSION = "4.1.1"

# The embedded broker shares a small machine with the hub's own processes and
# mostly lives minutes (tests, the demo, the bench): with the C1 compiler alone
# and the serial collector, its CPU per record while four exchanges publish
# fell from 74-205 µs to about 40 µs here, C2's compiler threads and G1's background
# threads no longer taking cores the exchanges and the registry need. The
# chart's brokers (Strimzi) keep the JVM's defaults. YRDHUB_KAFKA_JVM_OPTS
# replaces these.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
_POM = Path(__file__).with_name("kafka") / "pom.xml"
_MARKER = ".complete"

# Root at WARN keeps the log small (INFO dumps every config at start-up); the two INFO loggers
# still record when the broker starts and stops.
_LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = out
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
"""


def kafka_libs_dir() -> Path:
    override = os.environ.get("YRDHUB_KAFKA_LIBS")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "yrdhub" / f"kafka-{KAFKA_VERSION}" / "libs"


def ensure_kafka_jars(progress: Callable[[str], None] | None = None) -> Path:
    """Return the folder holding the broker's jars, downloading them with Maven if missing."""
    libs = kafka_libs_dir()
    # The marker holds the pom's hash, so editing the pom (e.g. a new version) re-resolves.
    pom_hash = hashlib.sha256(_POM.read_bytes()).hexdigest()
    marker = libs / _MARKER
    if marker.is_file() and marker.read_text().strip() == pom_hash:
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven ('mvn') is needed to fetch the Kafka jars; run scripts/setup.sh")
    if progress:
        progress(f"Fetching Apache Kafka {KAFKA_VERSION} jars from Maven Central into {libs} ...")
    started = time.monotonic()
    libs.parent.mkdir(parents=True, exist_ok=True)
    # Copy into a sibling folder and rename it into place, so an interrupted download never
    # leaves a folder that looks complete.
    staging = Path(tempfile.mkdtemp(prefix="libs-", dir=libs.parent))
    try:
        result = subprocess.run(
            [mvn, "-q", "-B", "-f", str(_POM), "dependency:copy-dependencies",
             "-DincludeScope=runtime", f"-DoutputDirectory={staging}"],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"mvn failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        (staging / _MARKER).write_text(pom_hash + "\n")
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if progress:
        jars = len(list(libs.glob("*.jar")))
        progress(f"Fetched {jars} jars in {time.monotonic() - started:.1f}s")
    return libs


def _cluster_id() -> str:
    # Kafka cluster ids are 16 random bytes in unpadded base64url (22 characters); one that
    # starts with "-" would be taken for a command-line flag.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _saved_ports(properties: Path) -> tuple[int, int]:
    """Ports of an earlier run on this data folder: the KRaft voter set remembers them."""
    values = dict(line.split("=", 1) for line in properties.read_text().splitlines() if "=" in line)
    broker, controller = values["listeners"].split(",")
    return int(broker.rsplit(":", 1)[1]), int(controller.rsplit(":", 1)[1])


@dataclass(frozen=True, slots=True)
class ClusterNode:
    """A broker's place in a local cluster: its node id, the static voter set
    ("1@host:port,..."; empty: a single node) and how many nodes there are."""

    id: int
    voters: str
    size: int
    cluster_id: str = ""


@dataclass(frozen=True, slots=True)
class BrokerTls:
    """A secured broker: TLS with client certificates on every listener, and
    the StandardAuthorizer (nothing allowed without an ACL). The broker and the
    operator are super users; `certs` is a folder `yrdhub certs` wrote."""

    certs: Path

    @property
    def operator(self) -> TlsFiles:
        return TlsFiles(self.certs, "operator")

    def super_users(self) -> str:
        return ";".join(kafka_principal(n) for n in ("broker", "operator"))


class KafkaBroker:
    """One broker+controller JVM on 127.0.0.1, with its data, config and log in data_dir."""

    # As the hub's supervision names it (services/hub/watchdog.py).
    name = "kafka"

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 0,
        controller_port: int = 0,
        heap: str = "512m",
        tls: BrokerTls | None = None,
        properties: Mapping[str, str] | None = None,
        node: ClusterNode | None = None,
    ) -> None:
        """`node`: this broker's place in a cluster (kafka_cluster.py); None:
        a cluster of its own."""
        self._node = node
        self.name = "kafka" if node is None else f"kafka-{node.id}"
        self.data_dir = Path(data_dir).resolve()
        self.heap = heap
        # None: plaintext and no authorization (tests and development).
        self.tls = tls
        # A deployment's own server properties (the chart's, tried here), run
        # as they are instead of the ones made below; their listeners must be
        # on `port` and `controller_port`.
        self._properties = properties
        props = self.data_dir / "server.properties"
        if (port == 0 or controller_port == 0) and props.is_file():
            saved_port, saved_controller = _saved_ports(props)
            port = port or saved_port
            controller_port = controller_port or saved_controller
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "broker.log"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The JVM's process id while it runs (fault tests kill it)."""
        return self._proc.pid if self._proc is not None else None

    def _write_config(self) -> Path:
        path = self.data_dir / "server.properties"
        (self.data_dir / "log4j2.properties").write_text(_LOG4J2)
        props = dict(self._properties) if self._properties is not None else self._made()
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return path

    def _made(self) -> dict[str, str]:
        c = f"127.0.0.1:{self.controller_port}"
        scheme = "PLAINTEXT" if self.tls is None else "SSL"
        node = self._node or ClusterNode(1, "", 1)
        # A cluster's internal topics as replicated as its records' (and as
        # many in sync as the hub's cluster policy: services/common/topics.py).
        replicas, in_sync = str(node.size), str(max(1, min(2, node.size - 1)))
        quorum = (
            {"controller.quorum.voters": node.voters}
            if node.voters
            else {"controller.quorum.bootstrap.servers": c}
        )
        return {
            "process.roles": "broker,controller",
            "node.id": str(node.id),
            "listeners": f"{scheme}://{self.bootstrap},CONTROLLER://{c}",
            "advertised.listeners": f"{scheme}://{self.bootstrap}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": scheme,
            "listener.security.protocol.map": f"{scheme}:{scheme},CONTROLLER:{scheme}",
            **quorum,
            "log.dirs": str(self.data_dir / "kraft"),
            "offsets.topic.replication.factor": replicas,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": in_sync,
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": in_sync,
            "group.initial.rebalance.delay.ms": "0",
            # After a crash the controller waits out the dead broker's session before the new
            # one may register (9 s by default); heartbeats stay in-process, so a shorter
            # session is safe and makes crash-and-restart tests faster.
            "broker.session.timeout.ms": "4000",
            "broker.heartbeat.interval.ms": "1000",
            "auto.create.topics.enable": "false",
            **self._security(),
        }

    def _security(self) -> dict[str, str]:
        """TLS with required client certificates on the client and controller
        listeners (the broker's own certificate for its own connections), and
        ACLs enforced by the StandardAuthorizer."""
        if self.tls is None:
            return {}
        broker = TlsFiles(self.tls.certs, "broker")
        # A PEM key store is one file: the private key, then the certificate.
        keystore = self.data_dir / "broker-keystore.pem"
        fd = os.open(keystore, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(broker.key.read_bytes() + broker.certificate.read_bytes())
        return {
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(broker.ca),
            "ssl.client.auth": "required",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": self.tls.super_users(),
        }

    def admin_tls(self) -> TlsFiles | None:
        """What the owner's admin client connects with: the operator's certificate."""
        return None if self.tls is None else self.tls.operator

    def _java(self, libs: Path, *args: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("A JDK 17+ ('java') is needed to run Kafka; run scripts/setup.sh")
        return [
            java,
            f"-Xmx{self.heap}",
            *os.environ.get("YRDHUB_KAFKA_JVM_OPTS", JVM_OPTIONS).split(),
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            f"{libs}/*",
            *args,
        ]

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def _admin(self, timeout_ms: int = 10_000) -> KafkaAdminClient:
        return KafkaAdminClient(
            **client_settings(self.admin_tls()),
            bootstrap_servers=self.bootstrap,
            client_id="yrdhub-broker-admin",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )

    def _ready(self) -> bool:
        # A bare TCP probe first: the client's own retries against a closed port would add
        # seconds to every start.
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        try:
            admin = self._admin(timeout_ms=5_000)
            try:
                admin.list_topics()
            finally:
                admin.close()
        except Exception:  # not serving yet: any client error means "try again"
            return False
        return True

    def start(self, timeout: float = 90.0, *, wait: bool = True) -> None:
        """Start the JVM (formatting data_dir on first use) and, with `wait`,
        wait until it serves requests (wait_serving)."""
        if self.running:
            return
        libs = ensure_kafka_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self.data_dir / "kraft" / "meta.properties").is_file():
            # A static quorum (controller.quorum.voters) is formatted as it is;
            # a dynamic one, ours, with this node as its only voter.
            static = "controller.quorum.voters" in (self._properties or self._made())
            cluster_id = (self._node.cluster_id if self._node else "") or _cluster_id()
            fmt = subprocess.run(
                self._java(libs, "kafka.tools.StorageTool", "format", "-t", cluster_id,
                           "-c", str(config), *([] if static else ["--standalone"])),
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
            if fmt.returncode != 0:
                raise RuntimeError(f"Kafka storage format failed:\n{fmt.stdout}{fmt.stderr}")
        with self.log_path.open("ab") as log:
            # A session of its own keeps a Ctrl-C in the terminal from reaching the broker
            # before the owner stops it in order.
            self._proc = subprocess.Popen(
                self._java(libs, "kafka.Kafka", str(config)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            self.wait_serving(timeout)

    def wait_serving(
        self, timeout: float = 90.0, cancelled: Callable[[], bool] = lambda: False
    ) -> None:
        """Until the broker answers requests (a cluster's first needs its
        quorum); raises as soon as `cancelled`."""
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while True:
            if cancelled():
                raise RuntimeError(f"{self.name}: start given up, the hub is stopping")
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise RuntimeError(f"Kafka broker exited with {code}:\n{self._log_tail()}")
            if self._ready():
                return
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(
                    f"Kafka broker not ready after {timeout:.0f}s:\n{self._log_tail()}"
                )
            time.sleep(0.2)

    def create_topics(self, names: Iterable[str], partitions: int = 4) -> None:
        """Create the topics that do not exist yet and wait until they have leaders."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return
        admin = self._admin()
        try:
            spec = {n: {"num_partitions": partitions, "replication_factor": 1} for n in wanted}
            result = admin.create_topics(spec, raise_errors=False)
            for topic in result["topics"]:
                code = topic["error_code"]
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise for_code(code)(f"{topic['name']}: {topic.get('error_message')}")
            admin.wait_for_topics(wanted, timeout_ms=30_000)
        finally:
            admin.close()

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the broker down cleanly (SIGTERM), killing it if it does not exit in time."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def exited(self) -> int | None:
        """Its exit status once it has exited on its own (reaped), else None."""
        return None if self._proc is None else self._proc.poll()

    def restart(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Starts it again on its ports and data, and waits until it serves,
        or until `cancelled`."""
        self._proc = None
        self.start(wait=False)
        self.wait_serving(cancelled=cancelled)

    def kill(self) -> None:
        """Kill the broker at once (SIGKILL), as a crash would."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def __enter__(self) -> KafkaBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
