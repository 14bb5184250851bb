"""Who may do what on the hub's Kafka: the ACLs a secured broker
(kafka_broker.BrokerTls) enforces, one table.

Every exchange writes the record topics and the checkpoint topic (which
province an event speaks for is proved by its chain's signature, not by the
topic) and reads the assignment topic; the registry reads the record and
checkpoint topics and writes the assignment and draw-commitment topics.
Nobody else reads or writes anything; the operator and the broker are super
users. Topics are created before the services start, so no service needs
CREATE: `secure` does both, as the operator, for `yrdhub up`'s own broker and
(`yrdhub kafka-acls`, the chart's Job) for a cluster.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)

from services.common.kafka_io import (
    all_topics,
    assignment_topic,
    checkpoint_topic,
    client_settings,
    commitment_topic,
    ensure_topics,
    kafka_principal,
)
from services.common.tls import TlsFiles
from services.common.topics import LOCAL, TopicPolicy
from services.core.identity import Identity, Role
from services.core.provinces import Province

READ = (ACLOperation.READ, ACLOperation.DESCRIBE)
WRITE = (ACLOperation.WRITE, ACLOperation.DESCRIBE)
# An exchange reads its topics' message limit at start (publishing.py).
PUBLISH = (*WRITE, ACLOperation.DESCRIBE_CONFIGS)


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
        grants += [(exchange, published, PUBLISH), (exchange, [assignment_topic(prefix)], READ)]
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


def grant(bootstrap: str, operator: TlsFiles, acls: list[ACL], timeout: float = 30.0) -> None:
    """Adds ACLs (as the operator, a super user) and waits until the broker
    enforces them: they reach its authorizer through the metadata log, and
    a client too early would be refused for good (an idempotent producer
    does not retry a refused producer id)."""
    admin = KafkaAdminClient(
        **client_settings(operator),
        bootstrap_servers=bootstrap,
        client_id="yrdhub-acls",
        request_timeout_ms=10_000,
    )
    try:
        result = admin.create_acls(acls)
        failed = result.get("failed") or []
        if failed:
            raise RuntimeError(f"the broker refused ACLs: {failed[:3]}")
        everything = ACLFilter(
            None,
            None,
            ACLOperation.ANY,
            ACLPermissionType.ANY,
            ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
        )
        wanted = {_acl_key(a) for a in acls}
        deadline = time.monotonic() + timeout
        # These ACLs, not a count: the cluster may hold others already.
        while not wanted <= {_acl_key(a) for a in admin.describe_acls(everything)[0]}:
            if time.monotonic() > deadline:
                raise RuntimeError("the broker did not take up its ACLs in time")
            time.sleep(0.1)
    finally:
        admin.close()


def _acl_key(acl: ACL) -> tuple[object, ...]:
    pattern = acl.resource_pattern
    return (
        acl.principal,
        acl.host,
        int(acl.operation),
        int(acl.permission_type),
        int(pattern.resource_type),
        pattern.resource_name,
    )


def secure(
    bootstrap: str,
    operator: TlsFiles,
    prefix: str = "",
    provinces: Iterable[Province] = tuple(Province),
    policy: TopicPolicy = LOCAL,
) -> None:
    """Creates (and checks) the hub's topics and grants the ACL table, as the
    operator (its certificate only for these calls: the process's other Kafka
    clients keep theirs)."""
    ensure_topics(bootstrap, hub_topics(prefix), policy, tls=operator)
    grant(bootstrap, operator, hub_acls(prefix, provinces))
