"""Hand-encoded protobuf fields parse as the messages the .proto describes."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.wire import (
    bytes_field,
    packed_field,
    string_field,
    varint,
    varint_field,
)
from yrdhub.v1 import common_pb2, labels_pb2, registry_pb2


def test_varints_match_the_protobuf_encoding() -> None:
    for value in (0, 1, 127, 128, 300, 16383, 16384, 2**31, 2**40 + 5):
        encoded = Timestamp(seconds=value).SerializeToString()
        assert encoded == varint_field(1, value) if value else encoded == b""
    assert varint(300) == b"\xac\x02"
    with pytest.raises(ValueError):
        varint(-1)


def test_fields_in_any_order_parse_as_one_message() -> None:
    data = (
        varint_field(5, labels_pb2.LABEL_VERDICT_VALID)
        + string_field(1, "标志 GP1")
        + packed_field(6, [common_pb2.PROVINCE_SH, common_pb2.PROVINCE_AH])
        + packed_field(7, [])
        + string_field(7, "a conflict")
    )
    assert labels_pb2.LabelCheck.FromString(data) == labels_pb2.LabelCheck(
        query="标志 GP1",
        verdict=labels_pb2.LABEL_VERDICT_VALID,
        recognized_in=[common_pb2.PROVINCE_SH, common_pb2.PROVINCE_AH],
        conflicts=["a conflict"],
    )


def test_a_repeated_message_field_merges_into_the_first() -> None:
    first = common_pb2.Provenance(revision=3, event_id="e").SerializeToString()
    later = common_pb2.Provenance(applied_at=Timestamp(seconds=9)).SerializeToString()
    record = registry_pb2.StoredRecord.FromString(
        string_field(1, "k") + bytes_field(3, first) + bytes_field(3, later)
    )
    assert record.provenance == common_pb2.Provenance(
        revision=3, event_id="e", applied_at=Timestamp(seconds=9)
    )
