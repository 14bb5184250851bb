"""Convergence: however events are duplicated, reordered or batched, the registry
ends in the same state (records, versions, feeds and open conflicts), on SQLite
and PostgreSQL.

The change log is left out on purpose: it records the order things happened in.
So are wall-clock columns (applied_at, first_seen).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import Engine

from services.common.db import make_engine
from services.core.provinces import Province
from services.core.records import Record
from services.core.status import CertificateStatus
from services.registry.ingest.apply import IncomingEvent
from tests.factories import (
    LAB_A,
    LAB_B,
    REGISTRY_METADATA,
    T0,
    AppliedStore,
    event,
    green_cert,
    qualification,
)
from yrdhub.v1 import registry_pb2

# A few certificates several provinces publish, so that every conflict type can arise.
_HOLDERS = st.sampled_from([LAB_A, LAB_B])
_NAMES = st.sampled_from(["华测检测有限公司", "华测检测股份有限公司"])
_STATUSES = st.sampled_from([CertificateStatus.VALID, CertificateStatus.SUSPENDED])
_LABELS = st.sampled_from(["GP00000000000001", "GP00000000000002"])

_QUALIFICATIONS: st.SearchStrategy[Record] = st.builds(
    lambda issuer, holder, name, status: qualification(
        issuer=issuer, holder=holder, name=name, status=status
    ),
    st.sampled_from(["09", "10"]),
    _HOLDERS,
    _NAMES,
    _STATUSES,
)
_GREEN_CERTS: st.SearchStrategy[Record] = st.builds(
    lambda number, label, holder, name, status: green_cert(
        number=number, label=label, holder=holder, name=name, status=status
    ),
    st.sampled_from(["CQC2024GP0000001", "CQC2024GP0000002"]),
    _LABELS,
    _HOLDERS,
    _NAMES,
    _STATUSES,
)


@st.composite
def histories(draw: st.DrawFn) -> list[IncomingEvent]:
    """Every revision each province published of each record it holds."""
    events: list[IncomingEvent] = []
    for province in draw(st.sets(st.sampled_from(list(Province)), min_size=1, max_size=3)):
        for make in (_QUALIFICATIONS, _GREEN_CERTS):
            first: Record = draw(make)
            # Later revisions keep the key and change the rest.
            revisions = [first, *draw(st.lists(make, max_size=2))]
            for number, record in enumerate(revisions, start=1):
                same_key = _with_key_of(record, first)
                events.append(
                    event(
                        same_key,
                        province,
                        number,
                        accepted_at=T0 + dt.timedelta(minutes=number),
                    )
                )
    return events


def _with_key_of(record: Record, first: Record) -> Record:
    fields = {"issuer": "issuer", "number": "number", "certificate_number": "certificate_number"}
    keep = {f: getattr(first, f) for f in fields if hasattr(first, f)}
    return record.model_copy(update=keep)


@st.composite
def deliveries(draw: st.DrawFn, events: list[IncomingEvent]) -> list[list[IncomingEvent]]:
    """The events, some of them again (a relay re-sending after a crash), in any
    order, cut into batches of any size."""
    again = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    stream = draw(st.permutations(events + again))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(stream) - 1)), max_size=4)))
    bounds = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds) if a < b]


def _clear(engine: Engine) -> None:
    present = set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        for table in reversed([t for m in REGISTRY_METADATA for t in m.sorted_tables]):
            if table.name in present:
                conn.execute(delete(table))


def _without_wall_clock(column: str, value: Any) -> Any:
    """A stored answer carries the time it was applied: compare the rest of it."""
    if column != "answer" or value is None:
        return value
    answer = registry_pb2.StoredRecord.FromString(value)
    answer.provenance.ClearField("applied_at")
    return answer.SerializeToString(deterministic=True)


def _state(engine: Engine) -> dict[str, Any]:
    tables = {name: t for m in REGISTRY_METADATA for name, t in m.tables.items()}
    wall_clock = {"applied_at", "last_applied_at", "first_seen", "updated_at", "id"}

    def rows(name: str, where: Any = None) -> list[tuple[Any, ...]]:
        table = tables[name]
        columns = [c for c in table.c if c.name not in wall_clock]
        stmt = select(*columns)
        if where is not None:
            stmt = stmt.where(where)
        with engine.connect() as conn:
            return sorted(
                tuple(_without_wall_clock(c.name, v) for c, v in zip(columns, r, strict=True))
                for r in conn.execute(stmt)
            )

    conflict = tables["conflict"]
    return {
        "records": rows("registry_record"),
        "versions": rows("record_version"),
        "feeds": rows("feed_state"),
        "open_conflicts": [
            (r[0], r[1], json.loads(r[2]), *r[3:])
            for r in rows("conflict", conflict.c.resolved_at.is_(None))
        ],
    }


@pytest.fixture
def engine(db_url: str) -> Engine:
    engine = make_engine(db_url)
    AppliedStore(engine).create_schema()
    return engine


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_delivery_of_the_same_events_converges_to_the_same_state(
    engine: Engine, data: st.DataObject
) -> None:
    events = data.draw(histories())
    store = AppliedStore(engine)

    _clear(engine)
    store.apply(events, {})
    expected = _state(engine)

    _clear(engine)
    for batch in data.draw(deliveries(events)):
        store.apply(batch, {})
    assert _state(engine) == expected
