"""End to end: provincial clients -> gRPC exchanges -> Kafka -> registry -> gRPC answers.

Every service runs as its own process, as in production; the broker is the
session's real Kafka.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from sqlalchemy import select

from devtools.datagen import DataSet, generate
from services.common.convert import PROVINCE_TO_PB
from services.common.db import make_engine
from services.common.grpc_errors import bad_request_violations
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.hub import client
from services.hub.supervisor import Hub
from services.registry.records.tables import version_table
from tests.e2e.conftest import TWO
from tests.factories import AppliedStore
from yrdhub.v1 import exchange_pb2, records_pb2, registry_pb2

pytestmark = pytest.mark.e2e

_versions = version_table


def _valid(data: DataSet, p: Province) -> list[records_pb2.Record]:
    bad = data.invalid_indexes.get(p, set())
    return [r for i, r in enumerate(data.by_province[p]) if i not in bad]


def _stubs(hub: Hub) -> tuple[dict[Province, Any], Any]:
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    return exchanges, client.registry_stub(hub.registry.address)


def test_two_provinces_publish_and_the_registry_answers_with_both(hub: Hub) -> None:
    data = generate(40, seed=11)
    exchanges, registry = _stubs(hub)
    results = {p: client.publish_all(exchanges[p], data.by_province[p], batch_size=50) for p in TWO}
    for p in TWO:
        rejected = {
            i for i, r in enumerate(results[p]) if r.outcome == exchange_pb2.RECORD_OUTCOME_REJECTED
        }
        assert rejected == data.invalid_indexes[p]
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    # Jiangsu qualifies a branch of a Shanghai institution: one USCC, two provinces.
    # (Picked by its issuer: which record comes first depends on the day the data is drawn.)
    sh_q = next(
        r
        for r in _valid(data, Province.SH)
        if r.WhichOneof("body") == "qualification"
        and r.qualification.issuer == Province.SH.cma_issuer
    )
    branch = records_pb2.Record()
    branch.CopyFrom(sh_q)
    branch.qualification.issuer = "10"
    number = branch.qualification.number
    branch.qualification.number = number[:2] + "10" + number[4:]
    client.publish_all(exchanges[Province.JS], [branch])
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
    uscc = sh_q.qualification.institution_uscc
    answer = registry.ListInstitutionRecords(registry_pb2.ListInstitutionRecordsRequest(uscc=uscc))
    by_province = {(r.provenance.province, r.record_key) for r in answer.records}
    assert (
        PROVINCE_TO_PB[Province.SH],
        f"qualification/{Province.SH.cma_issuer}/{number}",
    ) in by_province
    assert (
        PROVINCE_TO_PB[Province.JS],
        f"qualification/10/{branch.qualification.number}",
    ) in by_province
    # Page by page, the same records: bounded pages and a token to go on. The
    # pages are one answer, at the first page's as_of: Jiangsu's new revision,
    # published between pages, is not in them.
    paged, token, pages = [], "", []
    while True:
        page = registry.ListInstitutionRecords(
            registry_pb2.ListInstitutionRecordsRequest(uscc=uscc, page_size=1, page_token=token)
        )
        assert len(page.records) == 1
        paged += [
            (r.provenance.province, r.record_key, r.provenance.revision) for r in page.records
        ]
        pages.append(page)
        token = page.next_page_token
        if len(pages) == 1:
            branch.qualification.address = "江苏省南京市玄武区新街口1号"
            client.publish_all(exchanges[Province.JS], [branch])
            client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
        if not token:
            break
    assert sorted((p, k) for p, k, _ in paged) == sorted(by_province)
    assert len(paged) == len(answer.records)
    assert {r for _, _, r in paged} == {1}
    assert all(p.as_of == pages[0].as_of for p in pages)
    [current] = [
        r
        for r in registry.ListInstitutionRecords(
            registry_pb2.ListInstitutionRecordsRequest(uscc=uscc)
        ).records
        if r.provenance.province == PROVINCE_TO_PB[Province.JS]
    ]
    assert current.provenance.revision == 2

    # A certificate published in Jiangsu is found by its number from anywhere.
    q = next(r for r in _valid(data, Province.JS) if r.WhichOneof("body") == "qualification")
    found = registry.CheckCertificate(
        registry_pb2.CheckCertificateRequest(code=q.qualification.number)
    )
    assert found.found
    assert any(m.record == q for m in found.matches)
    # Every province's feed; the two that published have applied what they sent.
    assert len(found.freshness) == 4
    assert {f.province for f in found.freshness if f.events_applied} == {
        PROVINCE_TO_PB[p] for p in TWO
    }

    missing = registry.CheckCertificate(
        registry_pb2.CheckCertificateRequest(code="GP99999999999999")
    )
    assert not missing.found and len(missing.freshness) == 4


def test_malformed_requests_get_invalid_argument_with_field_violations(hub: Hub) -> None:
    exchanges, registry = _stubs(hub)
    with pytest.raises(grpc.RpcError) as empty:
        exchanges[Province.SH].PublishRecords(exchange_pb2.PublishRecordsRequest())
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in bad_request_violations(empty.value)] == ["records"]

    with pytest.raises(grpc.RpcError) as bad_uscc:
        registry.ListInstitutionRecords(
            registry_pb2.ListInstitutionRecordsRequest(uscc="91310000XXXX")
        )
    assert bad_uscc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in bad_request_violations(bad_uscc.value)] == ["uscc"]

    with pytest.raises(grpc.RpcError) as unknown_province:
        registry.ListQuarantine(registry_pb2.ListQuarantineRequest(province=99))  # type: ignore[arg-type]
    assert unknown_province.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in bad_request_violations(unknown_province.value)] == ["province"]

    with pytest.raises(grpc.RpcError) as negative_limit:
        registry.ListQuarantine(registry_pb2.ListQuarantineRequest(limit=-1))
    assert negative_limit.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in bad_request_violations(negative_limit.value)] == ["limit"]

    with pytest.raises(grpc.RpcError) as negative_cursor:
        next(iter(registry.WatchChanges(registry_pb2.WatchChangesRequest(after_cursor=-1))))
    assert negative_cursor.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in bad_request_violations(negative_cursor.value)] == ["after_cursor"]


def test_every_server_offers_health_and_reflection(hub: Hub) -> None:
    """Health for the server, each service, and each feed and relay (which
    GetExchangeStatus lists too); reflection lists the services."""
    services = {
        hub.registry.address: "yrdhub.v1.RegistryService",
        **{s.address: "yrdhub.v1.ExchangeService" for s in hub.exchanges.values()},
    }
    work = {
        hub.registry.address: ["registry-ingest", "assignment-relay"],
        **{s.address: ["outbox-relay", "assignment-feed"] for s in hub.exchanges.values()},
    }
    for address, service in services.items():
        channel = client.channel(address)
        health = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + 10
        for name in ("", service, *(f"yrdhub.work.{w}" for w in work[address])):
            while True:  # ready once its feeds have read their topics (a moment)
                try:
                    reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.RpcError as exc:
                    assert exc.code() == grpc.StatusCode.NOT_FOUND
                assert time.monotonic() < deadline, name
                time.sleep(0.1)
        listed = set(ProtoReflectionDescriptorDatabase(channel).get_services())
        assert {service, "grpc.health.v1.Health"} <= listed
    for exchange in hub.exchanges.values():
        status = client.exchange_stub(exchange.address).GetExchangeStatus(
            exchange_pb2.GetExchangeStatusRequest()
        )
        assert [w.name for w in status.background_work] == ["outbox-relay", "assignment-feed"]
        assert not any(w.retrying for w in status.background_work)


def _publish_in_background(
    exchanges: dict[Province, Any], data: DataSet, acknowledged: dict[Province, set[str]]
) -> list[threading.Thread]:
    """Publishes in small batches, retrying a batch whose call failed (a killed
    server), and records the keys each exchange acknowledged."""

    def run(p: Province) -> None:
        records = data.by_province[p]
        for start in range(0, len(records), 25):
            batch = records[start : start + 25]
            for _attempt in range(200):
                try:
                    reply = exchanges[p].PublishRecords(
                        exchange_pb2.PublishRecordsRequest(records=batch), timeout=10
                    )
                    break
                except grpc.RpcError:
                    time.sleep(0.1)
            else:
                raise AssertionError("exchange never came back")
            acknowledged[p].update(
                r.record_key
                for r in reply.results
                if r.outcome != exchange_pb2.RECORD_OUTCOME_REJECTED
            )

    threads = [threading.Thread(target=run, args=(p,)) for p in TWO]
    for t in threads:
        t.start()
    return threads


def _assert_exactly_once(
    hub: Hub, exchanges: dict[Province, Any], acknowledged: dict[Province, set[str]]
) -> None:
    registry = client.registry_stub(hub.registry.address)
    expected = client.published_counts(exchanges)
    client.wait_until_applied(registry, expected, timeout=90)
    engine = make_engine(hub.config.db_url("registry"))
    store = AppliedStore(engine)
    with engine.connect() as conn:
        held = set(
            conn.execute(select(_versions.c.province, _versions.c.record_key, _versions.c.revision))
        )
    for p in TWO:
        keys = {k for prov, k, _ in held if prov == p.value}
        assert keys == acknowledged[p], f"{p}: lost {len(acknowledged[p] - keys)}"
    # Same content re-sent after a crash is UNCHANGED: one revision per key, one version each.
    assert {rev for _, _, rev in held} == {1}
    feeds = {f.province: f.events_applied for f in store.feeds() if f.events_applied}
    assert feeds == {p.value: expected[p] for p in TWO}


def test_registry_killed_mid_stream_loses_nothing_and_doubles_nothing(hub: Hub) -> None:
    data = generate(150, seed=21, invalid_ratio=0.0)
    exchanges, _ = _stubs(hub)
    acknowledged: dict[Province, set[str]] = {p: set() for p in TWO}
    threads = _publish_in_background(exchanges, data, acknowledged)
    time.sleep(1.0)
    hub.registry.kill()
    time.sleep(0.5)
    hub.registry.start(["--kafka", hub.kafka])
    hub.registry.wait_ready()
    for t in threads:
        t.join()
    _assert_exactly_once(hub, exchanges, acknowledged)


def test_exchange_killed_mid_stream_loses_no_acknowledged_record(hub: Hub) -> None:
    data = generate(150, seed=22, invalid_ratio=0.0)
    exchanges, _ = _stubs(hub)
    acknowledged: dict[Province, set[str]] = {p: set() for p in TWO}
    threads = _publish_in_background(exchanges, data, acknowledged)
    time.sleep(1.0)
    sh = hub.exchanges[Province.SH]
    sh.kill()
    sh.start(["--kafka", hub.kafka])
    sh.wait_ready()
    # The retrying client picks up the restarted exchange (on a new port) from the dict.
    exchanges[Province.SH] = client.exchange_stub(sh.address)
    for t in threads:
        t.join()
    _assert_exactly_once(hub, exchanges, acknowledged)


def test_graceful_stop_publishes_everything_acknowledged(hub: Hub) -> None:
    data = generate(30, seed=23, invalid_ratio=0.0)
    exchanges, _ = _stubs(hub)
    client.publish_all(exchanges[Province.SH], data.by_province[Province.SH])
    sh = hub.exchanges[Province.SH]
    sh.stop()
    outbox = Outbox(make_engine(hub.config.db_url("exchange-sh")), "SH")
    status = outbox.status()
    assert status.last_sequence == len(data.by_province[Province.SH])
    assert status.last_published_sequence == status.last_sequence
