"""Enum numbers outside the contract are found wherever they are in a message."""

from __future__ import annotations

from services.common.enum_ranges import out_of_range
from yrdhub.v1 import common_pb2, events_pb2, records_pb2


def _event() -> events_pb2.Event:
    event = events_pb2.Event(province=common_pb2.PROVINCE_SH, kind=common_pb2.RECORD_KIND_ASSESSOR)
    a = event.record.assessor
    a.level = records_pb2.ASSESSOR_LEVEL_TEAM_LEADER
    a.affiliations.add(relation=records_pb2.AFFILIATION_RELATION_EMPLOYED)
    a.affiliations.add(relation=records_pb2.AFFILIATION_RELATION_EMPLOYED)
    return event


def test_a_message_whose_enums_are_all_defined_passes() -> None:
    assert out_of_range(_event()) is None
    assert out_of_range(events_pb2.Event()) is None


def test_an_undefined_number_is_named_with_its_path_and_enum() -> None:
    event = _event()
    event.record.assessor.affiliations[1].relation = 9  # type: ignore[assignment]
    assert out_of_range(event) == (
        "record.assessor.affiliations[1].relation: 9 is not a value of AffiliationRelation"
    )
    event = _event()
    event.province = 12  # type: ignore[assignment]
    assert out_of_range(event) == "province: 12 is not a value of Province"


def test_every_record_body_and_nested_message_is_walked() -> None:
    event = events_pb2.Event(province=common_pb2.PROVINCE_SH)
    event.record.credit_event.action = 40  # type: ignore[assignment]
    assert out_of_range(event) == "record.credit_event.action: 40 is not a value of CreditAction"
    event = events_pb2.Event(province=common_pb2.PROVINCE_SH)
    event.record.green_cert.status.canonical = -1  # type: ignore[assignment]
    assert out_of_range(event) == (
        "record.green_cert.status.canonical: -1 is not a value of CertificateStatus"
    )
