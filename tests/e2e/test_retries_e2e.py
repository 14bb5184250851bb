"""A failure that retrying can fix (the registry's database away) stops no
data: the registry's feed retries with back-off, health reports the feed
NOT_SERVING meanwhile and, past the threshold, the registry not ready (but
alive), its status counts the retries, and once the database is back
everything published in between is applied and it is ready again."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.grpc_errors import bad_request_violations
from services.common.readiness import LIVENESS
from services.common.record_mapping import to_record_pb
from services.core.provinces import Province
from services.core.records import Qualification
from services.hub import client
from services.hub.supervisor import Hub
from tests.conftest import Databases
from tests.factories import qualification
from yrdhub.v1 import exchange_pb2, registry_pb2

pytestmark = pytest.mark.e2e

INGEST = "yrdhub.work.registry-ingest"


def _health(hub: Hub, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(client.channel(hub.registry.address))
    reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return int(reply.status)


def _until(condition: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_registry_whose_database_goes_away_retries_shows_it_and_loses_nothing(
    hub: Hub, databases: Databases
) -> None:
    if databases.backend != "postgres":
        pytest.skip("an embedded SQLite database is a file: it cannot go away on its own")
    exchange = client.exchange_stub(hub.exchanges[Province.SH].address)
    registry = client.registry_stub(hub.registry.address)
    first, second = qualification(serial=1), qualification(serial=2)
    client.publish_all(exchange, [to_record_pb(first)])
    client.wait_until_applied(registry, {Province.SH: 1})
    assert _health(hub, INGEST) == health_pb2.HealthCheckResponse.SERVING

    registry_db = hub.config.db_urls["registry"]
    databases.allow_connections(registry_db, False)
    try:
        client.publish_all(exchange, [to_record_pb(second)])
        _until(
            lambda: _health(hub, INGEST) == health_pb2.HealthCheckResponse.NOT_SERVING,
            "health to report the feed retrying",
        )
        # Past --unready-after (10 s) the registry is not ready, but alive.
        _until(
            lambda: _health(hub, "") == health_pb2.HealthCheckResponse.NOT_SERVING,
            "readiness to go NOT_SERVING",
        )
        assert _health(hub, LIVENESS) == health_pb2.HealthCheckResponse.SERVING
        with urllib.request.urlopen(f"{hub.verify_url}/healthz", timeout=5) as alive:
            assert alive.status == 200
        with pytest.raises(urllib.error.HTTPError) as unready:
            urllib.request.urlopen(f"{hub.verify_url}/readyz", timeout=5)
        assert unready.value.code == 503
        assert "registry-ingest has failed for" in unready.value.read().decode()
        with pytest.raises(grpc.RpcError):
            registry.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest(), timeout=10)
    finally:
        databases.allow_connections(registry_db, True)

    client.wait_until_applied(registry, {Province.SH: 2})
    _until(
        lambda: (
            _health(hub, INGEST) == health_pb2.HealthCheckResponse.SERVING
            and _health(hub, "") == health_pb2.HealthCheckResponse.SERVING
        ),
        "health to report the feed recovered and the registry ready",
    )
    with urllib.request.urlopen(f"{hub.verify_url}/readyz", timeout=5) as ready:
        assert ready.read() == b"ready\n"
    status = registry.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest(), timeout=10)
    work = {w.name: w for w in status.background_work}
    assert set(work) == {"registry-ingest", "assignment-relay"}
    ingest = work["registry-ingest"]
    assert ingest.retries >= 1 and not ingest.retrying and ingest.consecutive_failures == 0
    assert ingest.last_error == "" and ingest.lag == 0
    assert status.ready and not status.not_ready_because
    found = registry.GetRecord(registry_pb2.GetRecordRequest(record_key=second.key))
    assert [r.provenance.revision for r in found.records] == [1]


def test_a_late_retry_under_its_request_id_leaves_the_newer_revision_current(hub: Hub) -> None:
    # A system's publish of v1 commits but its answer is lost; v2 follows;
    # then the first call is sent again, as gRPC's retries send it.
    exchange = client.exchange_stub(hub.exchanges[Province.SH].address)
    registry = client.registry_stub(hub.registry.address)
    v1 = qualification(serial=4711)
    v2 = qualification(serial=4711, name="上海华测检测认证集团股份有限公司")

    def publish(record: Qualification, request_id: str) -> exchange_pb2.RecordResult:
        reply: exchange_pb2.PublishRecordsResponse = exchange.PublishRecords(
            exchange_pb2.PublishRecordsRequest(records=[to_record_pb(record)]),
            metadata=(("x-request-id", request_id),),
            timeout=30,
        )
        return reply.results[0]

    first = publish(v1, "sh-late-retry-1")
    second = publish(v2, "sh-late-retry-2")
    again = publish(v1, "sh-late-retry-1")
    assert (first.outcome, second.outcome) == (ACCEPTED, ACCEPTED)
    assert (again.outcome, again.revision, again.event_id) == (
        exchange_pb2.RECORD_OUTCOME_UNCHANGED,
        first.revision,
        first.event_id,
    )
    client.wait_until_applied(registry, client.published_counts({Province.SH: exchange}))
    [held] = registry.GetRecord(
        registry_pb2.GetRecordRequest(record_key=v1.key), timeout=10
    ).records
    assert held.provenance.revision == second.revision
    assert held.record.qualification.institution_name == v2.institution_name


def test_a_request_id_the_exchange_does_not_take_is_refused_and_nothing_stored(
    hub: Hub,
) -> None:
    """An id of 65 characters was replaced by a made one without a word: the
    caller's retries under it would each store the records anew."""
    exchange = client.exchange_stub(hub.exchanges[Province.SH].address)
    before = client.published_counts({Province.SH: exchange})
    with pytest.raises(grpc.RpcError) as refused:
        exchange.PublishRecords(
            exchange_pb2.PublishRecordsRequest(records=[to_record_pb(qualification(serial=4712))]),
            metadata=(("x-request-id", "r" * 65),),
            timeout=30,
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    [(field, why)] = bad_request_violations(refused.value)
    assert field == "x-request-id" and "64 letters" in why
    assert client.published_counts({Province.SH: exchange}) == before


ACCEPTED = exchange_pb2.RECORD_OUTCOME_ACCEPTED
