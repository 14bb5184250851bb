"""Kafka topics and client settings for the hub (kafka-python).

Payloads are serialized yrdhub.v1.Event messages; keys are record keys, so
every revision of one record lands on one partition, in order.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import (
    InvalidReplicationFactorError,
    KafkaError,
    TopicAlreadyExistsError,
)
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from services.common.partitioning import KeyHashPartitioner
from services.common.tls import TlsFiles
from services.common.topics import LOCAL, TopicPolicy, topic_problems
from services.core.records import RecordKind

log = logging.getLogger(__name__)


class _NotSettled(RuntimeError):
    """The cluster's answer is not complete yet: a topic just created, or a
    broker that just died, leaves a topic without partitions for a moment."""


# What a service asks the cluster at start-up is asked again for a while when
# a broker is dying or topics were just created, before the service judges.
_asked_again = retry(
    retry=retry_if_exception_type((KafkaError, _NotSettled)),
    stop=stop_after_delay(60),
    wait=wait_exponential(multiplier=0.2, max=5),
    before_sleep=before_sleep_log(log, logging.WARNING),
    reraise=True,
)


# A Kafka message's headers: (name, bytes) pairs.
Headers = list[tuple[str, bytes]]


class Sender(Protocol):
    """The part of a Kafka producer the relays use."""

    def send(
        self, topic: str, value: bytes, key: bytes, headers: Headers | None = None
    ) -> object: ...
    def flush(self, timeout: float | None = None) -> None: ...
    def close(self, timeout: float | None = None) -> None: ...


def topic_name(kind: RecordKind, prefix: str = "") -> str:
    """e.g. "yrd.qualification.v1"; the prefix isolates test runs on one broker."""
    return f"{prefix}yrd.{kind.value}.v1"


def all_topics(prefix: str = "") -> list[str]:
    return [topic_name(kind, prefix) for kind in RecordKind]


def checkpoint_topic(prefix: str = "") -> str:
    """Where exchanges publish their chains' signed checkpoints (ChainCheckpoint,
    keyed by province code). Not among all_topics: it carries no records."""
    return f"{prefix}yrd.checkpoint.v1"


def commitment_topic(prefix: str = "") -> str:
    """Where the registry publishes its signed draw commitments (DrawCommitment,
    keyed by draw id) before it reads the pool."""
    return f"{prefix}yrd.draw_commitment.v1"


def assignment_topic(prefix: str = "") -> str:
    """Where the registry's assessor pool tells home provinces about assignments.

    Not among all_topics: it carries AssignmentEvent, not Event, and flows the
    other way (registry to exchanges).
    """
    return f"{prefix}yrd.assignment.v1"


def _tls_settings(files: TlsFiles) -> dict[str, Any]:
    """kafka-python's settings for a broker that wants client certificates: the
    CA, and the certificate and key of the identity the client acts as."""
    return {
        "security_protocol": "SSL",
        "ssl_cafile": str(files.ca),
        "ssl_certfile": str(files.certificate),
        "ssl_keyfile": str(files.key),
        "ssl_check_hostname": True,
    }


_tls: TlsFiles | None = None


def use_kafka_tls(tls: TlsFiles | None) -> None:
    """Every Kafka client this process makes from now on connects with `tls`
    (None: plaintext). Set once, at start-up, by the composition root."""
    global _tls
    _tls = tls


def client_settings(tls: TlsFiles | None = None) -> dict[str, Any]:
    """Security settings for a kafka-python client: `tls`, else the process's."""
    chosen = tls or _tls
    return {} if chosen is None else _tls_settings(chosen)


def kafka_principal(common_name: str) -> str:
    """The principal a broker sees for a client certificate of the hub (its
    subject is CN=<identity>, e.g. "exchange@SH"): what ACLs name."""
    return f"User:CN={common_name}"


# The most a producer sends in one request (one message cannot be larger).
MAX_REQUEST_BYTES = 8 * 1024 * 1024


