"""Pseudonymous assessor ids: stable, keyed, and revealing nothing about the person."""

from __future__ import annotations

import hashlib
import re

import pytest
from pydantic import ValidationError
from stdnum.cn import ric

from services.common.rate_limit import RateLimiter
from services.core.errors import InvalidRequest, ResourceExhausted
from services.core.pseudonyms import (
    AssessorIdentity,
    PseudonymSecret,
    derive_assessor_id,
    id_number_warnings,
    secret_fingerprint,
)
from services.core.records import Assessor, pseudonym_of
from services.registry.pseudonyms.derivation import MAX_NUMBERS, Pseudonymisation

SECRET = PseudonymSecret(b"k" * 32)


def resident_id(body17: str) -> str:
    return body17 + str(ric.calc_check_digit(body17 + "0"))


ID = resident_id("31010119800101001")


def test_the_id_is_stable_and_fits_the_assessor_record() -> None:
    first = derive_assessor_id(SECRET, ID)
    assert first == derive_assessor_id(PseudonymSecret(b"k" * 32), f" {ID.lower()} ")
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


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_a_number_typed_in_full_width_forms_is_the_same_person() -> None:
    """A province's system may send the number as typed on a Chinese input
    method: full-width digits, in part or whole, are the same person, with
    the same id, and are kept in ASCII."""
    first = derive_assessor_id(SECRET, ID)
    for typed in (_full_width(ID), _full_width(ID[:6]) + ID[6:], _full_width(ID[:17]) + ID[17]):
        assert derive_assessor_id(SECRET, typed) == first, typed
        assert AssessorIdentity(name="张三", id_number=typed).id_number == ID


def test_digits_of_another_script_are_refused_not_hashed_as_another_person() -> None:
    arabic_indic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in ID)
    with pytest.raises(ValidationError, match="digits of another script"):
        AssessorIdentity(name="张三", id_number=arabic_indic)


def test_another_document_in_chinese_words_is_kept_as_it_is() -> None:
    """Only other scripts' digits are refused: a military officer's card
    number (军官证) keeps its Chinese characters."""
    number = "南字第0012345号"
    assert AssessorIdentity(name="赵六", id_number=number).id_number == number


def test_the_id_depends_on_the_secret_and_the_person_only() -> None:
    """One person, one id in every province; another key, another id."""
    first = derive_assessor_id(SECRET, ID)
    assert first != derive_assessor_id(PseudonymSecret(b"j" * 32), ID)
    assert first != derive_assessor_id(SECRET, resident_id("31010119800101002"))


def test_the_id_is_not_a_bare_hash_of_the_number() -> None:
    pseudonym = derive_assessor_id(SECRET, ID)
    for text in (ID, f"person:{ID}"):
        digest = hashlib.sha256(text.encode()).hexdigest()
        assert digest[:26] not in pseudonym.lower()


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
    with pytest.raises(ValidationError, match="U\\+202E"):
        AssessorIdentity(name="张\u202e三", id_number=ID)
    # Another document's number: visible characters only, or one passport
    # could have two pseudonyms.
    with pytest.raises(ValidationError, match="U\\+200B"):
        AssessorIdentity(name="Jane Roe", id_number="E1234\u200b5678")
    # Other documents (a passport number) are accepted as they are.
    assert AssessorIdentity(name="Jane Roe", id_number="E12345678").id_number == "E12345678"


# A 1975 Hangzhou (Xihu district) number: 330106 was issued then, but is not
# in the code list stdnum keeps for that birth year.
HANGZHOU_1975 = resident_id("33010619750312002")


def test_a_genuine_older_number_with_a_retired_region_code_is_taken_with_a_warning() -> None:
    assert AssessorIdentity(name="王五", id_number=HANGZHOU_1975).id_number == HANGZHOU_1975
    [warning] = id_number_warnings(HANGZHOU_1975)
    assert "region code (characters 1-6) 330106" in warning and "1975" in warning
    assert id_number_warnings(ID) == []


@pytest.mark.parametrize(
    ("number", "part"),
    [
        (HANGZHOU_1975[:-1] + ("0" if HANGZHOU_1975[-1] != "0" else "1"), "check digit"),
        (resident_id("33010619751312002"), "birth date (characters 7-14): 19751312"),
        (resident_id("33010618990312002"), "before 1900"),
        (resident_id("33010620900312002"), "20900312 is after today"),
        ("33010619750312002Y", "structure"),
        ("3301061975A312002" + "3", "structure"),
    ],
)
def test_every_refusal_names_the_part_that_is_wrong(number: str, part: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(part)):
        AssessorIdentity(name="王五", id_number=number)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _derivation(rate: float = 1.0, burst: int = MAX_NUMBERS) -> tuple[Pseudonymisation, _Clock]:
    clock = _Clock()
    return Pseudonymisation(SECRET, RateLimiter(rate, burst, clock)), clock


def test_the_registry_derives_ids_in_order_for_valid_numbers_only() -> None:
    derivation, _ = _derivation()
    other = resident_id("31010119800101002")
    assert derivation.derive("exchange@SH", [f" {ID.lower()}", other]) == [
        derive_assessor_id(SECRET, ID),
        derive_assessor_id(SECRET, other),
    ]
    with pytest.raises(InvalidRequest) as malformed:
        derivation.derive("exchange@SH", [ID, ID[:-1] + "Z", "9" * 65])
    assert [v.field for v in malformed.value.violations] == ["id_numbers[1]", "id_numbers[2]"]
    with pytest.raises(InvalidRequest, match="no identity numbers"):
        derivation.derive("exchange@SH", [])
    with pytest.raises(InvalidRequest, match="too many"):
        derivation.derive("exchange@SH", [ID] * (MAX_NUMBERS + 1))


def test_each_exchange_has_its_own_allowance_which_refills() -> None:
    derivation, clock = _derivation(rate=10.0)
    derivation.derive("exchange@SH", [ID] * MAX_NUMBERS)
    with pytest.raises(ResourceExhausted, match="exchange@SH"):
        derivation.derive("exchange@SH", [ID])
    # Another exchange is not held back by the first.
    assert derivation.derive("exchange@JS", [ID]) == [derive_assessor_id(SECRET, ID)]
    clock.now += 1.0  # ten numbers' worth
    derivation.derive("exchange@SH", [ID] * 10)
    with pytest.raises(ResourceExhausted):
        derivation.derive("exchange@SH", [ID])
    # A malformed request costs nothing and says what is wrong, not "later".
    with pytest.raises(InvalidRequest):
        derivation.derive("exchange@SH", ["x" * 65])


def test_a_burst_smaller_than_one_batch_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="one full batch"):
        Pseudonymisation(SECRET, RateLimiter(1.0, MAX_NUMBERS - 1))


def test_a_publish_answers_the_pseudonym_of_an_assessor_and_of_an_officer() -> None:
    """RecordResult.assessor_id: the province's system learns the id it was
    given for either kind of person, and nothing for other records."""
    assert pseudonym_of("assessor/Aabc12345") == "Aabc12345"
    assert pseudonym_of("officer/Aabc12345") == "Aabc12345"
    assert pseudonym_of("qualification/09/230912000123") == ""
