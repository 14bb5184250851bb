"""Protobuf <-> domain mapping: round trips, unknown enum numbers, normalisation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from stdnum.cn import uscc as stdnum_uscc

from services.common.convert import as_of_asked
from services.common.record_mapping import record_fields, to_record_pb
from services.core.errors import InvalidRequest
from services.core.provinces import Province
from services.core.records import Record, RecordKind
from services.core.validation import Refused, Validated, validate_record
from yrdhub.v1 import common_pb2, records_pb2

USCC_BASE = "91320100MA1XYW123"
USCC = USCC_BASE + str(stdnum_uscc.calc_check_digit(USCC_BASE))
PARENT_USCC = "91320100MA1PAR000" + str(stdnum_uscc.calc_check_digit("91320100MA1PAR000"))

Builder = Callable[[], records_pb2.Record]


def status(canonical: int, original: str) -> common_pb2.Status:
    return common_pb2.Status(canonical=canonical, original=original)  # type: ignore[arg-type]


def full_qualification() -> records_pb2.Record:
    return records_pb2.Record(
        qualification=records_pb2.Qualification(
            issuer="10",
            number="231001000456",
            institution_uscc=USCC,
            institution_name="南京某工程检测有限公司",
            address="南京市某区某路2号",
            legal_nature="企业法人",
            valid_from="2023-06-01",
            valid_until="2029-05-31",
            status=status(common_pb2.CERTIFICATE_STATUS_SUSPENDED, "暂停使用"),
            scope=[
                records_pb2.ScopeItem(
                    parameter="抗压强度",
                    standard_code="GB/T 50081",
                    standard_year=2019,
                    limits="仅限试块",
                    exclusions="不含第7章",
                ),
                records_pb2.ScopeItem(
                    parameter="含水率",
                    standard_code="GB/T 50123",
                    standard_year=2019,
                    limits="-",
                    exclusions="-",
                    field="02",
                ),
            ],
            signatories=[
                records_pb2.Signatory(
                    name="李四", fields=["01", "02"], person_id="P0123456789abcdef"
                )
            ],
            status_effective_date="2024-02-01",
            replaces="171001000456",
            parent_uscc=PARENT_USCC,
        )
    )


def full_assessor() -> records_pb2.Record:
    return records_pb2.Record(
        assessor=records_pb2.Assessor(
            assessor_id="js-assessor-0042",
            home_province=common_pb2.PROVINCE_JS,
            employer_uscc=USCC,
            level=records_pb2.ASSESSOR_LEVEL_TECHNICAL_EXPERT,
            fields=["01", "12"],
            status=records_pb2.ASSESSOR_STATUS_REINSTATED,
            original_status="恢复",
            status_reason="整改完成",
            available=True,
            affiliations=[
                records_pb2.Affiliation(
                    organization_uscc=USCC,
                    relation=records_pb2.AFFILIATION_RELATION_CONSULTED,
                    start_date="2021-03-01",
                    end_date="2022-02-28",
                )
            ],
            unavailable=[records_pb2.DateRange(start_date="2026-07-01", end_date="2026-07-15")],
            assignment_history=[
                records_pb2.PastAssignment(
                    institution_uscc=USCC,
                    start_date="2024-05-06",
                    end_date="2024-05-07",
                    reference="苏市监评〔2024〕12号",
                )
            ],
            status_since="2025-01-10",
        )
    )


def full_green_cert() -> records_pb2.Record:
    return records_pb2.Record(
        green_cert=records_pb2.GreenCertification(
            body_code="CNCA-R-2002-001",
            body_name="中国质量认证中心",
            certificate_number="GP2023-0042",
            label_code="GL-320000-0042",
            enterprise_uscc=USCC,
            enterprise_name="某建材有限公司",
            product="陶瓷砖",
            model="600x600",
            category="建材",
            evaluation_standard="GB/T 35610-2017",
            valid_from="2023-01-01",
            valid_until="2027-12-31",
            status=status(common_pb2.CERTIFICATE_STATUS_REVOKED, "撤销"),
            certification_mode="型式试验+初始工厂检查+获证后监督",
            laboratory="某检测中心",
            status_effective_date="2024-02-01",
            replaces="CQC2019GP0000001",
        )
    )


def full_credit_event() -> records_pb2.Record:
    return records_pb2.Record(
        credit_event=records_pb2.CreditEvent(
            reference="苏市监信〔2024〕9号",
            uscc=USCC,
            list_type=records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION,
            action=records_pb2.CREDIT_ACTION_REPAIRED,
            reason="信用修复",
            effective_from="2024-01-15",
            effective_until="2025-01-14",
            listing_province=common_pb2.PROVINCE_JS,
            lifts_reference="苏市监信〔2023〕3号",
        )
    )


def full_report() -> records_pb2.Record:
    return records_pb2.Record(
        report=records_pb2.TestReport(
            report_number="JS-2024-00017",
            cma_number="231001000001",
            institution_uscc=USCC,
            issue_date="2024-03-01",
            items=[
                records_pb2.ReportItem(
                    parameter="铅 (Pb)", standard_code="GB 5009.12", standard_year=2023
                )
            ],
            signatory="李四",
            sample_category="食品 / 大米",
            document_sha256="0f" * 32,
        )
    )


def full_proficiency() -> records_pb2.Record:
    return records_pb2.Record(
        proficiency=records_pb2.ProficiencyResult(
            round_id="CNCA-24-07",
            provider="国家认证认可监督管理委员会",
            cma_number="231001000001",
            institution_uscc=USCC,
            items=[
                records_pb2.ReportItem(
                    parameter="铅 (Pb)", standard_code="GB 5009.12", standard_year=2023
                )
            ],
            outcome=records_pb2.PROFICIENCY_OUTCOME_QUESTIONABLE,
            result_date="2024-09-01",
        )
    )


def full_risk_classification() -> records_pb2.Record:
    return records_pb2.Record(
        risk_classification=records_pb2.RiskClassification(
            institution_uscc=USCC,
            risk_class=records_pb2.RISK_CLASS_C,
            effective_from="2026-03-01",
            basis="2025年度检验检测机构信用风险分级评价：C级",
        )
    )


def full_officer() -> records_pb2.Record:
    return records_pb2.Record(
        officer=records_pb2.EnforcementOfficer(
            officer_id="O0123456789abcdef",
            home_province=common_pb2.PROVINCE_JS,
            authority="江苏省市场监督管理局",
            certificate_number="苏2024000123",
            certificate_valid_from="2024-01-01",
            certificate_valid_until="2028-12-31",
            status=records_pb2.ASSESSOR_STATUS_SUSPENDED,
            status_reason="执法证年审未通过",
            status_since="2025-03-01",
            affiliations=[
                records_pb2.Affiliation(
                    organization_uscc=USCC,
                    relation=records_pb2.AFFILIATION_RELATION_KINSHIP,
                    start_date="2020-01-01",
                    end_date="2024-01-01",
                )
            ],
            unavailable=[records_pb2.DateRange(start_date="2026-05-01", end_date="2026-05-05")],
        )
    )


def full_inspection_result() -> records_pb2.Record:
    return records_pb2.Record(
        inspection_result=records_pb2.InspectionResult(
            plan_draw_id="plan-0b6b5f0e",
            institution_uscc=USCC,
            inspection_date="2026-04-08",
            outcome=records_pb2.INSPECTION_OUTCOME_CORRECTION_ORDERED,
            findings=[
                records_pb2.InspectionFinding(
                    description="原始记录不完整",
                    basis="RB/T 214-2017 4.5.11",
                    corrective_action="补充原始记录",
                    due_date="2026-05-08",
                    corrected_date="2026-05-01",
                )
            ],
            closed_date="2026-05-02",
            summary="2026年“双随机、一公开”监督抽查",
        )
    )


def full_signatory_ban() -> records_pb2.Record:
    return records_pb2.Record(
        signatory_ban=records_pb2.SignatoryBan(
            reference="苏签禁〔2026〕2号",
            person_id="P0123456789abcdef",
            institution_uscc=USCC,
            reason="签发虚假检验检测报告",
            effective_from="2026-03-01",
            effective_until="2031-02-28",
            action=records_pb2.CREDIT_ACTION_REMOVED,
            lifts_reference="苏签禁〔2026〕1号",
            listing_province=common_pb2.PROVINCE_JS,
        )
    )


def ingest(pb: records_pb2.Record, province: Province = Province.JS) -> Validated | Refused:
    mapped = record_fields(pb)
    assert mapped is not None
    kind, fields = mapped
    return validate_record(kind, fields, province)


def ingested(pb: records_pb2.Record, province: Province = Province.JS) -> Record:
    result = ingest(pb, province)
    assert isinstance(result, Validated), result
    # A full removal sets every field, its end too, which a removal does not read.
    unread_end = [w for w in result.warnings if w.description.endswith("this date is not read")]
    assert result.warnings == unread_end
    return result.record


def refused_fields(pb: records_pb2.Record, province: Province = Province.JS) -> set[str]:
    result = ingest(pb, province)
    assert isinstance(result, Refused), result
    return {v.field for v in result.violations}


@pytest.mark.parametrize(
    "build",
    [
        full_qualification,
        full_assessor,
        full_green_cert,
        full_credit_event,
        full_report,
        full_proficiency,
        full_risk_classification,
        full_officer,
        full_inspection_result,
        full_signatory_ban,
    ],
)
def test_full_record_round_trips(build: Builder) -> None:
    original = build()
    assert to_record_pb(ingested(original)) == original


def test_builders_set_every_field() -> None:
    # Guards the round trip: a field left at its default would not be exercised.
    for pb in (
        full_qualification(),
        full_assessor(),
        full_green_cert(),
        full_credit_event(),
        full_report(),
        full_proficiency(),
        full_risk_classification(),
        full_officer(),
        full_inspection_result(),
        full_signatory_ban(),
    ):
        body = getattr(pb, str(pb.WhichOneof("body")))
        # An assessor's identity is submission-only: the mapping drops it on purpose.
        declared = {f.name for f in body.DESCRIPTOR.fields} - {"identity"}
        assert {f.name for f, _ in body.ListFields()} == declared


def test_an_assessor_identity_never_survives_the_mapping() -> None:
    pb = full_assessor()
    pb.assessor.identity.name = "王五"
    pb.assessor.identity.id_number = "310101198001010014"
    normalised = to_record_pb(ingested(pb))
    assert not normalised.assessor.HasField("identity")
    assert "王五".encode() not in normalised.SerializeToString()


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (full_qualification, RecordKind.QUALIFICATION),
        (full_assessor, RecordKind.ASSESSOR),
        (full_green_cert, RecordKind.GREEN_CERT),
        (full_credit_event, RecordKind.CREDIT_EVENT),
    ],
)
def test_record_fields_names_the_kind(build: Builder, kind: RecordKind) -> None:
    mapped = record_fields(build())
    assert mapped is not None
    assert mapped[0] is kind


def test_empty_record_maps_to_none() -> None:
    assert record_fields(records_pb2.Record()) is None


def test_enum_names_map_to_domain_values() -> None:
    record = ingested(full_assessor())
    assert record.level == "TECHNICAL_EXPERT"  # type: ignore[union-attr]
    assert record.status == "REINSTATED"  # type: ignore[union-attr]
    assert record.home_province is Province.JS  # type: ignore[union-attr]


def test_original_status_survives_the_mapping() -> None:
    record = ingested(full_qualification())
    assert record.status == "SUSPENDED"  # type: ignore[union-attr]
    assert record.original_status == "暂停使用"  # type: ignore[union-attr]


def test_unknown_certificate_status_number_is_refused() -> None:
    pb = full_qualification()
    pb.qualification.status.canonical = 42  # type: ignore[assignment]
    assert refused_fields(pb) == {"qualification.status"}


def test_unknown_assessor_enum_numbers_are_refused() -> None:
    pb = full_assessor()
    pb.assessor.level = 17  # type: ignore[assignment]
    pb.assessor.status = 99  # type: ignore[assignment]
    assert refused_fields(pb) == {"assessor.level", "assessor.status"}


def test_unknown_province_number_is_refused() -> None:
    pb = full_assessor()
    pb.assessor.home_province = 9  # type: ignore[assignment]
    assert refused_fields(pb) == {"assessor.home_province"}


def test_unknown_credit_enum_numbers_are_refused() -> None:
    pb = full_credit_event()
    pb.credit_event.list_type = 7  # type: ignore[assignment]
    pb.credit_event.action = 8  # type: ignore[assignment]
    pb.credit_event.listing_province = 5  # type: ignore[assignment]
    assert refused_fields(pb) == {
        "credit_event.list_type",
        "credit_event.action",
        "credit_event.listing_province",
    }


def test_expired_status_from_protobuf_is_refused() -> None:
    pb = full_green_cert()
    pb.green_cert.status.canonical = common_pb2.CERTIFICATE_STATUS_EXPIRED
    assert refused_fields(pb) == {"green_cert.status"}


def test_unset_status_is_refused_as_required() -> None:
    pb = full_qualification()
    pb.qualification.ClearField("status")
    result = ingest(pb)
    assert isinstance(result, Refused)
    assert [(v.field, v.description) for v in result.violations] == [
        ("qualification.status", "required")
    ]


def test_unset_home_province_becomes_the_publisher() -> None:
    pb = full_assessor()
    pb.assessor.ClearField("home_province")
    out = to_record_pb(ingested(pb, Province.AH))
    assert out.assessor.home_province == common_pb2.PROVINCE_AH


def test_unset_listing_province_becomes_the_publisher() -> None:
    pb = full_credit_event()
    pb.credit_event.ClearField("listing_province")
    out = to_record_pb(ingested(pb, Province.ZJ))
    assert out.credit_event.listing_province == common_pb2.PROVINCE_ZJ


def test_open_ended_credit_event_round_trips_with_empty_until() -> None:
    pb = full_credit_event()
    pb.credit_event.ClearField("effective_until")
    record = ingested(pb)
    assert record.effective_until is None  # type: ignore[union-attr]
    assert to_record_pb(record) == pb


def test_whitespace_around_strings_is_stripped() -> None:
    pb = full_qualification()
    q = pb.qualification
    q.institution_name = "  南京某工程检测有限公司\t"
    q.address = " 南京市某区某路2号 "
    q.institution_uscc = f" {USCC.lower()} "
    q.status.original = " 暂停使用 "
    q.scope[0].parameter = " 抗压强度 "
    q.signatories[0].name = " 李四"
    q.signatories[0].fields[0] = "01 "
    assert to_record_pb(ingested(pb)) == full_qualification()


def test_refusal_paths_point_into_nested_protobuf_fields() -> None:
    pb = full_qualification()
    pb.qualification.scope[1].standard_year = 0
    assert refused_fields(pb) == {"qualification.scope[1].standard_year"}


def test_qualification_of_another_issuer_maps_with_warning() -> None:
    result = ingest(full_qualification(), Province.SH)  # issuer 10 is Jiangsu
    assert isinstance(result, Validated)
    assert [w.field for w in result.warnings] == ["qualification.issuer"]
    assert to_record_pb(result.record) == full_qualification()


@pytest.mark.parametrize(
    "known_at",
    [
        {"seconds": 253402300800},  # 10000-01-01
        {"seconds": -62135596801},  # before 0001-01-01
        {"nanos": 2_000_000_000},
        {"nanos": -5},
    ],
)
def test_an_instant_a_timestamp_cannot_hold_is_refused_with_its_field(
    known_at: dict[str, int],
) -> None:
    """Anyone may send these to the public endpoint: a refusal naming the
    field, never an internal error."""
    asked = common_pb2.AsOf(known_at=Timestamp(**known_at))
    with pytest.raises(InvalidRequest) as refused:
        as_of_asked(asked)
    assert [v.field for v in refused.value.violations] == ["as_of.known_at"]
