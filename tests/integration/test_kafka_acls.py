"""The hub's own broker with TLS, client certificates and the StandardAuthorizer:
only the identities the ACL table names may write or read, and a client
without a certificate does not get in. The same holds for the Helm chart's
brokers: their rendered configuration runs here on a real broker, with only
addresses and paths changed, and is secured by the chart's ACL Job's command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from services.common.kafka_io import (
    checkpoint_topic,
    client_settings,
    make_producer,
    topic_name,
    use_kafka_tls,
)
from services.common.tls import TlsFiles
from services.core.provinces import Province
from services.core.records import RecordKind
from services.hub import cli
from services.hub.certs import create_all
from services.hub.kafka_acls import secure
from services.hub.kafka_broker import BrokerTls, KafkaBroker
from services.hub.ports import free_port

PREFIX = "acl."
QUALIFICATIONS = topic_name(RecordKind.QUALIFICATION, PREFIX)


CHART = Path(__file__).resolve().parents[2] / "helm" / "yrdhub"


def _helm() -> str:
    found = shutil.which("helm")
    if found is None:
        gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True)
        candidate = Path(gopath.stdout.strip()) / "bin" / "helm"
        found = str(candidate) if gopath.returncode == 0 and candidate.exists() else None
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("helm is missing (scripts/helm.sh builds it before the tests)")
        pytest.skip("helm is not built here (scripts/helm.sh)")
    return found


def _chart_broker(root: Path, certs: Path) -> tuple[KafkaBroker, list[str]]:
    """A broker running the chart's rendered server.properties (one broker), and
    the chart's ACL Job's arguments."""
    rendered = subprocess.run(
        [_helm(), "template", "hub", str(CHART), "--set", "kafka.brokers=1"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    [config] = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "hub-kafka-config"]  # fmt: skip
    [job] = [d for d in docs if d["kind"] == "Job"]
    port, controller = free_port(), free_port()
    keystore = root / "keystore.pem"
    keystore.write_bytes((certs / "broker.key").read_bytes() + (certs / "broker.pem").read_bytes())
    text = config["data"]["server.properties"]
    for chart_value, here in [
        ("@NODE_ID@", "0"),
        ("://:9092", f"://127.0.0.1:{port}"),
        ("://:9093", f"://127.0.0.1:{controller}"),
        ("@HOST@:9092", f"127.0.0.1:{port}"),
        ("hub-kafka-0.hub-kafka-headless:9093", f"127.0.0.1:{controller}"),
        ("/var/lib/kafka/data", str(root / "data")),
        ("/var/run/kafka/keystore.pem", str(keystore)),
        ("/etc/kafka/tls/ca.crt", str(certs / "ca.pem")),
    ]:
        assert chart_value in text, chart_value
        text = text.replace(chart_value, here)
    # Nothing else of the cluster's addressing or files is left to map.
    assert not re.search(r"@[A-Z_]+@|hub-kafka|=/var/|=/etc/", text), text
    properties = dict(line.split("=", 1) for line in text.splitlines() if line.strip())
    broker = KafkaBroker(
        root / "kafka",
        port=port,
        controller_port=controller,
        tls=BrokerTls(certs),
        properties=properties,
    )
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    return broker, args


@pytest.fixture(scope="module", params=["own broker", "chart's brokers"])
def secured(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[KafkaBroker, Path]]:
    root = tmp_path_factory.mktemp("secured-kafka")
    certs = root / "certs"
    create_all(certs)
    job: list[str] | None = None
    if request.param == "own broker":
        broker = KafkaBroker(root / "kafka", tls=BrokerTls(certs))
    else:
        broker, job = _chart_broker(root, certs)
    broker.start()
    try:
        if job is None:
            secure(broker.bootstrap, BrokerTls(certs).operator, PREFIX)
        else:
            # The Job's own command line; only the address and folder are ours.
            assert job[:2] == ["yrdhub", "kafka-acls"]
            here = {"--kafka": broker.bootstrap, "--tls-dir": str(certs)}
            cli.main(
                [
                    "kafka-acls",
                    *(
                        f"{name}={here.get(name, value)}"
                        for name, value in (a.split("=", 1) for a in job[2:])
                    ),
                    f"--topic-prefix={PREFIX}",
                ]
            )
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
                bootstrap_timeout_ms=5000,  # refused at the handshake: no need to wait 30 s
                **settings,
            )
            try:
                producer.send(QUALIFICATIONS, key=b"k", value=b"v").get(timeout=10)
            finally:
                producer.close(timeout=1)
