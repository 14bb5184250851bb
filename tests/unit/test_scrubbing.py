"""Personal data stays out of what the registry keeps of unreadable events."""

from __future__ import annotations

import datetime as dt

from devtools.datagen import generate
from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB
from services.core.provinces import Province
from services.core.records import RecordKind
from services.registry.ingest.events import parse_event, record_key_of, scrubbed
from tests.factories import event, green_cert
from yrdhub.v1 import events_pb2, records_pb2


def test_a_dead_letter_keeps_no_identity_and_no_unparseable_bytes() -> None:
    with_identity = events_pb2.Event(
        event_id="e1",
        record_key="assessor/A1",
        revision=0,  # unreadable: no revision
        record=records_pb2.Record(
            assessor=records_pb2.Assessor(
                assessor_id="A1",
                identity=records_pb2.AssessorIdentity(
                    name="张三", id_number="110101199003077777", phone="13800138000"
                ),
            )
        ),
    ).SerializeToString()
    kept = scrubbed(with_identity)
    assert b"110101199003077777" not in kept and "张三".encode() not in kept
    assert events_pb2.Event.FromString(kept).record.assessor.assessor_id == "A1"
    assert scrubbed(b"\xff\xff not protobuf 110101199003077777") == b""
    plain = event(green_cert(), Province.ZJ).payload
    assert scrubbed(plain) == plain


def _person_records() -> list[tuple[Province, records_pb2.Record]]:
    """A record of each kind the contract lets carry an identity, with one in it
    (in a qualification, on its last signatory)."""
    who = records_pb2.AssessorIdentity(name=NAME, id_number=ID_NUMBER, phone=PHONE)
    found: dict[str, tuple[Province, records_pb2.Record]] = {}
    for province, original in ((p, r) for p, rs in DATA.by_province.items() for r in rs):
        record = records_pb2.Record()
        record.CopyFrom(original)
        body = record.WhichOneof("body") or ""
        holder = getattr(record, body)
        if body == "qualification" and holder.signatories:
            holder = holder.signatories[-1]
        if body not in found and "identity" in holder.DESCRIPTOR.fields_by_name:
            holder.identity.CopyFrom(who)
            found[body] = (province, record)
    assert set(found) == {"assessor", "officer", "signatory_ban", "qualification"}
    return list(found.values())


DATA = generate(40, seed=7, invalid_ratio=0.0, today=dt.date(2026, 12, 4))
NAME, ID_NUMBER, PHONE = "张三", "110101199003077777", "13800138000"


def _personal(data: bytes) -> bool:
    return any(s.encode() in data for s in (NAME, ID_NUMBER, PHONE))


def test_no_identity_anywhere_in_a_record_is_kept_of_an_event() -> None:
    for _, record in _person_records():
        value = events_pb2.Event(event_id="e1", record_key="k", record=record).SerializeToString()
        assert _personal(value)
        kept = scrubbed(value)  # unreadable as it is (no revision): a dead letter
        assert not _personal(kept)
        assert events_pb2.Event.FromString(kept).record.WhichOneof("body") == record.WhichOneof(
            "body"
        )


def test_an_event_with_an_identity_is_stored_without_it() -> None:
    for province, record in _person_records():
        value = events_pb2.Event(
            event_id="e1",
            province=PROVINCE_TO_PB[province],
            record_key=record_key_of(record),
            kind=KIND_TO_PB[RecordKind(record.WhichOneof("body"))],
            revision=1,
            sequence=1,
            record=record,
        ).SerializeToString()
        incoming = parse_event(value)
        assert not _personal(incoming.payload)
        assert not _personal(incoming.message.SerializeToString())
