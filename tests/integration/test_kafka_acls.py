"""The hub's own broker with TLS, client certificates and the StandardAuthorizer:
only the identities the ACL table names may write or read, and a client
without a certificate does not get in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from services.common.kafka_io import (
    checkpoint_topic,
    client_settings,
    ensure_topics,
    make_producer,
    topic_name,
    use_kafka_tls,
)
from services.common.tls import TlsFiles
from services.core.provinces import Province
from services.core.records import RecordKind
from services.hub.certs import create_all
from services.hub.kafka_acls import hub_acls, hub_topics
from services.hub.kafka_broker import BrokerTls, KafkaBroker

PREFIX = "acl."
QUALIFICATIONS = topic_name(RecordKind.QUALIFICATION, PREFIX)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KafkaBroker, Path]]:
    root = tmp_path_factory.mktemp("secured-kafka")
    certs = root / "certs"
    create_all(certs)
    broker = KafkaBroker(root / "kafka", tls=BrokerTls(certs))
    broker.start()
    try:
        use_kafka_tls(broker.admin_tls())
        ensure_topics(broker.bootstrap, hub_topics(PREFIX))
        broker.grant(hub_acls(PREFIX))
        yield broker, certs
    finally:
        use_kafka_tls(None)
        broker.stop()


def _send(bootstrap: str, as_: TlsFiles, topic: str) -> None:
    producer = make_producer(bootstrap, "acl-test", tls=as_)
    try:
        producer.send(topic, key=b"k", value=b"v").get(timeout=20)
    finally:
        producer.close(timeout=5)


def _read(bootstrap: str, as_: TlsFiles, topic: str) -> int:
    consumer = KafkaConsumer(
        **client_settings(as_), bootstrap_servers=bootstrap, group_id=None, consumer_timeout_ms=5000
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return sum(len(batch) for batch in consumer.poll(timeout_ms=5000).values())
    finally:
        consumer.close()


def test_only_the_identities_the_acls_name_write_and_read(
    secured: tuple[KafkaBroker, Path],
) -> None:
    broker, certs = secured
    exchange = TlsFiles(certs, "exchange-SH")
    _send(broker.bootstrap, exchange, QUALIFICATIONS)
    _send(broker.bootstrap, exchange, checkpoint_topic(PREFIX))
    assert _read(broker.bootstrap, TlsFiles(certs, "registry"), QUALIFICATIONS) >= 1

    # A regulator's or a province system's certificate is valid, but not for Kafka.
    for stranger in ("regulator-SH", "system-JS"):
        with pytest.raises(KafkaError):
            _send(broker.bootstrap, TlsFiles(certs, stranger), QUALIFICATIONS)
    # The registry reads but does not publish records; exchanges publish but
    # do not read each other's.
    with pytest.raises(KafkaError):
        _send(broker.bootstrap, TlsFiles(certs, "registry"), QUALIFICATIONS)
    with pytest.raises(KafkaError):
        _read(broker.bootstrap, TlsFiles(certs, f"exchange-{Province.JS.value}"), QUALIFICATIONS)


def test_a_client_without_a_certificate_does_not_get_in(
    secured: tuple[KafkaBroker, Path],
) -> None:
    broker, certs = secured
    for settings in (
        {},  # plaintext on a TLS port
        {"security_protocol": "SSL", "ssl_cafile": str(certs / "ca.pem")},  # TLS, no certificate
    ):
        with pytest.raises(KafkaError):
            producer = KafkaProducer(
                bootstrap_servers=broker.bootstrap,
                request_timeout_ms=5000,
                max_block_ms=5000,
                **settings,
            )
            try:
                producer.send(QUALIFICATIONS, key=b"k", value=b"v").get(timeout=10)
            finally:
                producer.close(timeout=1)
