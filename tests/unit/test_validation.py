"""Validation of published records: dates, statuses, required fields and scope,
province rules.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from services.core import validation
from services.core.errors import Violation
from services.core.fields import PATTERN_WORDS
from services.core.provinces import Province
from services.core.records import MAX_SCOPE_ITEMS, RecordKind
from services.core.validation import Refused, validate_record
from tests.unit.validation_helpers import (
    accept,
    assessor,
    credit_event,
    fields_of,
    green_cert,
    make_uscc,
    qualification,
    refuse,
)

# --- dates -------------------------------------------------------------------------------


def test_valid_until_before_valid_from_is_refused() -> None:
    data = qualification(valid_from="2023-03-01", valid_until="2023-02-28")
    violations = refuse(RecordKind.QUALIFICATION, data)
    assert fields_of(violations) == {"qualification.valid_until"}
    assert "before valid_from" in violations[0].description


def test_single_day_validity_is_accepted() -> None:
    accept(RecordKind.GREEN_CERT, green_cert(valid_from="2024-01-01", valid_until="2024-01-01"))


def test_green_cert_dates_out_of_order_are_refused() -> None:
    data = green_cert(valid_from="2024-01-02", valid_until="2024-01-01")
    assert fields_of(refuse(RecordKind.GREEN_CERT, data)) == {"green_cert.valid_until"}


def test_credit_effective_until_before_effective_from_is_refused() -> None:
    data = credit_event(effective_from="2024-05-01", effective_until="2024-04-30")
    violations = refuse(RecordKind.CREDIT_EVENT, data)
    assert fields_of(violations) == {"credit_event.effective_until"}
    assert "before effective_from" in violations[0].description


def test_empty_credit_effective_until_means_open_ended() -> None:
    record = accept(RecordKind.CREDIT_EVENT, credit_event(effective_until="")).record
    assert record.effective_until is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "build", "field"),
    [
        (RecordKind.QUALIFICATION, qualification, "valid_from"),
        (RecordKind.QUALIFICATION, qualification, "valid_until"),
        (RecordKind.GREEN_CERT, green_cert, "valid_until"),
        (RecordKind.CREDIT_EVENT, credit_event, "effective_from"),
    ],
)
def test_empty_required_date_is_refused_naming_iso_format(
    kind: RecordKind, build: Any, field: str
) -> None:
    violations = refuse(kind, build(**{field: ""}))
    assert fields_of(violations) == {f"{kind.value}.{field}"}
    assert "YYYY-MM-DD" in violations[0].description


@pytest.mark.parametrize("day", ["01/03/2023", "20230301", "2023-W09-3", "1677628800"])
def test_a_date_not_written_yyyy_mm_dd_is_refused(day: str) -> None:
    # Python reads the basic ISO forms and pydantic a number of seconds as a
    # day; the contracts take one form, which every reader compares as written.
    violations = refuse(RecordKind.QUALIFICATION, qualification(valid_from=day))
    assert fields_of(violations) == {"qualification.valid_from"}
    assert "YYYY-MM-DD" in violations[0].description


def test_whitespace_around_a_date_is_stripped() -> None:
    accept(RecordKind.CREDIT_EVENT, credit_event(effective_from=" 2024-05-01 "))


# --- statuses ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["VALID", "SUSPENDED", "REVOKED", "CANCELLED"])
def test_publishable_statuses_are_accepted(status: str) -> None:
    record = accept(RecordKind.QUALIFICATION, qualification(status=status)).record
    assert record.status.value == status  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "build"),
    [(RecordKind.QUALIFICATION, qualification), (RecordKind.GREEN_CERT, green_cert)],
)
def test_expired_cannot_be_published(kind: RecordKind, build: Any) -> None:
    violations = refuse(kind, build(status="EXPIRED"))
    assert fields_of(violations) == {f"{kind.value}.status"}
    assert "derived" in violations[0].description


@pytest.mark.parametrize("status", ["", "UNSPECIFIED"])
def test_missing_status_is_refused_as_required(status: str) -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(status=status))
    assert violations == [Violation("qualification.status", "required")]


def test_unknown_status_is_refused() -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(status="ACTIVE"))
    assert fields_of(violations) == {"qualification.status"}


def test_original_status_is_kept_beside_canonical() -> None:
    data = qualification(status="SUSPENDED", original_status="暂停使用")
    record = accept(RecordKind.QUALIFICATION, data).record
    assert record.status == "SUSPENDED"  # type: ignore[union-attr]
    assert record.original_status == "暂停使用"  # type: ignore[union-attr]


@pytest.mark.parametrize("field", ["level", "status"])
@pytest.mark.parametrize("value", ["", "UNSPECIFIED"])
def test_assessor_enums_are_required(field: str, value: str) -> None:
    violations = refuse(RecordKind.ASSESSOR, assessor(**{field: value}))
    assert violations == [Violation(f"assessor.{field}", "required")]


# --- required fields and scope -----------------------------------------------------------


def test_empty_mapping_reports_every_required_field() -> None:
    violations = refuse(RecordKind.QUALIFICATION, {})
    expected = {
        "issuer",
        "number",
        "institution_uscc",
        "institution_name",
        "address",
        "valid_from",
        "valid_until",
        "status",
        "scope",
    }
    assert fields_of(violations) == {f"qualification.{name}" for name in expected}
    assert all(v.description == "required" for v in violations)


def test_empty_required_text_is_refused_as_required() -> None:
    violations = refuse(RecordKind.GREEN_CERT, green_cert(product=""))
    assert violations == [Violation("green_cert.product", "required")]


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_required_text_is_refused(blank: str) -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(institution_name=blank))
    assert fields_of(violations) == {"qualification.institution_name"}


def test_unknown_field_is_refused() -> None:
    violations = refuse(RecordKind.ASSESSOR, assessor(id_number="310101199001011234"))
    assert fields_of(violations) == {"assessor.id_number"}


def test_scope_needs_at_least_one_item() -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(scope=[]))
    assert fields_of(violations) == {"qualification.scope"}


def scope_item(year: int, parameter: str = "铅 (Pb)") -> dict[str, Any]:
    return {"parameter": parameter, "standard_code": "GB 5009.12", "standard_year": year}


@pytest.mark.parametrize("year", [1949, 2017, 2100])
def test_standard_year_in_range_is_accepted(year: int) -> None:
    accept(RecordKind.QUALIFICATION, qualification(scope=[scope_item(year)]))


@pytest.mark.parametrize("year", [0, 1948, 2101])
def test_standard_year_out_of_range_is_refused_with_item_path(year: int) -> None:
    data = qualification(scope=[scope_item(2017), scope_item(year)])
    violations = refuse(RecordKind.QUALIFICATION, data)
    assert fields_of(violations) == {"qualification.scope[1].standard_year"}


def test_blank_scope_parameter_is_refused_with_item_path() -> None:
    data = qualification(scope=[scope_item(2017, parameter="")])
    violations = refuse(RecordKind.QUALIFICATION, data)
    assert "qualification.scope[0].parameter" in fields_of(violations)


def test_one_bad_scope_item_does_not_claim_the_scope_is_empty() -> None:
    data = qualification(scope=[scope_item(2017, parameter="")])
    violations = refuse(RecordKind.QUALIFICATION, data)
    assert fields_of(violations) == {"qualification.scope[0].parameter"}


def test_signatory_path_is_nested() -> None:
    data = qualification(signatories=[{"name": "张三"}, {"name": ""}])
    violations = refuse(RecordKind.QUALIFICATION, data)
    assert fields_of(violations) == {"qualification.signatories[1].name"}


@pytest.mark.parametrize("code", ["0", "001", "ab", ""])
def test_assessor_field_codes_are_two_digits(code: str) -> None:
    violations = refuse(RecordKind.ASSESSOR, assessor(fields=["00", code]))
    assert fields_of(violations) == {"assessor.fields[1]"}


def test_assessor_needs_at_least_one_field() -> None:
    assert fields_of(refuse(RecordKind.ASSESSOR, assessor(fields=[]))) == {"assessor.fields"}


@pytest.mark.parametrize("assessor_id", ["short7x", "has space1", "身份证号码一二三四"])
def test_assessor_id_pattern(assessor_id: str) -> None:
    violations = refuse(RecordKind.ASSESSOR, assessor(assessor_id=assessor_id))
    assert fields_of(violations) == {"assessor.assessor_id"}


# --- province rules ----------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", None, "UNSPECIFIED"])
@pytest.mark.parametrize("province", list(Province))
def test_assessor_home_defaults_to_publisher(empty: str | None, province: Province) -> None:
    record = accept(RecordKind.ASSESSOR, assessor(home_province=empty), province).record
    assert record.home_province is province  # type: ignore[union-attr]


def test_assessor_missing_home_defaults_to_publisher() -> None:
    data = assessor()
    del data["home_province"]
    record = accept(RecordKind.ASSESSOR, data, Province.AH).record
    assert record.home_province is Province.AH  # type: ignore[union-attr]


def test_assessor_of_another_province_is_refused() -> None:
    violations = refuse(RecordKind.ASSESSOR, assessor(home_province="JS"), Province.SH)
    assert fields_of(violations) == {"assessor.home_province"}


def test_assessor_naming_own_province_is_accepted() -> None:
    accept(RecordKind.ASSESSOR, assessor(home_province="ZJ"), Province.ZJ)


@pytest.mark.parametrize("empty", ["", None, "UNSPECIFIED"])
def test_credit_listing_province_defaults_to_publisher(empty: str | None) -> None:
    record = accept(RecordKind.CREDIT_EVENT, credit_event(listing_province=empty), Province.JS)
    assert record.record.listing_province is Province.JS  # type: ignore[union-attr]


def test_credit_listing_of_another_province_is_refused() -> None:
    violations = refuse(RecordKind.CREDIT_EVENT, credit_event(listing_province="AH"), Province.ZJ)
    assert fields_of(violations) == {"credit_event.listing_province"}


def test_qualification_issued_by_another_province_is_accepted_with_warning() -> None:
    data = qualification(issuer="10", number="231012000123")  # Jiangsu
    result = accept(RecordKind.QUALIFICATION, data, Province.SH)
    assert [w.field for w in result.warnings] == ["qualification.issuer"]
    assert "Jiangsu" in result.warnings[0].description


@pytest.mark.parametrize(
    ("kind", "make"),
    [(RecordKind.QUALIFICATION, qualification), (RecordKind.GREEN_CERT, green_cert)],
)
def test_a_status_dated_before_the_certificates_first_day_is_accepted_with_a_warning(
    kind: RecordKind, make: Any
) -> None:
    data = make(status="REVOKED", status_effective_date="2022-12-31", valid_from="2023-03-01")
    [warning] = accept(kind, data).warnings
    assert warning.field == f"{kind.value}.status_effective_date"
    assert warning.description.startswith("2022-12-31 is before valid_from (2023-03-01)")
    on_the_day = make(status="REVOKED", status_effective_date="2023-03-01", valid_from="2023-03-01")
    assert accept(kind, on_the_day).warnings == []


def test_a_standard_of_a_year_still_to_come_is_accepted_with_a_warning() -> None:
    today = dt.date(2026, 12, 8)
    items = [
        {"parameter": "铅 (Pb)", "standard_code": "GB 5009.12", "standard_year": year}
        for year in (2017, 2026, 2027, 2099)
    ]
    result = validate_record(
        RecordKind.QUALIFICATION, qualification(scope=items), Province.SH, today
    )
    assert isinstance(result, validation.Validated), result
    assert [w.field for w in result.warnings] == [
        "qualification.scope[2].standard_year",
        "qualification.scope[3].standard_year",
    ]
    assert "after this year (2026)" in result.warnings[0].description


def test_a_scope_item_whose_code_carries_its_year_is_accepted_with_a_warning() -> None:
    """Stored as sent, but a decision asked for the code alone, as the
    contract has it, would not find the item: the answer says so."""
    codes = ["GB 5009.12-2017", "ISO/IEC 17025:2017", "GB 5009.12", "GB/T 2019"]
    items = [{"parameter": "铅 (Pb)", "standard_code": c, "standard_year": 2017} for c in codes]
    result = validate_record(
        RecordKind.QUALIFICATION, qualification(scope=items), Province.SH, dt.date(2026, 12, 8)
    )
    assert isinstance(result, validation.Validated), result
    assert [w.field for w in result.warnings] == [
        "qualification.scope[0].standard_code",
        "qualification.scope[1].standard_code",
    ]
    assert "the code alone is 'GB 5009.12'" in result.warnings[0].description


@pytest.mark.parametrize("action", ["REMOVED", "REPAIRED"])
def test_a_removal_with_an_end_is_accepted_with_a_warning_that_the_end_is_not_read(
    action: str,
) -> None:
    lift = credit_event(
        reference="沪市监信〔2025〕3号",
        action=action,
        lifts_reference="沪市监信〔2024〕17号",
        effective_from="2025-01-02",
        effective_until="2025-12-31",
    )
    [warning] = accept(RecordKind.CREDIT_EVENT, lift).warnings
    assert warning.field == "credit_event.effective_until"
    assert "not read" in warning.description
    assert accept(RecordKind.CREDIT_EVENT, lift | {"effective_until": ""}).warnings == []
    listed_until = credit_event(effective_until="2025-12-31")
    assert accept(RecordKind.CREDIT_EVENT, listed_until).warnings == []


def test_a_ban_removal_with_an_end_is_accepted_with_a_warning() -> None:
    removal = {
        "reference": "沪签禁〔2026〕2号",
        "person_id": "P" + "a" * 26,
        "institution_uscc": make_uscc(),
        "reason": "处罚期满",
        "effective_from": "2026-06-01",
        "effective_until": "2026-12-31",
        "action": "REMOVED",
        "lifts_reference": "沪签禁〔2026〕1号",
    }
    [warning] = accept(RecordKind.SIGNATORY_BAN, removal).warnings
    assert warning.field == "signatory_ban.effective_until"


@pytest.mark.parametrize("province", list(Province))
def test_national_issuer_is_accepted_without_warning(province: Province) -> None:
    data = qualification(issuer="00", number="230012000123")
    assert accept(RecordKind.QUALIFICATION, data, province).warnings == []


@pytest.mark.parametrize(
    ("province", "issuer"),
    [(Province.SH, "09"), (Province.JS, "10"), (Province.ZJ, "11"), (Province.AH, "12")],
)
def test_own_issuer_is_accepted_without_warning(province: Province, issuer: str) -> None:
    data = qualification(issuer=issuer, number=f"23{issuer}12000123")
    assert accept(RecordKind.QUALIFICATION, data, province).warnings == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sh", Province.SH),
        ("SH", Province.SH),
        (" zj ", Province.ZJ),
        ("310000", Province.SH),
        ("320000", Province.JS),
        ("330000", Province.ZJ),
        ("340000", Province.AH),
    ],
)
def test_province_parse(text: str, expected: Province) -> None:
    assert Province.parse(text) is expected


@pytest.mark.parametrize("text", ["", "BJ", "110000", "shanghai"])
def test_province_parse_refuses_unknown_naming_the_choices(text: str) -> None:
    with pytest.raises(ValueError, match=r"unknown province.*SH, JS, ZJ, AH"):
        Province.parse(text)


# --- text that displays as what it says ---------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "上海市计量测试技术研究院（华东国家计量测试中心）",  # full-width brackets
        "阿卜杜·热合曼检测所",  # the middle dot of transliterated names
        "〇〇七检测站",  # U+3007
        "Müller & Søn Testing Ltd.",
        "𠮷野家检测",  # a character beyond the Basic Multilingual Plane
    ],
)
def test_real_names_pass(name: str) -> None:
    record = accept(RecordKind.QUALIFICATION, qualification(institution_name=name)).record
    assert record.institution_name == name  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "code_point"),
    [
        ("上海某检测\u202e司公限有", "U+202E"),  # right-to-left override
        ("上海某\u200b检测有限公司", "U+200B"),  # zero-width space
        ("上海某检测有限公司\x00", "U+0000"),
        ("上海某\x1b[31m检测", "U+001B"),  # a terminal escape
        ("上海某检测\u2028有限公司", "U+2028"),  # line separator
        ("上海某检测\ue000有限公司", "U+E000"),  # private use
        ("上海某检测\U000e0041有限公司", "U+E0041"),  # a tag character
    ],
)
def test_characters_that_are_not_visible_text_are_refused_by_name_and_place(
    text: str, code_point: str
) -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(institution_name=text))
    assert fields_of(violations) == {"qualification.institution_name"}
    assert code_point in violations[0].description
    assert (
        f"at position {text.index(next(c for c in text if f'U+{ord(c):04X}' == code_point))}"
        in (violations[0].description)
    )


def test_a_signatorys_fields_are_bounded_visible_text() -> None:
    long = refuse(
        RecordKind.QUALIFICATION,
        qualification(signatories=[{"name": "张三", "fields": ["0" * 101]}]),
    )
    hidden = refuse(
        RecordKind.QUALIFICATION,
        qualification(signatories=[{"name": "张三", "fields": ["0\u202e1"]}]),
    )
    assert fields_of(long) == fields_of(hidden) == {"qualification.signatories[0].fields[0]"}


def test_remarks_may_break_lines_but_names_may_not() -> None:
    accept(RecordKind.QUALIFICATION, qualification(legal_nature="事业单位\n（独立法人）"))
    refused = refuse(RecordKind.QUALIFICATION, qualification(address="上海市\n浦东新区"))
    assert fields_of(refused) == {"qualification.address"}


def test_lists_inside_a_record_are_bounded() -> None:
    item = {"parameter": "铅", "standard_code": "GB 5009.12", "standard_year": 2017}
    violations = refuse(
        RecordKind.QUALIFICATION, qualification(scope=[item] * (MAX_SCOPE_ITEMS + 1))
    )
    assert fields_of(violations) == {"qualification.scope"}
    assert str(MAX_SCOPE_ITEMS) in violations[0].description.replace(",", "")


@pytest.mark.parametrize("day", ["0001-01-01", "1948-12-31", "2101-01-01", "9999-12-31"])
def test_dates_outside_the_plausible_range_are_refused(day: str) -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(valid_until=day))
    assert fields_of(violations) == {"qualification.valid_until"}
    assert "outside 1949-01-01..2100-12-31" in violations[0].description


# --- groups of companies and fields of scope items ------------------------------------


def test_a_branch_names_its_parent_by_a_valid_uscc_other_than_its_own() -> None:
    lab = qualification()
    accept(RecordKind.QUALIFICATION, {**lab, "parent_uscc": make_uscc("91310000MA1PAR000")})
    bad = refuse(RecordKind.QUALIFICATION, {**lab, "parent_uscc": "91310000MA1PAR0000"})
    assert fields_of(bad) == {"qualification.parent_uscc"}
    itself = refuse(RecordKind.QUALIFICATION, {**lab, "parent_uscc": lab["institution_uscc"]})
    assert "not its own parent" in itself[0].description


def test_a_scope_item_names_its_field_by_a_two_digit_code() -> None:
    lab = qualification()
    item = {**lab["scope"][0], "field": "04"}
    accept(RecordKind.QUALIFICATION, {**lab, "scope": [item]})
    wrong = refuse(RecordKind.QUALIFICATION, {**lab, "scope": [{**item, "field": "4"}]})
    assert fields_of(wrong) == {"qualification.scope[0].field"}


# --- messages a client can act on ------------------------------------------------


def test_an_empty_person_id_says_what_to_send() -> None:
    [violation] = refuse(RecordKind.ASSESSOR, assessor(assessor_id=""))
    assert violation == Violation(
        "assessor.assessor_id", "required: the person's identity, or the id the hub gave them"
    )


def test_a_person_id_refusal_never_quotes_what_was_sent() -> None:
    """A system may put an identity number in the id field; refusals are logged."""
    [violation] = refuse(RecordKind.ASSESSOR, assessor(assessor_id="310101 19800101 0019"))
    assert violation.field == "assessor.assessor_id"
    assert "19800101" not in violation.description
    assert violation.description.startswith("an id the hub gave")


def test_a_pattern_refusal_says_in_words_what_the_field_takes() -> None:
    [label] = refuse(RecordKind.GREEN_CERT, green_cert(label_code="GP*1"))
    assert label.field == "green_cert.label_code"
    assert label.description == "6 to 64 letters, digits or '-' once spaces are removed, not 'GP*1'"
    [long] = refuse(RecordKind.GREEN_CERT, green_cert(label_code="GP*" + "1" * 60))
    assert long.description.endswith(", not 'GP*" + "1" * 29 + "…'")
    [field] = refuse(RecordKind.ASSESSOR, assessor(fields=["4"]))
    assert field.field == "assessor.fields[0]"
    assert field.description.startswith("two digits (a CMA field code, e.g. 04)")


def test_every_pattern_of_the_models_has_words() -> None:
    """A pattern declared without fields.matching would answer with a regex."""
    root = Path(validation.__file__).parent
    raw = [
        f.name
        for f in root.glob("*.py")
        if f.name != "fields.py" and "Field(pattern=" in f.read_text(encoding="utf-8")
    ]
    assert raw == []
    assert len(PATTERN_WORDS) >= 8 and all(PATTERN_WORDS.values())


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("X1", "at least 4 characters once spaces are removed, not 2"),
        ("GP 1", "at least 4 characters once spaces are removed, not 3"),
        ("A" * 70, "at most 64 characters once spaces are removed, not 70"),
        ("", "required"),
    ],
)
def test_a_certificate_number_of_the_wrong_length_is_refused_in_characters(
    number: str, words: str
) -> None:
    violations = refuse(RecordKind.GREEN_CERT, green_cert(certificate_number=number))
    assert [(v.field, v.description) for v in violations] == [
        ("green_cert.certificate_number", words)
    ]


@pytest.mark.parametrize(
    ("kind", "record", "field"),
    [
        (RecordKind.ASSESSOR, assessor(status_since="2026-12-08"), "assessor.status_since"),
        (
            RecordKind.QUALIFICATION,
            qualification(status="SUSPENDED", status_effective_date="2026-12-08"),
            "qualification.status_effective_date",
        ),
    ],
)
def test_a_status_dated_after_the_day_it_is_published_is_refused(
    kind: RecordKind, record: dict[str, Any], field: str
) -> None:
    today = dt.date(2026, 12, 7)
    verdict = validate_record(kind, record, Province.SH, today)
    assert isinstance(verdict, Refused)
    assert [(v.field, v.description) for v in verdict.violations] == [
        (field, "2026-12-08 is after today (2026-12-07)")
    ]
    on_the_day = {**record, field.split(".")[1]: "2026-12-07"}
    assert not isinstance(validate_record(kind, on_the_day, Province.SH, today), Refused)


def test_a_value_the_contract_does_not_define_is_named_with_the_values_it_does() -> None:
    """A status of 9 was refused with pydantic's own words, which did not say 9."""
    [violation] = refuse(RecordKind.QUALIFICATION, qualification(status="9"))
    assert violation.field == "qualification.status"
    assert violation.description.startswith("9 is not one of 'VALID', 'SUSPENDED'"), violation


def test_an_empty_uscc_is_required_not_of_an_invalid_length() -> None:
    [violation] = refuse(RecordKind.QUALIFICATION, qualification(institution_uscc=""))
    assert violation == Violation("qualification.institution_uscc", "required")
    [violation] = refuse(RecordKind.QUALIFICATION, qualification(institution_uscc="91310000"))
    assert violation.description.startswith("not a valid unified social credit code")
