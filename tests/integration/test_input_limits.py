"""Inputs are bounded at the edge: a record too large for the hub's topics is
refused when published, not retried forever by the relay; the limit is read
from the topics themselves."""

from __future__ import annotations

import uuid

from kafka.admin import KafkaAdminClient, NewTopic
from sqlalchemy import func, select

from services.common.db import make_engine
from services.common.kafka_io import message_limit
from services.common.record_mapping import to_record_pb
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.exchange.outbox_tables import OutboxTables
from services.exchange.publishing import Outcome, Publisher
from tests.factories import qualification

_outbox = OutboxTables.metadata.tables["outbox"]


def test_a_record_too_large_for_the_topics_is_refused_and_its_batch_goes_on(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        outbox = Outbox(engine, "SH")
        outbox.create_schema()
        publisher = Publisher(Province.SH, outbox, max_event_bytes=64 * 1024)
        large = to_record_pb(qualification(serial=1))
        for i in range(400):
            large.qualification.scope.add(
                parameter=f"参数{i}", standard_code="GB 5009.12", standard_year=2017,
                limits="限" * 60,
            )  # fmt: skip
        small = to_record_pb(qualification(serial=2))
        refused, accepted = publisher.publish([large, small])
        assert refused.outcome is Outcome.REJECTED
        [violation] = refused.violations
        assert violation.field == "record" and "publish fewer items" in violation.description
        assert accepted.outcome is Outcome.ACCEPTED
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(_outbox)).scalar_one() == 1
    finally:
        engine.dispose()


def test_the_limit_is_the_smallest_the_topics_take(kafka_bootstrap: str) -> None:
    roomy, tight = f"limits.{uuid.uuid4().hex}", f"limits.{uuid.uuid4().hex}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics(
            [
                NewTopic(roomy, num_partitions=1, replication_factor=1),
                NewTopic(
                    tight,
                    num_partitions=1,
                    replication_factor=1,
                    topic_configs={"max.message.bytes": "200000"},
                ),
            ]
        )
    finally:
        admin.close()
    assert message_limit(kafka_bootstrap, [roomy]) > 1_000_000
    assert message_limit(kafka_bootstrap, [roomy, tight]) == 200_000