# kafka-python's own metrics (sensors updated on every message and request):
# nothing in the hub reads them, and in a busy exchange's relay updating them
# took about a twentieth of the process's time. The hub's metrics are its own.
NO_CLIENT_METRICS = {"metrics_enabled": False}


def make_producer(bootstrap: str, client_id: str, tls: TlsFiles | None = None) -> KafkaProducer:
    # Idempotent and acks=all: a retried batch is written once, and an
    # acknowledged one survives the loss of the leader's page cache.
    return KafkaProducer(
        **client_settings(tls),
        **NO_CLIENT_METRICS,
        bootstrap_servers=bootstrap,
        client_id=client_id,
        partitioner=KeyHashPartitioner(),
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        linger_ms=5,
        batch_size=512 * 1024,
        max_request_size=MAX_REQUEST_BYTES,
        retries=2**31 - 1,
        request_timeout_ms=30_000,
        delivery_timeout_ms=DELIVERY_TIMEOUT_MS,
    )


def close_aside(close: Callable[[], object], name: str) -> None:
    """Closes a Kafka client on a thread of its own: one that is stuck may wait
    on its own network thread, and the caller's must go on."""

    def run() -> None:
        try:
            close()
        except Exception as exc:  # it is broken already
            log.warning("closing a stuck Kafka client (%s) failed: %s", name, exc)

    threading.Thread(target=run, name=f"{name}-close", daemon=True).start()


# A batch Kafka has not acknowledged within this fails (and is sent again).
DELIVERY_TIMEOUT_MS = 60_000


# How long an idle consumer's poll() waits. Data ends the wait at once, so this
# costs no latency; it only bounds how soon a stopping feed notices. Shorter
# waits are not free: kafka-python 3 hands every poll between two threads,
# and at 100 ms the handoffs of one idle consumer took about 7% of a
# registry's single-check throughput.
POLL_TIMEOUT_MS = 500


def make_consumer(bootstrap: str, client_id: str) -> KafkaConsumer:
    # No group and no auto-commit: the registry assigns itself every
    # partition and keeps its offsets in its own database, in the same
    # transaction as the data they produced.
    return KafkaConsumer(
        **client_settings(),
        **NO_CLIENT_METRICS,
        bootstrap_servers=bootstrap,
        client_id=client_id,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=5000,
        fetch_max_wait_ms=500,
        max_partition_fetch_bytes=2 * 1024 * 1024,
        fetch_max_bytes=16 * 1024 * 1024,
    )


@_asked_again
def _partitions(consumer: KafkaConsumer, topic: str) -> list[int]:
    ids = consumer.partitions_for_topic(topic)
    if not ids:
        raise _NotSettled(f"topic {topic} does not exist or has no partitions")
    return sorted(ids)


def assign_from(
    consumer: KafkaConsumer, topics: Sequence[str], stored: Mapping[tuple[str, int], int]
) -> None:
    """Takes every partition of the topics (no consumer group: every replica reads
    everything) and resumes each at its stored offset, or at the beginning."""
    partitions: list[TopicPartition] = []
    for topic in topics:
        partitions.extend(TopicPartition(topic, p) for p in _partitions(consumer, topic))
    assign_at(consumer, partitions, stored)


def assign_at(
    consumer: KafkaConsumer,
    partitions: Sequence[TopicPartition],
    stored: Mapping[tuple[str, int], int],
) -> None:
    """Takes exactly `partitions`, each at its stored offset or at the beginning."""
    consumer.assign(list(partitions))
    for tp in partitions:
        offset = stored.get((tp.topic, tp.partition))
        if offset is None:
            consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, offset)


@contextlib.contextmanager
def rewound_on_failure(
    consumer: KafkaConsumer, batches: Mapping[Any, Sequence[Any]]
) -> Iterator[None]:
    """Seeks the consumer back to the start of a polled batch if applying it fails.

    poll() has already moved past the batch; without this, the next successful
    apply would store offsets beyond messages that were never applied. The seek
    needs no database, which may be the very thing that is down.
    """
    try:
        yield
    except BaseException:
        for tp, messages in batches.items():
            if messages:
                consumer.seek(tp, messages[0].offset)
        raise


