"""A publish and its audit entry are one transaction: stored and recorded, or neither."""

from __future__ import annotations

import pytest

from devtools.datagen import generate
from services.common.audit_log import AuditLog
from services.common.auditing import PUBLISH
from services.common.db import make_engine
from services.core.audit import broken_at
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.core.records import RecordKind
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher
from yrdhub.v1 import records_pb2

SH_SYSTEM = Identity(Role.SYSTEM, Province.SH)


def _records(n: int = 12) -> list[records_pb2.Record]:
    return generate(n, seed=5, invalid_ratio=0.0).by_province[Province.SH]


def _exchange(db_url: str, *, audited: bool = True) -> tuple[Outbox, AuditLog, Publisher]:
    engine = make_engine(db_url)
    outbox = Outbox(engine, "SH")
    outbox.create_schema()
    audit = AuditLog(engine)
    if audited:
        audit.create_schema()
    return outbox, audit, Publisher(Province.SH, outbox, audit=audit)


def test_a_publish_is_recorded_with_its_caller_counts_and_keys(db_url: str) -> None:
    outbox, audit, publisher = _exchange(db_url)
    records = _records()
    results = publisher.publish(records, "req-1", SH_SYSTEM)
    publisher.publish(records[:2], "req-2", SH_SYSTEM)  # the same again: unchanged

    first, second = reversed(audit.entries(None))
    assert all(r.outcome is Outcome.ACCEPTED for r in results)
    assert (first.facts.method, first.facts.outcome) == (PUBLISH, "OK")
    assert (first.facts.caller, first.facts.caller_province) == (SH_SYSTEM.uri, "SH")
    assert first.facts.touched.startswith(f"{len(records)} records: {len(records)} accepted, ")
    assert results[0].record_key in first.facts.touched
    assert second.facts.touched.startswith("2 records: 0 accepted, 2 unchanged, 0 rejected")
    assert broken_at(list(reversed(audit.entries(None)))) is None
    assert outbox.status().last_sequence == len(records)


def test_a_publish_whose_entry_cannot_be_written_stores_nothing(db_url: str) -> None:
    """The entry is written in the records' transaction: when it fails, the
    records are not stored either (here the trail's table is missing)."""
    outbox, _, publisher = _exchange(db_url, audited=False)
    with pytest.raises(Exception, match="audit_entry"):
        publisher.publish(_records(), "req-1", SH_SYSTEM)
    assert outbox.status().last_sequence == 0
    assert outbox.unpublished_count() == 0


def test_a_publish_of_refused_records_alone_is_recorded_too(db_url: str) -> None:
    outbox, audit, publisher = _exchange(db_url)
    empty = records_pb2.Record()
    [result] = publisher.publish([empty], "req-1", None)
    [entry] = audit.entries(None)
    assert result.outcome is Outcome.REJECTED
    # The refusal names every kind a record may carry.
    [why] = result.violations
    assert why.field == "record" and all(k.value in why.description for k in RecordKind)
    assert (entry.facts.caller, entry.facts.method) == ("anonymous", PUBLISH)
    assert entry.facts.touched.startswith("1 records: 0 accepted, 0 unchanged, 1 rejected")
    assert outbox.status().last_sequence == 0
