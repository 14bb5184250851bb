"""The hostile-input suite against real servers, on SQLite and PostgreSQL: one
case of each class of bad input (at an exchange's edge, at the registry's
queries and public checks, and straight onto Kafka). After every case the
servers still answer, nothing invalid is stored, and both provinces' feeds
keep flowing: a fresh record of each is applied."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import func, select

from services.common.db import make_engine
from services.common.grpc_errors import bad_request_violations
from services.common.kafka_io import make_producer, topic_name
from services.common.record_mapping import to_record_pb
from services.common.tls import TlsFiles
from services.core.provinces import Province
from services.core.records import RecordKind
from services.hub import client
from services.hub.demo_trust import forge
from services.hub.supervisor import Hub
from services.registry.records.tables import dead_letter_table, record_table
from tests.e2e.conftest import TWO
from tests.factories import qualification
from tests.hostile_cases import CASES
from yrdhub.v1 import common_pb2, exchange_pb2, labels_pb2, registry_pb2

pytestmark = [pytest.mark.e2e, pytest.mark.hostile]

_serials = itertools.count(100)


def _fresh_record(province: Province) -> Any:
    # Shanghai's institutions hold 09-issued numbers, Jiangsu's 10-issued ones.
    issuer = {Province.SH: "09", Province.JS: "10"}[province]
    return to_record_pb(qualification(issuer=issuer, serial=next(_serials)))


class Flow:
    """What every case is followed by: the servers answer, both feeds flow,
    and the registry holds exactly the genuine records."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.exchanges = {p: client.exchange_stub(hub.exchanges[p].address) for p in TWO}
        self.registry = client.registry_stub(hub.registry.address)
        self.genuine = 0

    def publish(self, province: Province, *records: Any) -> exchange_pb2.PublishRecordsResponse:
        reply: exchange_pb2.PublishRecordsResponse = self.exchanges[province].PublishRecords(
            exchange_pb2.PublishRecordsRequest(records=records), timeout=30
        )
        self.genuine += reply.accepted
        return reply

    def check(self, case: str) -> None:
        CASES["e2e cases"] += 1
        for address in (
            self.hub.registry.address,
            *(e.address for e in self.hub.exchanges.values()),
        ):
            health = health_pb2_grpc.HealthStub(client.channel(address))
            reply = health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, (case, address)
        for province in TWO:
            assert self.publish(province, _fresh_record(province)).accepted == 1, case
        client.wait_until_applied(
            self.registry, client.published_counts(self.exchanges), timeout=60
        )
        with make_engine(self.hub.config.db_url("registry")).connect() as conn:
            held = conn.execute(select(func.count()).select_from(record_table)).scalar_one()
        assert held == self.genuine, case


def _refused(call: Callable[[], object], code: grpc.StatusCode, field: str = "") -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == code, caught.value.details()
    if field:
        assert field in (caught.value.details() or "") or any(
            field in f for f, _ in bad_request_violations(caught.value)
        ), caught.value.details()


def _rejected_field(flow: Flow, record: Any, field: str) -> None:
    published = client.published_counts(flow.exchanges)
    [result] = flow.publish(Province.SH, record).results
    assert result.outcome == exchange_pb2.RECORD_OUTCOME_REJECTED
    assert any(
        v.field.startswith(f"qualification.{field}") and v.description for v in result.violations
    ), (
        field,
        list(result.violations),
    )
    assert client.published_counts(flow.exchanges) == published  # nothing stored


def test_no_single_bad_input_stops_the_hub(hub: Hub) -> None:
    flow = Flow(hub)
    flow.check("the hub as started")

    # At an exchange's edge: a request too large, and records bad in each way.
    big = exchange_pb2.PublishRecordsRequest(records=[_fresh_record(Province.SH)])
    big.records[0].qualification.address = "地" * (12 * 1024 * 1024)
    _refused(
        lambda: flow.exchanges[Province.SH].PublishRecords(big, timeout=30),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )
    flow.check("a request larger than the exchange takes")

    cases: list[tuple[str, Callable[[Any], object], str]] = [
        ("bidi override", lambda q: setattr(q, "institution_name", "检测\u202e司公"), "institution_name"),
        ("NUL in a name", lambda q: setattr(q, "institution_name", "检测\x00公司"), "institution_name"),
        ("date past the range", lambda q: setattr(q, "valid_until", "9999-12-31"), "valid_until"),
        ("impossible date", lambda q: setattr(q, "valid_from", "2024-02-30"), "valid_from"),
        ("status out of the enum", lambda q: q.status.__setattr__("canonical", 99), "status"),
        ("too many scope items", lambda q: [q.scope.add(parameter=f"参数{i}") for i in range(5000)], "scope"),
        ("name longer than any real one", lambda q: setattr(q, "institution_name", "检" * 5000), "institution_name"),
    ]  # fmt: skip
    for name, spoil, field in cases:
        record = _fresh_record(Province.SH)
        spoil(record.qualification)
        _rejected_field(flow, record, field)
        flow.check(name)

    # At the registry's queries and public checks.
    registry, public = flow.registry, client.label_stub(hub.public_address)
    _refused(
        lambda: registry.GetRecord(registry_pb2.GetRecordRequest(record_key="q" * 100_000)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "record_key",
    )
    _refused(
        lambda: registry.ListInstitutionRecords(
            registry_pb2.ListInstitutionRecordsRequest(
                uscc=qualification().institution_uscc, page_size=10**6
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "page_size",
    )
    as_of = common_pb2.AsOf(valid_on="3000-01-01")
    _refused(
        lambda: registry.GetRecord(
            registry_pb2.GetRecordRequest(record_key=qualification().key, as_of=as_of)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "valid_on",
    )
    _refused(
        lambda: public.CheckLabel(labels_pb2.CheckLabelRequest(code="L" * 10_000)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "code",
    )
    flow.check("queries and checks out of bounds")

    # Straight onto Kafka, with a valid Kafka credential but no province's key:
    # bytes that are no event, and a forged event at a high revision.
    credential = TlsFiles(hub.tls_dir, "exchange-SH") if hub.kafka_tls and hub.tls_dir else None
    producer = make_producer(hub.kafka, "hostile", tls=credential)
    try:
        topic = topic_name(RecordKind.QUALIFICATION, hub.config.topic_prefix)
        producer.send(topic, key=b"garbage", value=b"\xff\x00 not an event \x00" * 100)
        producer.flush()
    finally:
        producer.close()
    flow.check("bytes that are no event")
    engine = make_engine(hub.config.db_url("registry"))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(dead_letter_table)).scalar_one() == 1
    status = flow.registry.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest(), timeout=10)
    assert status.dead_letters == 1

    target = _fresh_record(Province.SH)
    assert flow.publish(Province.SH, target).accepted == 1
    forged = type(target)()
    forged.CopyFrom(target)
    forged.qualification.institution_name = "冒名顶替检测有限公司"
    forge(hub, Province.SH, forged, revision=99)
    flow.check("a forged event")
    key = f"qualification/{target.qualification.issuer}/{target.qualification.number}"
    [held] = registry.GetRecord(registry_pb2.GetRecordRequest(record_key=key), timeout=10).records
    assert held.provenance.revision == 1
    assert held.record.qualification.institution_name == target.qualification.institution_name
