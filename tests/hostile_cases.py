"""What the hostile-input suite shares: how many cases each property ran
(printed at the end of a run), and the event an exchange makes of a record."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB
from services.core.provinces import Province
from services.core.records import RecordKind
from yrdhub.v1 import events_pb2

CASES: Counter[str] = Counter()


def published_event(record: Any, kind: RecordKind, key: str, province: Province) -> tuple[Any, str]:
    """The event an exchange publishes for a record it accepted (normalised:
    to_record_pb of the validated record), and the topic it goes on."""
    event = events_pb2.Event(
        event_id="00000000-0000-4000-8000-000000000000",
        province=PROVINCE_TO_PB[province],
        record_key=key,
        kind=KIND_TO_PB[kind],
        revision=1,
        sequence=1,
        record=record,
        content_hash=hashlib.sha256(record.SerializeToString(deterministic=True)).digest(),
    )
    return event, f"yrd.{kind.value}.v1"
