"""Pseudonymous assessor ids and the personal data they stand for.

An assessor's name, identity number and phone stay in the home province. What
crosses provinces is `assessor_id`, an HMAC-SHA256 of the identity number
under a secret only the registry holds (its PseudonymService derives ids for
the exchanges), so a person has the same id whichever province registers them.
A bare hash would not do: identity numbers follow a public structure (region,
birth date, serial, check digit), so anyone could hash every plausible number
and reverse the id.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field
from stdnum.cn import ric as _ric
from stdnum.exceptions import ValidationError as _StdnumError

from services.core.provenance import china_date, utcnow
from services.core.records import DomainModel
from services.core.text import single_line

MIN_SECRET_BYTES = 16
ASSESSOR_ID_PREFIX = "A"


class PseudonymSecret:
    """The hub's pseudonym key; its repr never shows it, so it cannot leak into logs."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_SECRET_BYTES:
            raise ValueError(f"a pseudonym secret has at least {MIN_SECRET_BYTES} bytes")
        self._key = key

    def __repr__(self) -> str:
        return "PseudonymSecret(<hidden>)"

    def mac(self, message: bytes) -> bytes:
        return hmac.digest(self._key, message, "sha256")


def normalise_id_number(value: str) -> str:
    """NFKC (full-width digits and letters as ASCII), without spaces and
    upper-cased (a resident card may end in "x" or "X"): one number typed in
    any of these forms is one person, with one pseudonym."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def parse_id_number(value: str) -> str:
    """The number normalised, or ValueError saying which part is wrong."""
    value = single_line(normalise_id_number(value))
    if not value:
        raise ValueError("required")
    if any(c.isdigit() and not c.isascii() for c in value):
        # Another script's digits would pass a digit check and hash as another
        # person; other characters (a certificate's Chinese words) are kept.
        raise ValueError("digits of another script: write them as 0-9 (full-width forms are taken)")
    # An 18-character number is a resident identity card: its check digit
    # catches typing errors, which would otherwise mint a second pseudonym for
    # the same person. Other documents (passports, permits) pass as they are.
    if len(value) == 18:
        problem = resident_card_problem(value)
        if problem is not None:
            raise ValueError(f"not a valid resident identity card number: {problem}")
    return value


def resident_card_problem(number: str) -> str | None:
    """What is wrong with an 18-character resident identity card number, naming
    the part: its structure, birth date or check digit. The region code is not
    judged here (see id_number_warnings): a code valid when the card was issued
    may have left the code list since."""
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        return "structure: 17 digits and a check character (a digit or X) expected"
    birth = number[6:14]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return f"birth date (characters 7-14): {birth} is not a date"
    if born.year < 1900:
        return f"birth date (characters 7-14): {birth} is before 1900"
    if born > china_date(utcnow()):
        return f"birth date (characters 7-14): {birth} is after today"
    expected = _ric.calc_check_digit(number)  # (it ignores the last character)
    if number[17] != expected:
        return (
            f"check digit (character 18): {number[17]}, but the first 17 characters give {expected}"
        )
    return None


def id_number_warnings(number: str) -> list[str]:
    """What to tell about a valid number without refusing it: a resident card's
    region code (characters 1-6) unknown in the code list for its birth year.
    Old cards keep codes that were valid when issued (a district merged since)."""
    if len(number) != 18 or resident_card_problem(number) is not None:
        return []
    try:
        _ric.get_birth_place(number)
    except _StdnumError:
        return [
            f"region code (characters 1-6) {number[:6]} is not in the code list for "
            f"{number[6:10]}: kept, as a code valid when the card was issued"
        ]
    return []


class AssessorIdentity(DomainModel):
    """Personal data of an assessor, held only by the home province's exchange."""

    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(single_line)]
    id_number: Annotated[str, Field(max_length=64), AfterValidator(parse_id_number)]
    phone: Annotated[str, Field(max_length=32), AfterValidator(single_line)] = ""


def derive_assessor_id(secret: PseudonymSecret, id_number: str) -> str:
    """The stable pseudonymous id of the person with `id_number`, the same in
    every province.

    "A" and 26 base32 characters (the first 128 bits of the MAC): short enough
    to read out, far too long to collide.
    """
    message = f"person:{normalise_id_number(id_number)}".encode()
    digest = secret.mac(message)[:16]
    return ASSESSOR_ID_PREFIX + base64.b32encode(digest).decode().rstrip("=").lower()


def secret_fingerprint(secret: PseudonymSecret) -> str:
    """A short, non-reversible tag of the secret, to tell deployments apart in logs."""
    return hashlib.sha256(secret.mac(b"fingerprint")).hexdigest()[:12]
