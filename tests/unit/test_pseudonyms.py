"""Pseudonymous assessor ids: stable, keyed, and revealing nothing about the person."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import ValidationError
from stdnum.cn import ric

from services.core.provinces import Province
from services.core.pseudonyms import (
    AssessorIdentity,
    PseudonymSecret,
    derive_assessor_id,
    secret_fingerprint,
)
from services.core.records import Assessor

SECRET = PseudonymSecret(b"k" * 32)


def resident_id(body17: str) -> str:
    return body17 + str(ric.calc_check_digit(body17 + "0"))


ID = resident_id("31010119800101001")


def test_the_id_is_stable_and_fits_the_assessor_record() -> None:
    first = derive_assessor_id(SECRET, Province.SH, ID)
    assert first == derive_assessor_id(PseudonymSecret(b"k" * 32), Province.SH, f" {ID.lower()} ")
    assert first.startswith("A") and len(first) == 27
    Assessor.model_validate(
        {
            "assessor_id": first,
            "home_province": "SH",
            "employer_uscc": "91320100MA1XYW123W",
            "level": "ASSESSOR",
            "fields": ["00"],
            "status": "ACTIVE",
        }
    )


def test_the_id_depends_on_the_secret_and_the_province() -> None:
    sh = derive_assessor_id(SECRET, Province.SH, ID)
    assert sh != derive_assessor_id(PseudonymSecret(b"j" * 32), Province.SH, ID)
    assert sh != derive_assessor_id(SECRET, Province.JS, ID)


def test_the_id_is_not_a_bare_hash_of_the_number() -> None:
    sh = derive_assessor_id(SECRET, Province.SH, ID)
    for text in (ID, f"SH:{ID}"):
        digest = hashlib.sha256(text.encode()).hexdigest()
        assert digest[:26] not in sh.lower()


def test_the_secret_never_shows_in_its_repr_or_fingerprint() -> None:
    secret = PseudonymSecret(b"super-secret-value-1234")
    assert "super" not in repr(secret) and "super" not in str(secret)
    assert "super" not in secret_fingerprint(secret)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        PseudonymSecret(b"short")


def test_identity_validation() -> None:
    ok = AssessorIdentity(name="张三", id_number=ID.lower(), phone="13800138000")
    assert ok.id_number == ID
    with pytest.raises(ValidationError, match="resident identity card"):
        AssessorIdentity(name="张三", id_number=ID[:-1] + ("0" if ID[-1] != "0" else "1"))
    with pytest.raises(ValidationError):
        AssessorIdentity(name="", id_number=ID)
    # Other documents (a passport number) are accepted as they are.
    assert AssessorIdentity(name="Jane Roe", id_number="E12345678").id_number == "E12345678"
