"""The national green label's format (core/label_format.py): the shipped
configuration, what it refuses, how a scanned QR gives the code, and a bad
file refused with where it is wrong."""

from __future__ import annotations

import pytest

from services.common.green_label import DEFAULT_GREEN_LABEL_FORMAT, load_green_label_format
from services.core.label_format import (
    GreenLabelFormat,
    LabelFormatError,
    check_body_approval_number,
    product_of,
)

SHIPPED = load_green_label_format()


def test_the_shipped_format_takes_platform_codes_and_refuses_others() -> None:
    assert SHIPPED.refusal("GP35815970944023") is None
    assert SHIPPED.refusal("gp 3581 5970 9440 23") is None  # as people type it
    why = SHIPPED.refusal("GP_1")
    assert why is not None and "national platform" in why and "6-64" in why


@pytest.mark.parametrize(
    ("scanned", "code"),
    [
        ("https://label.example.cn/q?labelCode=gp00000000000042", "GP00000000000042"),
        ("https://label.example.cn/q?id=GP00000000000042&lang=zh", "GP00000000000042"),
        ("https://verify.example/v/GP00000000000042", "GP00000000000042"),
        ("GP 0000 0000 0000 42", "GP00000000000042"),
    ],
)
def test_a_qr_payload_gives_its_code_by_the_configured_parameters(scanned: str, code: str) -> None:
    assert SHIPPED.code_of(scanned) == code


def test_a_narrower_format_is_configuration() -> None:
    text = DEFAULT_GREEN_LABEL_FORMAT.read_text(encoding="utf-8").replace(
        'code_pattern = "[A-Z0-9-]{6,64}"', 'code_pattern = "GP[0-9]{14}"'
    )
    narrow = GreenLabelFormat.from_toml(text)
    assert narrow.refusal("GP35815970944023") is None
    assert narrow.refusal("GL-310000-0042") is not None
    assert narrow.digest != SHIPPED.digest


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("version = 'x'\ncode_pattern = '(['\ncode_description = 'd'", "code_pattern"),
        ("version = 'x'\ncode_description = 'd'", "code_pattern"),
        ("version = 'x'\ncode_pattern = 'A'\ncode_description = 'd'\nlag_grace_hours = -1", "lag"),
        ("version = 'x'\ncode_pattern = 'A'\ncode_description = 'd'\nextra = 1", "extra"),
        ("not toml [", "not TOML"),
    ],
)
def test_a_bad_file_is_refused_saying_where(text: str, where: str) -> None:
    with pytest.raises(LabelFormatError, match=where):
        GreenLabelFormat.from_toml(text)


def test_bodies_are_named_by_their_approval_number() -> None:
    assert check_body_approval_number("CNCA-R-2002-001") == "CNCA-R-2002-001"
    for wrong in ("CQC", "CNCA-R-02-001", "CNCA-R-2002-1", "CNAS-R-2002-001"):
        with pytest.raises(ValueError, match="CNCA-R-YYYY-NNN"):
            check_body_approval_number(wrong)


def test_a_product_is_its_enterprise_and_model_as_people_write_models() -> None:
    assert (
        product_of("913", "JJ-100A")
        == product_of("913", "jj-100a")
        == product_of("913", "ＪＪ－１００Ａ")
    )
    assert product_of("913", "JJ-100A") != product_of("914", "JJ-100A")
