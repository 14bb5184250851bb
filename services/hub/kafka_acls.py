"""Who may do what on the hub's Kafka: the ACLs a secured broker
(kafka_broker.BrokerTls) enforces, one table.

Every exchange writes the record topics and the checkpoint topic (which
province an event speaks for is proved by its chain's signature, not by the
topic) and reads the assignment topic; the registry reads the record and
checkpoint topics and writes the assignment and draw-commitment topics.
Nobody else reads or writes anything; the operator and the broker are super
users. Topics are created before the services start, so no service needs
CREATE.
"""

from __future__ import annotations

from collections.abc import Iterable

from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ResourcePattern,
    ResourceType,
)

from services.common.kafka_io import (
    all_topics,
    assignment_topic,
    checkpoint_topic,
    commitment_topic,
    kafka_principal,
)
from services.core.identity import Identity, Role
from services.core.provinces import Province

READ = (ACLOperation.READ, ACLOperation.DESCRIBE)
WRITE = (ACLOperation.WRITE, ACLOperation.DESCRIBE)


def hub_topics(prefix: str) -> list[str]:
    return [
        *all_topics(prefix),
        checkpoint_topic(prefix),
        assignment_topic(prefix),
        commitment_topic(prefix),
    ]


def hub_acls(prefix: str, provinces: Iterable[Province] = tuple(Province)) -> list[ACL]:
    published = [*all_topics(prefix), checkpoint_topic(prefix)]
    grants: list[tuple[Identity, list[str], tuple[ACLOperation, ...]]] = []
    for province in provinces:
        exchange = Identity(Role.EXCHANGE, province)
        grants += [(exchange, published, WRITE), (exchange, [assignment_topic(prefix)], READ)]
    registry = Identity(Role.REGISTRY)
    grants += [
        (registry, published, READ),
        (registry, [assignment_topic(prefix), commitment_topic(prefix)], WRITE),
    ]
    return [
        ACL(
            kafka_principal(str(who)),
            "*",
            operation,
            ACLPermissionType.ALLOW,
            ResourcePattern(ResourceType.TOPIC, topic),
        )
        for who, topics, operations in grants
        for topic in topics
        for operation in operations
    ]
