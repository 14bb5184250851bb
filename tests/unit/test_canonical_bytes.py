"""A record's canonical bytes (what its content hash is over and its event
carries): taken from the message received when validation left it as it
was, and always the bytes of the normalised record's message, so that the
same content sent in any form has one hash (sent again, it is UNCHANGED)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.datagen import generate
from services.common.record_mapping import record_fields, to_record_pb
from services.core.provinces import Province
from services.core.validation import Validated, as_given, validate_record
from services.exchange.pseudonymising import identity_slots
from services.exchange.publishing import canonical_bytes
from yrdhub.v1 import records_pb2

TODAY = dt.date(2026, 12, 4)
DATA = generate(40, seed=7, invalid_ratio=0.0, today=TODAY)
RECORDS = [(p, r) for p, rs in DATA.by_province.items() for r in rs]


def _validated(province: Province, raw: records_pb2.Record) -> tuple[Validated, dict[str, Any]]:
    parsed = record_fields(raw)
    assert parsed is not None
    verdict = validate_record(*parsed, province, TODAY)
    assert isinstance(verdict, Validated), verdict
    return verdict, parsed[1]


def _rebuilt(verdict: Validated) -> bytes:
    return to_record_pb(verdict.record).SerializeToString(deterministic=True)


def test_the_data_set_covers_every_record_kind() -> None:
    kinds = {r.WhichOneof("body") for _, r in RECORDS}
    assert kinds == {f.name for f in records_pb2.Record.DESCRIPTOR.oneofs_by_name["body"].fields}


def test_a_canonical_record_is_forwarded_as_received() -> None:
    differing = []
    for province, raw in RECORDS:
        verdict, given_fields = _validated(province, raw)
        received = raw.SerializeToString(deterministic=True)
        # What a system that sends canonical records relies on: nothing rebuilt, nothing changed.
        forwarded = canonical_bytes(raw, verdict.record, given_fields, had_identity=False)
        if not as_given(verdict.record, given_fields) or forwarded != received:
            differing.append(raw.WhichOneof("body"))
        assert received == _rebuilt(verdict)
    assert differing == []


def test_fields_of_a_newer_contract_are_not_forwarded() -> None:
    province, raw = next((p, r) for p, r in RECORDS if r.WhichOneof("body") == "green_cert")
    before = raw.SerializeToString(deterministic=True)
    newer = records_pb2.Record.FromString(before + b"\xf8\x3e\x01")  # field 999, varint 1
    assert newer.SerializeToString() != before
    verdict, given_fields = _validated(province, newer)
    assert canonical_bytes(newer, verdict.record, given_fields, had_identity=False) == before


def _strings(message: Message, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every string field set in `message` (into lists and nested messages)."""
    found: list[tuple[Any, ...]] = []
    for field, value in message.ListFields():
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            items = list(value) if field.is_repeated else [value]
            for n, item in enumerate(items):
                found += _strings(item, (*path, field.name, n if field.is_repeated else None))
        elif field.type == FieldDescriptor.TYPE_STRING and not field.is_repeated:
            found.append((*path, field.name))
    return found


def _set(message: Message, path: tuple[Any, ...], change: Any) -> None:
    for name, n in zip(path[:-1:2], path[1:-1:2], strict=True):
        message = getattr(message, name) if n is None else getattr(message, name)[n]
    setattr(message, path[-1], change(getattr(message, path[-1])))


_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
CHANGES = [
    lambda v: f"  {v} ",
    lambda v: f"\t{v}",
    str.lower,
    lambda v: v.translate(_FULL_WIDTH),
    lambda v: "",
]


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(RECORDS) - 1),
    pick=st.integers(0, 10_000),
    change=st.sampled_from(CHANGES),
    unspecify_province=st.booleans(),
)
def test_any_form_of_a_record_gives_the_bytes_of_its_normalised_message(
    index: int, pick: int, change: Any, unspecify_province: bool
) -> None:
    province, original = RECORDS[index]
    raw = records_pb2.Record()
    raw.CopyFrom(original)
    paths = _strings(raw)
    _set(raw, paths[pick % len(paths)], change)
    body = getattr(raw, raw.WhichOneof("body") or "")
    for owned in ("home_province", "listing_province"):
        if unspecify_province and owned in body.DESCRIPTOR.fields_by_name:
            setattr(body, owned, 0)  # left to the publisher, who is its province
    parsed = record_fields(raw)
    assert parsed is not None
    verdict = validate_record(*parsed, province, TODAY)
    if not isinstance(verdict, Validated):
        return  # refused: nothing is stored, so there are no bytes to agree on
    had_identity = bool(identity_slots(raw))
    assert canonical_bytes(raw, verdict.record, parsed[1], had_identity) == _rebuilt(verdict)
