"""End to end: every publish, identity read, pool action and refusal lands in
the audit trail of the service that did it, hash-chained, and each province's
regulators read their own."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from sqlalchemy import text

from devtools.datagen import generate
from services.common.convert import PROVINCE_FROM_PB, from_timestamp
from services.common.db import make_engine
from services.core.audit import AuditEntry, AuditFacts, broken_at
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub
from yrdhub.v1 import (
    assessor_pool_pb2,
    assessor_pool_pb2_grpc,
    audit_pb2,
    audit_pb2_grpc,
    common_pb2,
    exchange_pb2,
    home_assignments_pb2,
    home_assignments_pb2_grpc,
)

pytestmark = pytest.mark.e2e


def _audit(address: str, as_: Identity) -> Any:
    return audit_pb2_grpc.AuditServiceStub(client.channel(address, as_))  # type: ignore[no-untyped-call]


def _entries(stub: Any) -> list[Any]:
    reply = stub.ListAuditEntries(audit_pb2.ListAuditEntriesRequest(limit=1000), timeout=10)
    return list(reply.entries)


def _chain(entries: list[Any]) -> list[AuditEntry]:
    return [
        AuditEntry(
            e.sequence,
            AuditFacts(
                from_timestamp(e.at),
                e.caller,
                PROVINCE_FROM_PB[e.caller_province].value if e.caller_province else "",
                e.method,
                e.outcome,
                e.touched,
            ),
            e.previous_hash,
            e.entry_hash,
        )
        for e in sorted(entries, key=lambda e: e.sequence)
    ]


def test_the_audit_trail_records_who_did_what_and_holds_its_chain(hub: Hub) -> None:
    sh, js = Province.SH, Province.JS
    sh_exchange = hub.exchanges[sh].address
    data = generate(10, seed=31)
    bad = data.invalid_indexes.get(sh, set())
    records = [r for i, r in enumerate(data.by_province[sh]) if i not in bad][:5]
    published = client.exchange_stub(sh_exchange).PublishRecords(
        exchange_pb2.PublishRecordsRequest(records=records), timeout=30
    )
    with pytest.raises(grpc.RpcError) as refused:
        client.exchange_stub(sh_exchange, Identity(Role.SYSTEM, js)).PublishRecords(
            exchange_pb2.PublishRecordsRequest(records=records), timeout=30
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    home = home_assignments_pb2_grpc.HomeAssignmentServiceStub(  # type: ignore[no-untyped-call]
        client.channel(hub.home_addresses[sh], Identity(Role.REGULATOR, sh))
    )
    home.ListHomeAssignments(home_assignments_pb2.ListHomeAssignmentsRequest(), timeout=10)

    # The exchange's trail, for Shanghai's regulators only.
    trail = _entries(_audit(sh_exchange, Identity(Role.REGULATOR, sh)))
    ok = [e for e in trail if e.outcome == "OK" and e.method.endswith("/PublishRecords")]
    assert [e.caller for e in ok] == ["spiffe://yrdhub/province/SH/role/system"]
    assert published.results[0].record_key in ok[0].touched
    assert f"{len(records)} records: {published.accepted} accepted" in ok[0].touched
    [read] = [e for e in trail if e.method.endswith("/ListHomeAssignments")]
    assert read.caller == "spiffe://yrdhub/province/SH/role/regulator"
    assert "identities of 0 assessors" in read.touched
    [denied] = [e for e in trail if e.outcome == "PERMISSION_DENIED"]
    assert denied.caller == "spiffe://yrdhub/province/JS/role/system"
    assert denied.caller_province == common_pb2.PROVINCE_JS
    with pytest.raises(grpc.RpcError) as other:
        _entries(_audit(sh_exchange, Identity(Role.REGULATOR, js)))
    assert other.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert broken_at(_chain(trail)) is None

    # The registry's trail: pool actions and refusals, each province's own.
    pool = assessor_pool_pb2_grpc.AssessorPoolServiceStub(  # type: ignore[no-untyped-call]
        client.channel(hub.registry.address, Identity(Role.REGULATOR, js))
    )
    with pytest.raises(grpc.RpcError):
        pool.CancelAssignment(
            assessor_pool_pb2.CancelAssignmentRequest(assignment_id="asg-none", reason="x"),
            timeout=10,
        )
    registry_js = _entries(_audit(hub.registry.address, Identity(Role.REGULATOR, js)))
    assert [(e.method.rsplit("/", 1)[1], e.outcome) for e in registry_js] == [
        ("CancelAssignment", "NOT_FOUND")
    ]
    assert _entries(_audit(hub.registry.address, Identity(Role.REGULATOR, sh))) == []
    everyone = _entries(_audit(hub.registry.address, Identity(Role.OPERATOR)))
    assert [e.sequence for e in everyone] == [e.sequence for e in registry_js]

    # Append-only in fact: an entry changed in the database breaks the chain there.
    with make_engine(hub.config.db_url("exchange-sh")).begin() as conn:
        conn.execute(text("UPDATE audit_entry SET touched = 'nothing' WHERE sequence = 1"))
    tampered = _entries(_audit(sh_exchange, Identity(Role.REGULATOR, sh)))
    assert broken_at(_chain(tampered)) == 1
