"""Personal data stays out of what the registry keeps of unreadable events."""

from __future__ import annotations

from services.core.provinces import Province
from services.registry.ingest.events import scrubbed
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
