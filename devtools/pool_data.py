"""A deterministic assessor pool with the history recusal needs, for benchmarks and tests.

Assessors come with employers, earlier employments and consulting work (so
recusal has something to find), leave periods and the usual mix of levels,
fields and statuses. The records are what a province's exchange would
publish: pseudonymous, no names or identity numbers.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from devtools.datagen_tables import ASSESSOR_LEVELS, FIELD_WEIGHTS, FIELDS
from devtools.uscc import make_uscc
from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB, timestamp
from services.core.provinces import Province
from services.core.records import RecordKind
from services.registry.checks.answers import precompute
from services.registry.ingest.apply import RecordWriter
from services.registry.ingest.events import parse_event, record_key_of
from services.registry.records.store import RecordStore
from yrdhub.v1 import events_pb2, records_pb2

_PROVINCE_WEIGHTS = {Province.SH: 20, Province.JS: 35, Province.ZJ: 30, Province.AH: 15}
_REGION = {
    Province.SH: "310115",
    Province.JS: "320583",
    Province.ZJ: "330106",
    Province.AH: "340104",
}
_STATUSES = (
    (records_pb2.ASSESSOR_STATUS_ACTIVE, "正常", "", 90),
    (records_pb2.ASSESSOR_STATUS_SUSPENDED, "暂停", "为被评审机构提供咨询服务，未主动回避", 4),
    (records_pb2.ASSESSOR_STATUS_REINSTATED, "恢复", "暂停期满，经复核恢复评审资格", 4),
    (records_pb2.ASSESSOR_STATUS_REVOKED, "取消资格", "出具不实评审结论", 2),
)


@dataclass(frozen=True)
class Institution:
    province: Province
    uscc: str
    field: str


@dataclass(frozen=True)
class PoolData:
    institutions: list[Institution]
    assessors: dict[Province, list[records_pb2.Record]]

    def total(self) -> int:
        return sum(len(v) for v in self.assessors.values())


def generate_pool(n_assessors: int, *, seed: int = 6, today: dt.date | None = None) -> PoolData:
    """n_assessors assessors and about one institution per four of them."""
    rng = random.Random(seed)
    today = today or dt.date(2026, 6, 1)
    provinces = list(_PROVINCE_WEIGHTS)
    weights = list(_PROVINCE_WEIGHTS.values())
    institutions = [
        Institution(p, make_uscc(rng, _REGION[p]), rng.choices(FIELDS, FIELD_WEIGHTS)[0])
        for p in rng.choices(provinces, weights, k=max(4, n_assessors // 4))
    ]
    by_province: dict[Province, list[Institution]] = {p: [] for p in provinces}
    for inst in institutions:
        by_province[inst.province].append(inst)
    assessors: dict[Province, list[records_pb2.Record]] = {p: [] for p in provinces}
    for province in rng.choices(provinces, weights, k=n_assessors):
        local = by_province[province] or institutions
        assessors[province].append(_assessor(rng, province, local, institutions, today))
    return PoolData(institutions, assessors)


def _day(rng: random.Random, start: dt.date, span_days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, span_days)))


def _assessor(
    rng: random.Random,
    province: Province,
    local: Sequence[Institution],
    everywhere: Sequence[Institution],
    today: dt.date,
) -> records_pb2.Record:
    employer = rng.choice(local)
    fields = {employer.field, *rng.choices(FIELDS, FIELD_WEIGHTS, k=rng.randrange(3))}
    status, original, reason, _ = rng.choices(_STATUSES, [s[3] for s in _STATUSES])[0]
    a = records_pb2.Assessor(
        assessor_id=f"A{rng.getrandbits(128):032x}"[:27],
        home_province=PROVINCE_TO_PB[province],
        employer_uscc=employer.uscc,
        level=rng.choices([lv for lv, _ in ASSESSOR_LEVELS], [w for _, w in ASSESSOR_LEVELS])[0],
        fields=sorted(fields),
        status=status,
        original_status=original,
        status_reason=reason,
        available=rng.random() < 0.92,
    )
    hired = _day(rng, today - dt.timedelta(days=15 * 365), 14 * 365)
    a.affiliations.add(
        organization_uscc=employer.uscc,
        relation=records_pb2.AFFILIATION_RELATION_EMPLOYED,
        start_date=hired.isoformat(),
    )
    if rng.random() < 0.5:
        before = rng.choice(everywhere)
        left = hired - dt.timedelta(days=1)
        a.affiliations.add(
            organization_uscc=before.uscc,
            relation=records_pb2.AFFILIATION_RELATION_EMPLOYED,
            start_date=(left - dt.timedelta(days=rng.randrange(365, 3650))).isoformat(),
            end_date=left.isoformat(),
        )
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        client = rng.choice(local if rng.random() < 0.8 else everywhere)
        start = _day(rng, today - dt.timedelta(days=6 * 365), 6 * 365)
        end = start + dt.timedelta(days=rng.randrange(30, 400))
        a.affiliations.add(
            organization_uscc=client.uscc,
            relation=records_pb2.AFFILIATION_RELATION_CONSULTED,
            start_date=start.isoformat(),
            end_date=end.isoformat() if end < today else "",
        )
    if rng.random() < 0.1:
        start = _day(rng, today, 365)
        a.unavailable.add(
            start_date=start.isoformat(),
            end_date=(start + dt.timedelta(days=rng.randrange(3, 30))).isoformat(),
        )
    return records_pb2.Record(assessor=a)


def event_bytes(
    province: Province, record: records_pb2.Record, sequence: int, revision: int = 1
) -> bytes:
    """The Kafka payload an exchange would publish for the record."""
    key = record_key_of(record)
    if key is None:
        raise ValueError("an empty record has no key")
    kind = RecordKind(record.WhichOneof("body"))
    return events_pb2.Event(
        event_id=str(uuid.uuid4()),
        province=PROVINCE_TO_PB[province],
        record_key=key,
        kind=KIND_TO_PB[kind],
        revision=revision,
        sequence=sequence,
        accepted_at=timestamp(dt.datetime.now(dt.UTC)),
        record=record,
    ).SerializeToString()


def load_registry(
    engine: Engine,
    records: dict[Province, list[records_pb2.Record]],
    *,
    revision: int = 1,
    first_sequence: int = 1,
) -> None:
    """Applies records to a registry database as its feed would (without Kafka)."""
    RecordStore(engine).create_schema()
    writer = RecordWriter(engine, precompute)
    writer.create_schema()
    for province, items in records.items():
        events = [
            parse_event(event_bytes(province, r, first_sequence + i, revision))
            for i, r in enumerate(items)
        ]
        for start in range(0, len(events), 2000):
            writer.apply(events[start : start + 2000], {})
