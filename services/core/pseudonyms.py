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
import hashlib
import hmac
from typing import Annotated

from pydantic import AfterValidator, Field
from stdnum.cn import ric as _ric
from stdnum.exceptions import ValidationError as _StdnumError

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
    """Strips spaces and upper-cases (a resident card may end in "x" or "X")."""
    return "".join(value.split()).upper()


def parse_id_number(value: str) -> str:
    """The number normalised, or ValueError saying what is wrong with it."""
    value = single_line(normalise_id_number(value))
    if not value:
        raise ValueError("required")
    # An 18-character number is a resident identity card: its check digit
    # catches typing errors, which would otherwise mint a second pseudonym for
    # the same person. Other documents (passports, permits) pass as they are.
    if len(value) == 18:
        try:
            _ric.validate(value)
        except _StdnumError as exc:
            raise ValueError(f"not a valid resident identity card number: {exc}") from None
    return value


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
