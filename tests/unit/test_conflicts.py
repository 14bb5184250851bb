"""Conflict rules: one per kind of disagreement, pure and order-independent."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from services.core.conflicts import (
    CertificateFacts,
    ConflictRecord,
    ConflictType,
    Scope,
    detect_conflicts,
)
from services.core.provinces import Province
from services.core.records import RecordKind
from tests.factories import LAB_A, LAB_B, MAKER

KEY_09 = "qualification/09/230901000001"
KEY_00 = "qualification/00/230001000001"
GREEN_1 = "green_cert/CQC/CQC2024GP0000001"
GREEN_2 = "green_cert/CEC/CEC-GP-24-000001"


def cma(
    province: Province,
    key: str = KEY_09,
    holder: str = LAB_A,
    name: str = "上海华测检测技术有限公司",
    status: str = "VALID",
) -> CertificateFacts:
    return CertificateFacts(province, key, RecordKind.QUALIFICATION, holder, name, status)


def green(
    province: Province,
    key: str = GREEN_1,
    label: str = "GP00000000000001",
    holder: str = MAKER,
    name: str = "安徽绿源家具有限公司",
    status: str = "VALID",
    product: str | None = None,
) -> CertificateFacts:
    return CertificateFacts(
        province, key, RecordKind.GREEN_CERT, holder, name, status, label, product
    )


def everything(facts: list[CertificateFacts]) -> Scope:
    return Scope(
        frozenset(f.record_key for f in facts),
        frozenset(f.holder_uscc for f in facts),
        frozenset(f.label_code for f in facts if f.label_code),
    )


def detect(*facts: CertificateFacts) -> dict[ConflictType, list[ConflictRecord]]:
    found = detect_conflicts(list(facts), everything(list(facts)))
    return {c.type: list(c.records) for c in found}


def test_one_certificate_published_by_two_provinces_with_different_holders() -> None:
    found = detect(cma(Province.SH), cma(Province.JS, holder=LAB_B, name="江苏某检测有限公司"))
    assert found[ConflictType.HOLDER_MISMATCH] == [
        ConflictRecord(Province.JS, KEY_09, LAB_B, LAB_B),
        ConflictRecord(Province.SH, KEY_09, LAB_A, LAB_A),
    ]
    # Jiangsu publishing a Shanghai number is an issuer conflict too, naming Jiangsu only.
    [issuer] = found[ConflictType.ISSUER_PROVINCE_MISMATCH]
    assert (issuer.province, issuer.value) == (Province.JS, "issuer 09 is SH")


def test_the_same_holder_in_two_provinces_is_no_holder_conflict() -> None:
    found = detect(cma(Province.SH), cma(Province.JS))
    assert ConflictType.HOLDER_MISMATCH not in found
    assert ConflictType.NAME_MISMATCH not in found


def test_issuer_digits_of_another_province_conflict_but_national_ones_do_not() -> None:
    assert detect(cma(Province.SH)) == {}
    assert ConflictType.ISSUER_PROVINCE_MISMATCH in detect(cma(Province.ZJ))
    assert detect(cma(Province.ZJ, key=KEY_00), cma(Province.AH, key=KEY_00)) == {}


def test_one_uscc_under_two_names_but_not_under_two_spellings_of_one() -> None:
    found = detect(
        cma(Province.SH),
        green(Province.SH, holder=LAB_A, name="上海华测检测科技有限公司"),
    )
    names = {r.value for r in found[ConflictType.NAME_MISMATCH]}
    assert names == {"上海华测检测技术有限公司", "上海华测检测科技有限公司"}
    # Full-width brackets and spaces are how people type, not another name.
    same = detect(
        cma(Province.SH, name="上海华测（浦东）检测有限公司"),
        green(Province.ZJ, holder=LAB_A, name="上海华测 (浦东) 检测有限公司"),
    )
    assert ConflictType.NAME_MISMATCH not in same


def test_one_label_code_on_two_certificates() -> None:
    found = detect(green(Province.ZJ), green(Province.AH, key=GREEN_2))
    assert {r.value for r in found[ConflictType.LABEL_CODE_REUSED]} == {GREEN_1, GREEN_2}
    # One certificate held by two provinces carries its label once.
    assert ConflictType.LABEL_CODE_REUSED not in detect(green(Province.ZJ), green(Province.AH))


def test_bodies_certificates_for_one_product_share_its_label_without_conflict() -> None:
    """The national platform issues one label per enterprise and model, for
    every body's certificate of it; a code on two products is still reuse."""
    product = f"{MAKER}/jj-100a"
    merged = detect(
        green(Province.ZJ, product=product), green(Province.AH, key=GREEN_2, product=product)
    )
    assert ConflictType.LABEL_CODE_REUSED not in merged
    reused = detect(
        green(Province.ZJ, product=product),
        green(Province.AH, key=GREEN_2, product=f"{MAKER}/jj-200b"),
    )
    [conflict] = [
        c
        for c in detect_conflicts(
            [
                green(Province.ZJ, product=product),
                green(Province.AH, key=GREEN_2, product=f"{MAKER}/jj-200b"),
            ],
            Scope(label_codes=frozenset({"GP00000000000001"})),
        )
    ]
    assert "2 products" in conflict.summary
    assert {r.value for r in reused[ConflictType.LABEL_CODE_REUSED]} == {
        product,
        f"{MAKER}/jj-200b",
    }


def test_provinces_disagreeing_on_a_status() -> None:
    found = detect(green(Province.ZJ), green(Province.AH, status="REVOKED"))
    assert [(r.province, r.value) for r in found[ConflictType.STATUS_DISAGREEMENT]] == [
        (Province.AH, "REVOKED"),
        (Province.ZJ, "VALID"),
    ]


def test_only_groups_in_scope_are_judged() -> None:
    facts = [cma(Province.SH), cma(Province.JS, holder=LAB_B)]
    assert detect_conflicts(facts, Scope(usccs=frozenset({LAB_A}))) == []
    [conflict] = [
        c
        for c in detect_conflicts(facts, Scope(record_keys=frozenset({KEY_09})))
        if c.type is ConflictType.HOLDER_MISMATCH
    ]
    assert conflict.subject == KEY_09
    assert "holders differ" in conflict.summary


_FACTS = st.lists(
    st.builds(
        cma,
        st.sampled_from(list(Province)),
        st.sampled_from([KEY_09, KEY_00, "qualification/10/231001000002"]),
        st.sampled_from([LAB_A, LAB_B]),
        st.sampled_from(["甲检测", "乙检测"]),
        st.sampled_from(["VALID", "SUSPENDED"]),
    ),
    max_size=8,
    unique_by=lambda f: (f.province, f.record_key),
)


@given(_FACTS, st.randoms())
def test_detection_does_not_depend_on_order(
    facts: list[CertificateFacts], rng: random.Random
) -> None:
    shuffled = list(facts)
    rng.shuffle(shuffled)
    assert detect_conflicts(facts, everything(facts)) == detect_conflicts(
        shuffled, everything(facts)
    )
