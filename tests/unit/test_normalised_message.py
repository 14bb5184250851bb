"""Writing what validation normalised back into the message received: only
the fields that changed, each in the contract's own form."""

from __future__ import annotations

from services.common.normalised_message import write_normalised
from yrdhub.v1 import common_pb2, records_pb2


def test_only_the_fields_that_changed_are_written() -> None:
    q = records_pb2.Qualification(number=" 240912345678 ", issuer="09", address="kept as sent")
    write_normalised(
        q,
        {"number": "240912345678", "issuer": "09", "address": "normalised but not given"},
        {"number": " 240912345678 ", "issuer": "09"},
    )
    assert (q.number, q.issuer, q.address) == ("240912345678", "09", "kept as sent")


def test_enums_provinces_and_the_status_are_written_in_the_contracts_form() -> None:
    a = records_pb2.Assessor(assessor_id="A1")
    write_normalised(
        a,
        {"home_province": "ZJ", "level": "TEAM_LEADER", "status_since": None},
        {"home_province": "UNSPECIFIED", "level": "UNSPECIFIED", "status_since": ""},
    )
    assert a.home_province == common_pb2.PROVINCE_ZJ
    assert a.level == records_pb2.ASSESSOR_LEVEL_TEAM_LEADER
    g = records_pb2.GreenCertification()
    write_normalised(
        g,
        {"status": "SUSPENDED", "original_status": "暂停"},
        {"status": "UNSPECIFIED", "original_status": " 暂停"},
    )
    assert g.status == common_pb2.Status(
        canonical=common_pb2.CERTIFICATE_STATUS_SUSPENDED, original="暂停"
    )


def test_lists_are_written_item_by_item_or_whole_when_their_length_changed() -> None:
    q = records_pb2.Qualification(
        signatories=[
            records_pb2.Signatory(name="张三", fields=["1"]),
            records_pb2.Signatory(name="李四 ", fields=["02"]),
        ]
    )
    given = [
        {"name": "张三", "fields": ["1"], "person_id": ""},
        {"name": "李四 ", "fields": ["02"], "person_id": ""},
    ]
    both = [
        {"name": "张三", "fields": ["01"], "person_id": ""},
        {"name": "李四", "fields": ["02"], "person_id": ""},
    ]
    write_normalised(q, {"signatories": both}, {"signatories": given})
    assert [(s.name, list(s.fields)) for s in q.signatories] == [("张三", ["01"]), ("李四", ["02"])]
    merged = [{"name": "张三", "fields": ["01", "02"], "person_id": "P0000001"}]
    write_normalised(q, {"signatories": merged}, {"signatories": both})
    assert list(q.signatories) == [
        records_pb2.Signatory(name="张三", fields=["01", "02"], person_id="P0000001")
    ]


def test_a_body_in_a_record_is_written_through() -> None:
    record = records_pb2.Record(green_cert=records_pb2.GreenCertification(label_code="gp1"))
    write_normalised(
        record, {"green_cert": {"label_code": "GP1"}}, {"green_cert": {"label_code": "gp1"}}
    )
    assert record.green_cert.label_code == "GP1"
