"""Validation of published records: identifiers (USCC, CMA number) and the record keys
built from them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

from services.core.errors import InvalidRequest
from services.core.fields import parse_record_key
from services.core.identifiers import check_cma_number, check_uscc
from services.core.provinces import Province
from services.core.records import RecordKind
from tests.unit.validation_helpers import (
    accept,
    assessor,
    credit_event,
    fields_of,
    green_cert,
    make_uscc,
    qualification,
    refuse,
    with_other_check_char,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z


# --- USCC --------------------------------------------------------------------------------


def test_valid_uscc_is_accepted_and_kept() -> None:
    code = make_uscc()
    record = accept(RecordKind.QUALIFICATION, qualification(institution_uscc=code)).record
    assert record.institution_uscc == code  # type: ignore[union-attr]


def test_uscc_with_wrong_check_char_is_refused_on_its_field() -> None:
    bad = with_other_check_char(make_uscc())
    violations = refuse(RecordKind.QUALIFICATION, qualification(institution_uscc=bad))
    assert fields_of(violations) == {"qualification.institution_uscc"}


@pytest.mark.parametrize(
    ("kind", "build", "field"),
    [
        (RecordKind.ASSESSOR, assessor, "assessor.employer_uscc"),
        (RecordKind.GREEN_CERT, green_cert, "green_cert.enterprise_uscc"),
        (RecordKind.CREDIT_EVENT, credit_event, "credit_event.uscc"),
    ],
)
def test_every_kind_checks_its_uscc(kind: RecordKind, build: Any, field: str) -> None:
    bad = with_other_check_char(make_uscc())
    data = build(**{field.split(".")[1]: bad})
    assert fields_of(refuse(kind, data)) == {field}


def test_lower_case_uscc_is_normalised_to_upper_case() -> None:
    code = make_uscc()
    record = accept(RecordKind.CREDIT_EVENT, credit_event(uscc=code.lower())).record
    assert record.uscc == code  # type: ignore[union-attr]


uscc_bases = st.builds(
    lambda head, tail: head + tail,
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@given(uscc_bases)
def test_any_base_with_its_check_char_validates(base: str) -> None:
    code = make_uscc(base)
    assert check_uscc(code) == code


@given(uscc_bases, st.sampled_from(USCC_ALPHABET))
def test_any_other_check_char_is_refused(base: str, other: str) -> None:
    code = make_uscc(base)
    if other == code[-1]:
        return
    with pytest.raises(ValueError, match="unified social credit code"):
        check_uscc(code[:-1] + other)


_NEAR = USCC_ALPHABET + "IOSVZabq -"
# A valid code with one character changed, or any text of about its length.
near_usccs = st.builds(
    lambda code, at, char: code[:at] + char + code[at + 1 :],
    uscc_bases.map(make_uscc),
    st.integers(0, 17),
    st.sampled_from(_NEAR),
) | st.text(alphabet=_NEAR, min_size=16, max_size=20)


@given(near_usccs)
def test_any_text_gets_stdnums_verdict(text: str) -> None:
    """The compact codes' own check gives what stdnum gives, for any text."""
    try:
        expected: str | None = str(stdnum_uscc.validate(text))
    except StdnumError:
        expected = None
    try:
        ours: str | None = check_uscc(text)
    except ValueError:
        ours = None
    assert ours == expected


# --- CMA number --------------------------------------------------------------------------


@pytest.mark.parametrize("issuer", ["00", "09", "10", "11", "12"])
def test_cma_number_with_known_issuer_is_accepted(issuer: str) -> None:
    number = f"23{issuer}12000123"
    assert check_cma_number(number) == number


@pytest.mark.parametrize("issuer", ["01", "08", "13", "31", "99"])
def test_cma_number_with_unknown_issuer_is_refused(issuer: str) -> None:
    with pytest.raises(ValueError, match=f"digits 3-4 \\({issuer}\\)"):
        check_cma_number(f"23{issuer}12000123")


@pytest.mark.parametrize(
    "number",
    ["23091200012", "2309120001234", "23091200012A", "2309-1200012", "23091200012３", ""],
)
def test_cma_number_must_be_exactly_twelve_ascii_digits(number: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        check_cma_number(number)


def test_cma_serial_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="0001"):
        check_cma_number("230912000000")
    assert check_cma_number("230912000001") == "230912000001"


def test_bad_cma_number_is_refused_on_the_number_field() -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(number="230912000000"))
    assert fields_of(violations) == {"qualification.number"}


def test_number_must_repeat_the_issuer_field_in_digits_3_4() -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(issuer="10"))
    assert fields_of(violations) == {"qualification.number"}
    assert "issuer (10)" in violations[0].description


def test_unknown_issuer_field_is_refused() -> None:
    violations = refuse(RecordKind.QUALIFICATION, qualification(issuer="13"))
    assert fields_of(violations) == {"qualification.issuer"}
    assert "'13'" in violations[0].description


# --- record keys -------------------------------------------------------------------------


def test_record_keys() -> None:
    q = accept(RecordKind.QUALIFICATION, qualification(issuer="00", number="230012000123"))
    a = accept(RecordKind.ASSESSOR, assessor())
    g = accept(RecordKind.GREEN_CERT, green_cert())
    c = accept(RecordKind.CREDIT_EVENT, credit_event(), Province.AH)
    assert q.record.key == "qualification/00/230012000123"
    assert a.record.key == "assessor/as-00001234"
    assert g.record.key == "green_cert/CNCA-R-2002-001/GP2023-0042"
    assert c.record.key == "credit_event/AH/沪市监信〔2024〕17号"


def test_same_number_from_different_issuers_has_different_keys() -> None:
    national = accept(RecordKind.QUALIFICATION, qualification(issuer="00", number="230012000123"))
    other = accept(RecordKind.QUALIFICATION, qualification(issuer="09", number="230912000123"))
    assert national.record.key != other.record.key


def test_a_record_key_asked_names_the_record_in_the_form_it_was_published() -> None:
    """Codes in a key are compared as publishing stores them (full-width
    digits, lower case and spaces are the same code); references and
    pseudonyms are compared as sent."""
    assert parse_record_key(" qualification/００/２３００１２０００１２３ ") == (
        "qualification/00/230012000123"
    )
    assert parse_record_key("report/230912000123/bg-2026 001") == "report/230912000123/BG-2026001"
    assert parse_record_key("green_cert/cnca-r-2002-001/gp2023/0042") == (
        "green_cert/CNCA-R-2002-001/GP2023/0042"
    )
    assert parse_record_key("credit_event/ah/沪市监信〔２０２４〕17号") == (
        "credit_event/AH/沪市监信〔２０２４〕17号"
    )
    assert parse_record_key("assessor/as-00001234") == "assessor/as-00001234"
    # A part that is nothing once canonical is as malformed as an empty one.
    with pytest.raises(InvalidRequest) as refused:
        parse_record_key("qualification/00/\u200b")
    assert refused.value.violations[0].field == "record_key"
