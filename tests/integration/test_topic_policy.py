"""Topics as the deployment needs them: created with the policy's replicas,
min in-sync replicas, retention and timestamps, and existing ones checked at
start-up, so a topic no write could be acknowledged on (or one that would
lose events) is an error naming the remedy, not a relay retrying forever."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic

from services.common.kafka_io import TopicsMisconfigured, ensure_topics
from services.common.topics import CLUSTER, LOCAL, TopicPolicy


def _name() -> str:
    return f"policy.{uuid.uuid4().hex}"


def _configs(bootstrap: str, topic: str) -> dict[str, str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        found = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all"
        )["topic"][topic]
    finally:
        admin.close()
    return {k: v["value"] for k, v in found.items()}


def _create(bootstrap: str, topic: str, configs: dict[str, str] | None = None) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, 1, 1, topic_configs=configs or {})])
    finally:
        admin.close()


def test_topics_are_created_with_the_policy_and_pass_its_check(kafka_bootstrap: str) -> None:
    topic = _name()
    ensure_topics(kafka_bootstrap, [topic], TopicPolicy(partitions=2))
    configs = _configs(kafka_bootstrap, topic)
    assert configs["min.insync.replicas"] == "1"
    assert configs["retention.ms"] == "-1" and configs["retention.bytes"] == "-1"
    assert configs["cleanup.policy"] == "delete"
    assert configs["message.timestamp.type"] == "LogAppendTime"
    ensure_topics(kafka_bootstrap, [topic])  # existing and right: no complaint


@pytest.mark.parametrize(
    ("configs", "why"),
    [
        (
            {"min.insync.replicas": "2", "retention.ms": "-1", "retention.bytes": "-1"},
            "has 1 replica(s) but min.insync.replicas=2: every write with acks=all is refused",
        ),
        ({"retention.ms": "604800000"}, "retention.ms=604800000: events would expire"),
        ({"cleanup.policy": "compact"}, "is compacted: earlier revisions would vanish"),
    ],
    ids=["fewer replicas than min ISR", "expiring", "compacted"],
)
def test_an_existing_topic_that_cannot_serve_is_an_error_naming_the_remedy(
    kafka_bootstrap: str, configs: dict[str, str], why: str
) -> None:
    topic = _name()
    _create(kafka_bootstrap, topic, configs)
    with pytest.raises(TopicsMisconfigured, match=re.escape(why)):
        ensure_topics(kafka_bootstrap, [topic], LOCAL)


def test_a_cluster_policy_on_a_single_broker_is_refused_with_the_reason(
    kafka_bootstrap: str,
) -> None:
    with pytest.raises(TopicsMisconfigured, match="the cluster has fewer brokers"):
        ensure_topics(kafka_bootstrap, [_name()], CLUSTER)
    topic = _name()
    _create(kafka_bootstrap, topic)
    with pytest.raises(TopicsMisconfigured, match="fewer than the 2 this deployment keeps in sync"):
        ensure_topics(kafka_bootstrap, [topic], CLUSTER)


def test_a_service_whose_topics_cannot_serve_stops_at_once_saying_why(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix = f"bad{uuid.uuid4().hex[:8]}."
    _create(kafka_bootstrap, f"{prefix}yrd.qualification.v1", {"min.insync.replicas": "2"})
    done = subprocess.run(
        [sys.executable, "-m", "services.exchange", "--province", "SH",
         "--db", f"sqlite:///{tmp_path}/x.db", "--kafka", kafka_bootstrap,
         "--topic-prefix", prefix, "--insecure-plaintext"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    # Said in its log, which goes to stdout.
    assert "cannot start: topic" in done.stdout and "min.insync.replicas=2" in done.stdout


def test_a_policy_no_write_could_satisfy_is_refused() -> None:
    with pytest.raises(ValueError, match="exceed the replicas"):
        TopicPolicy(replication=1, min_insync=2)
