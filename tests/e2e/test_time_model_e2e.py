"""End to end: one bitemporal time model on every query and decision RPC.

A certificate is published, then suspended or revoked, and a conflict about it
opens and resolves. Every RPC asked with the same AsOf gives the answer the
hub gave then (record time), judges the day asked (valid time), and states
both in its answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.convert import PROVINCE_TO_PB, from_timestamp
from services.common.grpc_errors import bad_request_violations
from services.common.record_mapping import to_record_pb
from services.core.provenance import china_date
from services.core.provinces import Province
from services.core.records import Record
from services.core.status import CertificateStatus
from services.hub import client
from services.hub.supervisor import Hub
from tests.factories import LAB_A, LAB_B, green_cert, qualification
from yrdhub.v1 import common_pb2, labels_pb2, reconciliation_pb2, registry_pb2

pytestmark = pytest.mark.e2e

ZJ = PROVINCE_TO_PB[Province.ZJ]
VALID = common_pb2.CERTIFICATE_STATUS_VALID


def _publish(exchanges: dict[Province, Any], province: Province, *records: Record) -> None:
    results = client.publish_all(exchanges[province], [to_record_pb(r) for r in records])
    assert all(r.violations == [] for r in results), results


def _applied(exchanges: dict[Province, Any], registry: Any) -> None:
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)


def _holder_conflicts(registry: Any, key: str, as_of: common_pb2.AsOf) -> list[Any]:
    page = registry.ListConflicts(
        registry_pb2.ListConflictsRequest(
            types=[reconciliation_pb2.CONFLICT_TYPE_HOLDER_MISMATCH], page_size=1000, as_of=as_of
        )
    )
    assert page.as_of.known_at == as_of.known_at or not as_of.HasField("known_at")
    return [c for c in page.conflicts if c.subject == key]


def test_every_query_answers_as_of_a_day_and_an_instant(hub: Hub) -> None:
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    labels = client.label_stub(hub.registry.address)
    cert = qualification(serial=71, holder=LAB_A)
    green = green_cert(number="CQC2024GP0007101", label="GP00000000007101")

    # 1. Both certificates valid; the answers of that moment are kept.
    _publish(exchanges, Province.SH, cert)
    _publish(exchanges, Province.JS, green)
    _applied(exchanges, registry)
    first = registry.DecideRecognition(
        registry_pb2.DecideRecognitionRequest(record_key=cert.key, target_province=ZJ)
    )
    assert first.outcome == reconciliation_pb2.RECOGNITION_OUTCOME_RECOGNIZED
    then = first.as_of
    assert from_timestamp(then.known_at) == from_timestamp(first.decided_at)
    assert then.valid_on == china_date(from_timestamp(then.known_at)).isoformat()
    label_then = labels.CheckLabel(labels_pb2.CheckLabelRequest(code=green.label_code))
    assert label_then.check.verdict == labels_pb2.LABEL_VERDICT_VALID

    # 2. Jiangsu publishes Shanghai's number with another holder: a conflict opens.
    _publish(exchanges, Province.JS, qualification(serial=71, holder=LAB_B))
    _applied(exchanges, registry)
    [opened] = _holder_conflicts(registry, cert.key, common_pb2.AsOf())
    conflict_seen = registry.GetRecord(registry_pb2.GetRecordRequest(record_key=cert.key)).as_of

    # 3. Shanghai revokes; Jiangsu suspends the label and corrects its holder.
    _publish(exchanges, Province.SH, cert.model_copy(update={"status": CertificateStatus.REVOKED}))
    _publish(
        exchanges,
        Province.JS,
        green.model_copy(update={"status": CertificateStatus.SUSPENDED}),
    )
    _publish(exchanges, Province.JS, qualification(serial=71, holder=LAB_A))
    _applied(exchanges, registry)

    # Now: revoked, suspended, the conflict resolved.
    now = registry.DecideRecognition(
        registry_pb2.DecideRecognitionRequest(record_key=cert.key, target_province=ZJ)
    )
    assert now.outcome == reconciliation_pb2.RECOGNITION_OUTCOME_NOT_RECOGNIZED
    label_now = labels.CheckLabel(labels_pb2.CheckLabelRequest(code=green.label_code))
    assert label_now.check.verdict == labels_pb2.LABEL_VERDICT_SUSPENDED
    [resolved] = _holder_conflicts(registry, cert.key, common_pb2.AsOf())
    assert resolved.HasField("resolved_at")

    # Record time: the first answers, rebuilt exactly from their own as_of.
    again = registry.DecideRecognition(
        registry_pb2.DecideRecognitionRequest(record_key=cert.key, target_province=ZJ, as_of=then)
    )
    assert (again.outcome, list(again.reasons), again.as_of) == (
        first.outcome,
        list(first.reasons),
        then,
    )
    label_again = labels.CheckLabel(
        labels_pb2.CheckLabelRequest(code=green.label_code.lower(), as_of=then)
    )
    assert label_again.check.verdict == labels_pb2.LABEL_VERDICT_VALID
    assert list(label_again.check.matches) == list(label_then.check.matches)
    assert list(label_again.check.recognized_in) == list(label_then.check.recognized_in)
    [batch] = labels.CheckLabels(
        labels_pb2.CheckLabelsRequest(codes=[green.label_code], as_of=then)
    ).checks
    assert batch.verdict == labels_pb2.LABEL_VERDICT_VALID
    checked = registry.CheckCertificate(
        registry_pb2.CheckCertificateRequest(code=cert.number, as_of=then)
    )
    assert [(m.provenance.province, m.effective_status) for m in checked.matches] == [
        (PROVINCE_TO_PB[Province.SH], VALID)
    ]
    assert checked.as_of == then
    record = registry.GetRecord(registry_pb2.GetRecordRequest(record_key=cert.key, as_of=then))
    assert [r.provenance.revision for r in record.records] == [1]
    listed = registry.ListInstitutionRecords(
        registry_pb2.ListInstitutionRecordsRequest(uscc=LAB_A, as_of=then)
    )
    assert cert.key in {r.record_key for r in listed.records}
    assert all(
        r.provenance.applied_at.ToDatetime() <= then.known_at.ToDatetime() for r in listed.records
    )
    history = registry.GetRecordHistory(
        registry_pb2.GetRecordHistoryRequest(record_key=cert.key, as_of=then)
    )
    assert [(v.revision, v.valid) for v in history.validity] == [(1, True)]
    institution = registry.GetInstitution(
        registry_pb2.GetInstitutionRequest(uscc=LAB_A, as_of=then)
    )
    assert institution.as_of == then
    assert not [c for c in institution.conflicts if c.subject == cert.key]

    # A conflict as it stood: open while Jiangsu's holder differed, not yet seen before.
    assert _holder_conflicts(registry, cert.key, then) == []
    [was_open] = _holder_conflicts(registry, cert.key, conflict_seen)
    assert was_open.conflict_id == opened.conflict_id and not was_open.HasField("resolved_at")
    assert {r.value for r in was_open.records} == {LAB_A, LAB_B}
    open_then = registry.ListConflicts(
        registry_pb2.ListConflictsRequest(open_only=True, page_size=1000, as_of=conflict_seen)
    )
    assert opened.conflict_id in {c.conflict_id for c in open_then.conflicts}
    open_now = registry.ListConflicts(
        registry_pb2.ListConflictsRequest(open_only=True, page_size=1000)
    )
    assert opened.conflict_id not in {c.conflict_id for c in open_now.conflicts}

    # Valid time: what the hub knows now, judged on a day before it heard of the
    # revocation (the earliest version stands for the days before).
    yesterday = (china_date(from_timestamp(now.decided_at)) - dt.timedelta(days=1)).isoformat()
    before = common_pb2.AsOf(valid_on=yesterday)
    on_the_day = registry.DecideRecognition(
        registry_pb2.DecideRecognitionRequest(record_key=cert.key, target_province=ZJ, as_of=before)
    )
    assert on_the_day.as_of.valid_on == yesterday
    assert on_the_day.as_of.known_at.seconds >= now.decided_at.seconds
    [sh] = [
        r
        for r in registry.GetRecord(
            registry_pb2.GetRecordRequest(record_key=cert.key, as_of=before)
        ).records
        if r.provenance.province == PROVINCE_TO_PB[Province.SH]
    ]
    assert (sh.provenance.revision, sh.effective_status) == (1, VALID)
    # A day past the last valid day reads EXPIRED, whatever the knowledge.
    later = common_pb2.AsOf(valid_on="2031-01-01", known_at=then.known_at)
    [expired] = labels.CheckLabel(
        labels_pb2.CheckLabelRequest(code=green.label_code, as_of=later)
    ).check.matches
    assert expired.effective_status == common_pb2.CERTIFICATE_STATUS_EXPIRED


def test_a_malformed_or_future_as_of_is_refused_with_its_field(hub: Hub) -> None:
    registry = client.registry_stub(hub.registry.address)
    labels = client.label_stub(hub.registry.address)
    future = common_pb2.AsOf()
    future.known_at.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    calls: list[tuple[Callable[[], object], str]] = [
        (
            lambda: registry.GetRecord(
                registry_pb2.GetRecordRequest(
                    record_key=qualification().key, as_of=common_pb2.AsOf(valid_on="1 April")
                )
            ),
            "as_of.valid_on",
        ),
        (
            lambda: labels.CheckLabels(
                labels_pb2.CheckLabelsRequest(codes=["GP00000000000001"], as_of=future)
            ),
            "as_of.known_at",
        ),
        (
            lambda: registry.CheckCertificate(
                registry_pb2.CheckCertificateRequest(
                    code="GP00000000000001", as_of=common_pb2.AsOf(valid_on="2026-02-30")
                )
            ),
            "as_of.valid_on",
        ),
        (
            lambda: registry.DecideRecognition(
                registry_pb2.DecideRecognitionRequest(
                    record_key=qualification().key, target_province=ZJ, as_of=future
                )
            ),
            "as_of.known_at",
        ),
        (
            lambda: registry.ListConflicts(registry_pb2.ListConflictsRequest(as_of=future)),
            "as_of.known_at",
        ),
        (  # an instant a Timestamp cannot hold
            lambda: labels.CheckLabel(
                labels_pb2.CheckLabelRequest(
                    code="GP00000000000001",
                    as_of=common_pb2.AsOf(known_at=Timestamp(seconds=253402300800)),
                )
            ),
            "as_of.known_at",
        ),
        (  # before any record could have been known
            lambda: labels.CheckLabel(
                labels_pb2.CheckLabelRequest(
                    code="GP00000000000001",
                    as_of=common_pb2.AsOf(known_at=Timestamp(seconds=-62135596800)),
                )
            ),
            "as_of.known_at",
        ),
    ]
    for call, field in calls:
        with pytest.raises(grpc.RpcError) as caught:
            call()
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert field in {f for f, _ in bad_request_violations(caught.value)}
    # Knowledge of a second before 1970 is a Timestamp like any other: answered.
    before_1970 = common_pb2.AsOf(known_at=Timestamp(seconds=-1))
    asks: list[Callable[[], Any]] = [
        lambda: labels.CheckLabel(
            labels_pb2.CheckLabelRequest(code="GP00000000000001", as_of=before_1970)
        ),
        lambda: labels.CheckLabels(
            labels_pb2.CheckLabelsRequest(codes=["GP00000000000001"], as_of=before_1970)
        ),
        lambda: registry.CheckCertificate(
            registry_pb2.CheckCertificateRequest(code="GP00000000000001", as_of=before_1970)
        ),
    ]
    for asked in asks:
        answer = asked()
        assert answer.as_of.known_at.seconds == -1
