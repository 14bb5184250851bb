"""End to end: a revocation in one province reaches a subscriber watching from
another, a dropped stream resumes with no gap and no duplicate, and conflicts,
merged views and recognition decisions answer over gRPC. Every service is its
own process; the broker is the session's real Kafka."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from services.common.convert import PROVINCE_TO_PB
from services.common.grpc_errors import bad_request_violations
from services.common.grpc_server import REGISTRY_LIMITS
from services.common.record_mapping import to_record_pb
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.core.records import Record
from services.core.status import CertificateStatus
from services.hub import client
from services.hub.client import ChangeSubscription
from services.hub.supervisor import Hub
from tests.factories import LAB_A, LAB_B, credit, qualification
from yrdhub.v1 import common_pb2, reconciliation_pb2, registry_pb2

pytestmark = pytest.mark.e2e

SH, JS = PROVINCE_TO_PB[Province.SH], PROVINCE_TO_PB[Province.JS]


def _publish(exchange: Any, *records: Record) -> None:
    results = client.publish_all(exchange, [to_record_pb(r) for r in records])
    assert all(r.violations == [] for r in results), results


def _stubs(hub: Hub) -> tuple[dict[Province, Any], Any]:
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    return exchanges, client.registry_stub(hub.registry.address)


def test_a_revocation_reaches_another_province_and_a_resumed_stream_has_no_gap(hub: Hub) -> None:
    exchanges, registry = _stubs(hub)
    # Jiangsu's officials watch Shanghai's qualifications.
    watching = registry_pb2.WatchChangesRequest(
        publishing_provinces=[SH], kinds=[common_pb2.RECORD_KIND_QUALIFICATION]
    )
    jiangsu = ChangeSubscription(registry, watching)
    try:
        cert = qualification(serial=1)
        _publish(exchanges[Province.SH], cert)
        [first] = jiangsu.take(1)
        assert (first.record.record_key, first.record.provenance.revision) == (cert.key, 1)

        started = time.monotonic()
        _publish(
            exchanges[Province.SH], cert.model_copy(update={"status": CertificateStatus.REVOKED})
        )
        [revoked] = jiangsu.take(1, timeout=10)
        elapsed = time.monotonic() - started
        assert revoked.type == reconciliation_pb2.CHANGE_TYPE_RECORD_VERSION
        assert revoked.current and revoked.record.provenance.revision == 2
        assert revoked.record.effective_status == common_pb2.CERTIFICATE_STATUS_REVOKED
        assert elapsed < 5, f"the revocation took {elapsed:.2f}s to reach Jiangsu"
        resume_after = jiangsu.last_cursor
    finally:
        jiangsu.cancel()

    # While Jiangsu is away: Shanghai publishes two more, Jiangsu one of its own.
    _publish(exchanges[Province.SH], qualification(serial=2), qualification(serial=3))
    _publish(exchanges[Province.JS], qualification(issuer="10", serial=4, holder=LAB_B))
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    resumed = ChangeSubscription(
        registry,
        registry_pb2.WatchChangesRequest(
            publishing_provinces=[SH],
            kinds=[common_pb2.RECORD_KIND_QUALIFICATION],
            after_cursor=resume_after,
        ),
    )
    try:
        missed = resumed.take(2)
        assert {c.record.record_key for c in missed} == {
            qualification(serial=2).key,
            qualification(serial=3).key,
        }
        with pytest.raises(TimeoutError):
            resumed.take(1, timeout=1.5)  # nothing twice, nothing of Jiangsu's
    finally:
        resumed.cancel()

    # The same stream read from the start: the resumed part is exactly its tail.
    everything = ChangeSubscription(registry, watching)
    try:
        whole = everything.take(4)
    finally:
        everything.cancel()
    cursors = [c.cursor for c in whole]
    assert cursors == sorted(set(cursors))
    assert cursors[:2] == [first.cursor, revoked.cursor]
    assert cursors[2:] == [c.cursor for c in missed]


def test_conflicts_views_and_decisions_over_grpc(hub: Hub) -> None:
    exchanges, registry = _stubs(hub)
    cert = qualification(serial=9, holder=LAB_A)
    _publish(exchanges[Province.SH], cert)
    # Jiangsu publishes Shanghai's number with another holder, and lists Shanghai's lab.
    _publish(
        exchanges[Province.JS],
        qualification(serial=9, holder=LAB_B, name="江苏某检测有限公司"),
        credit(
            "苏市监信〔2026〕7号",
            holder=LAB_A,
            province=Province.JS,
            effective_from=dt.date(2026, 1, 1),
        ),
    )
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    conflicts = registry.ListConflicts(registry_pb2.ListConflictsRequest(open_only=True))
    types = {c.type for c in conflicts.conflicts}
    assert types == {
        reconciliation_pb2.CONFLICT_TYPE_HOLDER_MISMATCH,
        reconciliation_pb2.CONFLICT_TYPE_ISSUER_PROVINCE_MISMATCH,
    }
    [holder] = [
        c for c in conflicts.conflicts if c.type == reconciliation_pb2.CONFLICT_TYPE_HOLDER_MISMATCH
    ]
    assert {(r.province, r.value) for r in holder.records} == {(SH, LAB_A), (JS, LAB_B)}
    assert holder.HasField("first_seen") and not holder.HasField("resolved_at")

    view = registry.GetInstitution(
        registry_pb2.GetInstitutionRequest(uscc=LAB_A, as_of=common_pb2.AsOf(valid_on="2026-06-01"))
    )
    assert view.found and set(view.provinces) == {SH, JS}
    [listing] = view.credit_listings
    assert listing.state == reconciliation_pb2.LISTING_STATE_IN_FORCE
    assert listing.provenance.province == JS

    decision = registry.DecideRecognition(
        registry_pb2.DecideRecognitionRequest(
            record_key=cert.key,
            target_province=PROVINCE_TO_PB[Province.ZJ],
            as_of=common_pb2.AsOf(valid_on="2026-06-01"),
        )
    )
    assert decision.outcome == reconciliation_pb2.RECOGNITION_OUTCOME_NOT_RECOGNIZED
    assert decision.policy_version and len(decision.policy_digest) == 64
    [why] = [r for r in decision.reasons if r.rule_id == "credit.listings"]
    assert why.effect == reconciliation_pb2.RECOGNITION_OUTCOME_NOT_RECOGNIZED
    [used] = [i for i in why.inputs if i.origin == reconciliation_pb2.INPUT_ORIGIN_RECORD]
    assert used.provenance.province == JS and used.record_key.startswith("credit_event/JS/")

    history = registry.GetRecordHistory(
        registry_pb2.GetRecordHistoryRequest(
            record_key=cert.key, as_of=common_pb2.AsOf(valid_on="2026-06-01")
        )
    )
    assert {v.provenance.province for v in history.versions} == {SH, JS}
    assert all(v.valid for v in history.validity)
    first = registry.GetRecordHistory(
        registry_pb2.GetRecordHistoryRequest(record_key=cert.key, page_size=1, as_of=history.as_of)
    )
    rest = registry.GetRecordHistory(
        registry_pb2.GetRecordHistoryRequest(
            record_key=cert.key,
            page_size=1000,
            page_token=first.next_page_token,
            as_of=history.as_of,
        )
    )
    assert [*first.versions, *rest.versions] == list(history.versions)
    assert not rest.next_page_token and len(first.current) == len(history.current)


def test_malformed_reconciliation_requests_get_invalid_argument(hub: Hub) -> None:
    _, registry = _stubs(hub)
    calls: list[Callable[[], object]] = [
        lambda: registry.DecideRecognition(
            registry_pb2.DecideRecognitionRequest(record_key=qualification().key)
        ),
        lambda: registry.GetRecordHistory(
            registry_pb2.GetRecordHistoryRequest(record_key="nonsense")
        ),
        lambda: next(
            iter(registry.WatchChanges(registry_pb2.WatchChangesRequest(holder_uscc="9131")))
        ),
    ]
    fields: list[str] = []
    for call in calls:
        with pytest.raises(grpc.RpcError) as failed:
            call()
        assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        fields.extend(f for f, _ in bad_request_violations(failed.value))
    assert fields == ["target_province", "record_key", "holder_uscc"]


def test_a_province_watches_what_it_relies_on(hub: Hub) -> None:
    """Anhui relies on one Shanghai certificate and on everything about LAB_B: its
    watch list brings those changes, whoever publishes them, and nothing else."""
    exchanges, registry = _stubs(hub)
    relied_on = qualification(serial=11)
    watching = registry_pb2.WatchChangesRequest(
        watch_list=registry_pb2.WatchList(record_keys=[relied_on.key], holder_usccs=[LAB_B]),
        subscriber="anhui-market-regulation",
    )
    anhui = ChangeSubscription(registry, watching)
    try:
        _publish(exchanges[Province.SH], qualification(serial=12), relied_on)
        _publish(exchanges[Province.JS], qualification(issuer="10", serial=13, holder=LAB_B))
        seen = anhui.take(2)
        assert [c.record.record_key for c in seen] == [
            relied_on.key,
            qualification(issuer="10", serial=13, holder=LAB_B).key,
        ]
        with pytest.raises(TimeoutError):
            anhui.take(1, timeout=1.5)
    finally:
        anhui.cancel()

    by_key = ChangeSubscription(
        registry, registry_pb2.WatchChangesRequest(record_keys=[qualification(serial=12).key])
    )
    try:
        [only] = by_key.take(1)
        assert only.record.record_key == qualification(serial=12).key
    finally:
        by_key.cancel()

    for bad, field in (
        (registry_pb2.WatchChangesRequest(record_keys=["nonsense"]), "record_keys[0]"),
        (
            registry_pb2.WatchChangesRequest(
                watch_list=registry_pb2.WatchList(holder_usccs=["9131"])
            ),
            "watch_list.holder_usccs[0]",
        ),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            next(iter(registry.WatchChanges(bad)))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [f for f, _ in bad_request_violations(refused.value)] == [field]


def test_one_callers_change_streams_are_bounded_and_other_callers_still_watch(hub: Hub) -> None:
    """A province's regulators may hold REGISTRY_LIMITS.streams_per_caller change
    streams at once; one more is RESOURCE_EXHAUSTED with the reason, another
    province's regulators still watch, and a closed stream frees its place."""
    share = REGISTRY_LIMITS.streams_per_caller
    shanghai = client.registry_stub(hub.registry.address, Identity(Role.REGULATOR, Province.SH))
    jiangsu = client.registry_stub(hub.registry.address, Identity(Role.REGULATOR, Province.JS))
    request = registry_pb2.WatchChangesRequest(from_latest=True)
    streams = []
    try:
        for _ in range(share):
            streams.append(shanghai.WatchChanges(request))
            next(streams[-1])  # the registry's confirmation: the stream is open
        refused = shanghai.WatchChanges(request)
        with pytest.raises(grpc.RpcError) as caught:
            next(refused)
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "streams in progress" in (caught.value.details() or "")
        other = jiangsu.WatchChanges(request)
        next(other)
        other.cancel()
        streams.pop().cancel()
        deadline = time.monotonic() + 10
        while True:  # the server hears of the cancellation a moment later
            again = shanghai.WatchChanges(request)
            try:
                next(again)
                streams.append(again)
                break
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        for stream in streams:
            stream.cancel()
