"""What the hub's topics must be on the cluster they live on, and the check
that they are.

One policy per deployment: partitions, replication factor and the minimum of
in-sync replicas (local default: one broker; a cluster: 3 replicas, 2 in
sync). Every topic keeps its events for good (the registry is a view of the
log, rebuilt from it), deletes rather than compacts (compaction would drop
revisions the history answers from), and stamps messages with the broker's
time (LogAppendTime), which the registry checks events against. README's
"Kafka topics" table lists them.

A service creates the topics it needs with the policy and checks the ones
that exist: fewer replicas than the minimum in sync would refuse every write
with acks=all, so that is an error at start-up naming the remedy, not a
relay retrying forever while health says SERVING.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TopicPolicy:
    partitions: int = 4
    replication: int = 1
    min_insync: int = 1

    def __post_init__(self) -> None:
        if self.partitions < 1 or self.replication < 1 or self.min_insync < 1:
            raise ValueError("partitions, replication and min in-sync replicas are at least 1")
        if self.min_insync > self.replication:
            raise ValueError(
                f"min in-sync replicas ({self.min_insync}) exceed the replicas "
                f"({self.replication}): no write could ever be acknowledged"
            )

    def configs(self) -> dict[str, str]:
        """The topic-level configuration every hub topic is created with."""
        return {
            "retention.ms": "-1",
            "retention.bytes": "-1",
            "cleanup.policy": "delete",
            "min.insync.replicas": str(self.min_insync),
            "message.timestamp.type": "LogAppendTime",
        }


LOCAL = TopicPolicy()
CLUSTER = TopicPolicy(partitions=4, replication=3, min_insync=2)


def topic_problems(
    name: str, replicas: int, partitions: int, configs: dict[str, Any], policy: TopicPolicy
) -> list[str]:
    """Why an existing topic cannot serve the hub under `policy` (empty: it
    can). `configs`: its effective configuration by name."""
    problems = []
    min_insync = int(configs.get("min.insync.replicas", "1"))
    if replicas < min_insync:
        problems.append(
            f"topic {name} has {replicas} replica(s) but min.insync.replicas={min_insync}: "
            "every write with acks=all is refused; raise its replication factor or lower "
            "its min.insync.replicas"
        )
    if replicas < policy.min_insync:
        problems.append(
            f"topic {name} has {replicas} replica(s), fewer than the {policy.min_insync} this "
            "deployment keeps in sync (--topic-min-insync): an acknowledged event could be "
            "lost with one broker; recreate it with more replicas"
        )
    for key in ("retention.ms", "retention.bytes"):
        if str(configs.get(key, "-1")) != "-1":
            problems.append(
                f"topic {name} has {key}={configs[key]}: events would expire, and the "
                f"registry could not be rebuilt from the log; set {key}=-1"
            )
    if "compact" in str(configs.get("cleanup.policy", "delete")):
        problems.append(
            f"topic {name} is compacted: earlier revisions would vanish; set cleanup.policy=delete"
        )
    if partitions < 1:
        problems.append(f"topic {name} has no partitions")
    return problems
