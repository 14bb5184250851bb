"""One rule for certificate numbers and label codes, at every edge."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from services.core.codes import code_from_query, normalise_code, well_formed
from services.core.records import Qualification
from services.hub.qr import label_url
from tests.factories import cma_number, green_cert, qualification


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("GP12345678901234", "GP12345678901234"),
        ("gp12345678901234", "GP12345678901234"),
        ("  GP1234 5678 901234\t", "GP12345678901234"),
        (
            "ＧＰ１２３４５６７８９０１２３４",
            "GP12345678901234",
        ),  # full-width, as a Chinese IME types it
        ("\u3000GP12345678901234\u3000", "GP12345678901234"),  # ideographic spaces
        ("cqc2024-gp-0001", "CQC2024-GP-0001"),
        ("２３０９１２３４０００１", "230912340001"),
    ],
)
def test_a_code_has_one_canonical_form(typed: str, canonical: str) -> None:
    assert normalise_code(typed) == canonical
    assert normalise_code(canonical) == canonical


@pytest.mark.parametrize(
    "payload",
    [
        "https://verify.example/v/gp12345678901234",
        "https://verify.example/v/GP12345678901234/",
        "https://verify.example/?code=gp12345678901234",
        " gp1234 5678901234 ",
        # A QR code printed with its URL in capitals: the parameter is still named.
        "HTTPS://VERIFY.EXAMPLE/Q?CODE=GP12345678901234",
    ],
)
def test_a_qr_payload_or_a_typed_code_gives_the_canonical_code(payload: str) -> None:
    assert code_from_query(payload) == "GP12345678901234"


def test_published_certificates_carry_canonical_codes() -> None:
    """The exchange keeps what a check compares: a label published in lower case
    or full width is stored, keyed and relayed in the canonical form."""
    cert = green_cert(
        body="cnca-r-2002-001", number="ｃｑｃ２０２４ｇｐ０００１", label="gp 0000 0000 0009"
    )
    assert (cert.body_code, cert.certificate_number, cert.label_code) == (
        "CNCA-R-2002-001",
        "CQC2024GP0001",
        "GP000000000009",
    )
    assert cert.key == "green_cert/CNCA-R-2002-001/CQC2024GP0001"
    typed = "".join(chr(ord(d) + 0xFEE0) for d in cma_number("09", 1))
    assert Qualification(**{**qualification().model_dump(), "number": typed}).number == (
        cma_number("09", 1)
    )


@pytest.mark.parametrize("typed", ["ΐ1234", "ﬃ-99", "ǆ１２", "gp 0001"])
def test_the_canonical_form_stays_canonical(typed: str) -> None:
    once = normalise_code(typed)
    assert normalise_code(once) == once


@pytest.mark.parametrize("number", ["CGP%41", "CGP#1?X", "CGP/7", "CGP%2541"])
def test_a_verify_url_carries_any_certificate_number_and_gives_it_back(number: str) -> None:
    """Certificate numbers are opaque: the page's URL for one is a single
    percent-encoded path segment, and reading the URL decodes it once."""
    url = label_url(number, "https://verify.example/")
    assert url == "https://verify.example/v/" + quote(number, safe="")
    assert code_from_query(url) == number


@pytest.mark.parametrize(
    "pasted",
    [
        "\u200bGP12345678901234",  # zero-width space
        "\ufeffGP12345678901234",  # byte-order mark
        "GP1234\u200d5678\u2060901234",  # zero-width joiner, word joiner
        "GP1234\u00ad5678901234",  # soft hyphen
        "\u202agp12345678901234\u202c",  # bidi embedding
    ],
)
def test_format_characters_are_no_part_of_a_code(pasted: str) -> None:
    assert normalise_code(pasted) == "GP12345678901234"
    assert well_formed(normalise_code(pasted))


@pytest.mark.parametrize("sent", ["\x00abc", "\x00", "GP\x7f1", "GP\x1b1", "ＧＰ\x001"])
def test_a_control_character_makes_a_code_malformed(sent: str) -> None:
    assert not well_formed(normalise_code(sent))


def test_a_certificate_published_with_a_zero_width_space_is_stored_without_it() -> None:
    """The exchanges refused such a code as text that is not visible (so no
    stored code holds one); now they store it as a check compares it."""
    cert = green_cert(number="CQC\u200b2024GP0001", label="\ufeffGP00000000000009")
    assert (cert.certificate_number, cert.label_code) == ("CQC2024GP0001", "GP00000000000009")


def test_a_code_parameter_present_but_empty_is_no_code_not_the_path() -> None:
    """`?code=` with nothing after it named no code: it is malformed, where the
    path's last segment ("q") was looked up instead."""
    assert code_from_query("https://label.example.cn/q?code=") == ""
    # An empty one beside a filled one: the filled one.
    assert code_from_query("https://label.example.cn/q?code=&code=gp1") == "GP1"
    assert not well_formed(code_from_query("https://label.example.cn/q?code="))
