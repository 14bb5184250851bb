"""A record's canonical bytes (what its content hash is over and its event
carries): the message received, with what validation normalised written
back into it, and never rebuilt; always the bytes of the normalised record's
message, so that the same content sent in any form has one hash (sent
again, it is UNCHANGED), and never with a person's identity in them."""

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
from services.core.validation import Refused, Validated, validate_record
from services.exchange.pseudonymising import identity_slots
from services.exchange.publishing import canonical_bytes
from yrdhub.v1 import records_pb2

TODAY = dt.date(2026, 12, 4)
NAME, ID_NUMBER, PHONE = "王小明", "11010519491231002X", "13800138000"
PSEUDONYM = "A0123456789ABCDEFGHIJKLMNO"  # and a digit: one per person
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


def _copy(raw: records_pb2.Record) -> records_pb2.Record:
    copy = records_pb2.Record()
    copy.CopyFrom(raw)
    return copy


def test_a_canonical_record_is_forwarded_as_received() -> None:
    differing = []
    for province, original in RECORDS:
        raw = _copy(original)
        verdict, given_fields = _validated(province, raw)
        received = raw.SerializeToString(deterministic=True)
        # What a system that sends canonical records relies on: nothing changed.
        if canonical_bytes(raw, verdict.record, given_fields) != received:
            differing.append(raw.WhichOneof("body"))
        assert received == _rebuilt(verdict)
    assert differing == []


def test_fields_of_a_newer_contract_are_not_forwarded() -> None:
    province, raw = next((p, r) for p, r in RECORDS if r.WhichOneof("body") == "green_cert")
    before = raw.SerializeToString(deterministic=True)
    newer = records_pb2.Record.FromString(before + b"\xf8\x3e\x01")  # field 999, varint 1
    assert newer.SerializeToString() != before
    verdict, given_fields = _validated(province, newer)
    assert canonical_bytes(newer, verdict.record, given_fields) == before


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
    raw = _copy(original)
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
    assert canonical_bytes(raw, verdict.record, parsed[1]) == _rebuilt(verdict)


def _person_holders(record: records_pb2.Record) -> list[Any]:
    """The messages of a record that hold a person: its body, or a
    qualification's signatories."""
    body = getattr(record, record.WhichOneof("body") or "")
    if "identity" in body.DESCRIPTOR.fields_by_name:
        return [body]
    return list(getattr(body, "signatories", []))


PEOPLE = [(p, r) for p, r in RECORDS if _person_holders(r)]
ID_FIELDS = ("assessor_id", "officer_id", "person_id")


def _sent_with_identities(original: records_pb2.Record) -> records_pb2.Record:
    raw = _copy(original)
    for holder in _person_holders(raw):
        setattr(holder, next(f for f in ID_FIELDS if f in holder.DESCRIPTOR.fields_by_name), "")
        holder.identity.name, holder.identity.id_number = NAME, ID_NUMBER
        holder.identity.phone = PHONE
    return raw


def _pseudonymised(
    province: Province, raw: records_pb2.Record
) -> tuple[Validated | Refused, dict[str, Any], list[str]]:
    """What the exchange's Pseudonymiser does (a pseudonym for each person,
    in the fields and the message), then validation."""
    parsed = record_fields(raw)
    assert parsed is not None
    slots = identity_slots(raw)
    people = [f"{PSEUDONYM}{n}" for n in range(len(slots))]
    for slot, person in zip(slots, people, strict=True):
        slot.replace_with(parsed[1], person)
    return validate_record(*parsed, province, TODAY), parsed[1], people


def test_the_people_of_the_data_set_sent_with_identities_are_accepted() -> None:
    kinds = set()
    for province, original in PEOPLE:
        verdict, _, people = _pseudonymised(province, _sent_with_identities(original))
        assert isinstance(verdict, Validated), verdict
        kinds.add(original.WhichOneof("body"))
        assert people
    assert kinds == {"assessor", "officer", "signatory_ban", "qualification"}


@settings(max_examples=200, deadline=None)
@given(
    index=st.integers(0, len(PEOPLE) - 1),
    pick=st.integers(0, 10_000),
    change=st.sampled_from(CHANGES),
)
def test_people_sent_with_their_identities_leave_only_their_pseudonyms(
    index: int, pick: int, change: Any
) -> None:
    province, original = PEOPLE[index]
    raw = _sent_with_identities(original)
    paths = [p for p in _strings(raw) if "identity" not in p]
    _set(raw, paths[pick % len(paths)], change)
    verdict, given_fields, people = _pseudonymised(province, raw)
    if not isinstance(verdict, Validated):
        return  # refused: nothing is stored
    forwarded = canonical_bytes(raw, verdict.record, given_fields)
    assert forwarded == _rebuilt(verdict)
    assert all(person.encode() in forwarded for person in people)
    for secret in (NAME, ID_NUMBER, PHONE):
        assert secret.encode() not in forwarded


def _identities(message: Message) -> int:
    """Identities set anywhere in `message`."""
    count = 0
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.name == "AssessorIdentity":
            count += 1
            continue
        for item in value if field.is_repeated else [value]:
            count += _identities(item)
    return count


def _fill_identities(message: Message, depth: int = 0) -> None:
    """An identity in every place `message` has one, at any depth (through an
    item of each list and every sub-message, whatever their names)."""
    for field in message.DESCRIPTOR.fields:
        inner = field.message_type
        if inner is None or depth > 4:
            continue
        if inner.name == "AssessorIdentity":
            getattr(message, field.name).name = NAME
            continue
        holder = getattr(message, field.name)
        _fill_identities(holder.add() if field.is_repeated else holder, depth + 1)


def _with_every_identity(body: str) -> records_pb2.Record:
    record = records_pb2.Record()
    _fill_identities(getattr(record, body))
    return record


def test_every_place_the_contract_takes_an_identity_is_an_identity_slot() -> None:
    # An identity the exchange does not know of would not be taken out of the
    # message, and would be published.
    bodies = records_pb2.Record.DESCRIPTOR.oneofs_by_name["body"].fields
    places = {f.name: _identities(_with_every_identity(f.name)) for f in bodies}
    assert sum(places.values()) >= 4
    assert {b: len(identity_slots(_with_every_identity(b))) for b in places} == places
