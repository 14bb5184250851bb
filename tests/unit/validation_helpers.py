"""Builders of valid records, and accept/refuse checks, for the validation tests."""

from __future__ import annotations

from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from services.core.errors import Violation
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.validation import Refused, Validated, validate_record


def make_uscc(base: str = "91310115MA1K4ABC3") -> str:
    """A valid USCC: a 17-character base plus its computed check character."""
    return base + str(stdnum_uscc.calc_check_digit(base))


def with_other_check_char(code: str) -> str:
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


def qualification(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "issuer": "09",
        "number": "230912000123",
        "institution_uscc": make_uscc(),
        "institution_name": "上海某检测有限公司",
        "address": "上海市浦东新区某路1号",
        "legal_nature": "企业法人",
        "valid_from": "2023-03-01",
        "valid_until": "2029-02-28",
        "status": "VALID",
        "original_status": "有效",
        "scope": [{"parameter": "铅 (Pb)", "standard_code": "GB 5009.12", "standard_year": 2017}],
        "signatories": [{"name": "张三", "fields": ["00"]}],
    }
    return data | changes


def assessor(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "assessor_id": "as-00001234",
        "home_province": "",
        "employer_uscc": make_uscc(),
        "level": "TEAM_LEADER",
        "fields": ["00", "12"],
        "status": "ACTIVE",
    }
    return data | changes


def green_cert(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "body_code": "CNCA-R-2002-001",
        "body_name": "中国质量认证中心",
        "certificate_number": "GP2023-0042",
        "label_code": "GL-310000-0042",
        "enterprise_uscc": make_uscc(),
        "enterprise_name": "某建材有限公司",
        "product": "陶瓷砖",
        "model": "600x600",
        "category": "建材",
        "evaluation_standard": "GB/T 35610-2017",
        "valid_from": "2023-01-01",
        "valid_until": "2027-12-31",
        "status": "VALID",
    }
    return data | changes


def credit_event(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reference": "沪市监信〔2024〕17号",
        "uscc": make_uscc(),
        "list_type": "ABNORMAL_OPERATIONS",
        "action": "LISTED",
        "reason": "未按期公示年度报告",
        "effective_from": "2024-05-01",
        "effective_until": "",
        "listing_province": "",
    }
    return data | changes


def accept(kind: RecordKind, data: dict[str, Any], province: Province = Province.SH) -> Validated:
    result = validate_record(kind, data, province)
    assert isinstance(result, Validated), result
    return result


def refuse(
    kind: RecordKind, data: dict[str, Any], province: Province = Province.SH
) -> list[Violation]:
    result = validate_record(kind, data, province)
    assert isinstance(result, Refused), result
    return result.violations


def fields_of(violations: list[Violation]) -> set[str]:
    return {v.field for v in violations}