@_asked_again
def message_limit(bootstrap: str, topics: Iterable[str]) -> int:
    """The largest message every one of `topics` takes (max.message.bytes, which
    defaults to the broker's message.max.bytes) and the hub's producers send."""
    admin = KafkaAdminClient(
        **client_settings(), bootstrap_servers=bootstrap, client_id="yrdhub-admin"
    )
    try:
        found = admin.describe_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, name, configs={"max.message.bytes": None})
                for name in topics
            ],
            config_filter="all",
        )
    finally:
        admin.close()
    topics_take = min(int(c["max.message.bytes"]["value"]) for c in found["topic"].values())
    return min(topics_take, MAX_REQUEST_BYTES)


_policy = LOCAL


def use_topic_policy(policy: TopicPolicy) -> None:
    """The topics this process creates and checks from now on follow `policy`.
    Set once, at start-up, by the composition root (services/common/topics.py)."""
    global _policy
    _policy = policy


class TopicsMisconfigured(RuntimeError):
    """Existing topics cannot serve the hub as they are (each reason names the remedy)."""


def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    policy: TopicPolicy | None = None,
    tls: TlsFiles | None = None,
) -> None:
    """Creates missing topics with `policy` (by default the process's), then
    checks every one of them against it: TopicsMisconfigured says why not.
    `tls`: the certificate to act with (by default the process's)."""
    policy = policy or _policy
    problems = _checked(bootstrap, list(dict.fromkeys(topics)), policy, tls)
    if problems:
        raise TopicsMisconfigured("; ".join(problems))


@_asked_again
def _checked(
    bootstrap: str, names: list[str], policy: TopicPolicy, tls: TlsFiles | None
) -> list[str]:
    admin = KafkaAdminClient(
        **client_settings(tls), bootstrap_servers=bootstrap, client_id="yrdhub-admin"
    )
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=policy.partitions,
                replication_factor=policy.replication,
                topic_configs=policy.configs(),
            )
            for name in names
            if name not in existing
        ]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another process created them meanwhile
            except InvalidReplicationFactorError as exc:
                raise TopicsMisconfigured(
                    f"cannot create {len(missing)} topic(s) with {policy.replication} replicas "
                    f"(--topic-replication): the cluster has fewer brokers ({exc})"
                ) from exc
            log.info("created topics %s", [t.name for t in missing])
        admin.wait_for_topics(names, timeout_ms=30_000)
        return _problems(admin, names, policy)
    finally:
        admin.close()


def _problems(admin: KafkaAdminClient, names: list[str], policy: TopicPolicy) -> list[str]:
    # kafka-python 3 returns the Metadata response's own field names.
    described = {t["name"]: t for t in admin.describe_topics(names)}
    unsettled = [
        n
        for n in names
        if described.get(n, {}).get("error_code", 0) or not described.get(n, {}).get("partitions")
    ]
    if unsettled:
        raise _NotSettled(f"topics {unsettled} have no partitions yet")
    configs = admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in names], config_filter="all"
    )["topic"]
    problems = []
    for name in names:
        partitions = described[name]["partitions"]
        replicas = min(len(p["replica_nodes"]) for p in partitions)
        values = {k: v["value"] for k, v in configs.get(name, {}).items()}
        problems += topic_problems(name, replicas, len(partitions), values, policy)
    return problems


def read_topics(
    bootstrap: str, topics: Sequence[str], timeout_s: float = 60
) -> Iterator[tuple[str, bytes]]:
    """(topic, value) of every message of the topics, from the beginning to
    where each partition ended when the reading began (an auditor's read)."""
    consumer = KafkaConsumer(
        **client_settings(),
        **NO_CLIENT_METRICS,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
    )
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError("could not read every topic to its end")
            for tp, messages in consumer.poll(timeout_ms=500).items():
                for m in messages:
                    if m.offset < ends[tp]:
                        yield tp.topic, m.value or b""
    finally:
        consumer.close()
