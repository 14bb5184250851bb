"""The registry's pseudonymisation use case: the only place that holds the
pseudonym key and turns identity numbers into assessor ids.

An exchange asks for the ids of the people its provincial system submitted.
The key never leaves the registry, so a person has one id in every province and
no province can compute ids offline; what an exchange could still do online,
try numbers to find who is behind an id, is bounded per exchange (a token
bucket sized so that a province's whole roster fits in one burst while
sustained enumeration is slow) and every call is in the audit trail.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from services.common.rate_limit import RateLimiter
from services.core.errors import InvalidRequest, ResourceExhausted, Violation
from services.core.pseudonyms import (
    PseudonymSecret,
    derive_assessor_id,
    parse_id_number,
    secret_fingerprint,
)

log = logging.getLogger(__name__)

SECRET_ENV = "YRDHUB_PSEUDONYM_SECRET"

# As many as one publish batch can carry (services/exchange/publishing.py).
MAX_NUMBERS = 5000
MAX_NUMBER_LENGTH = 64


def load_secret(path: Path | None) -> PseudonymSecret | None:
    """The secret from YRDHUB_PSEUDONYM_SECRET, else from the file; None if neither.

    Never on the command line: other users of the machine can read a
    process's arguments.
    """
    value = os.environ.get(SECRET_ENV)
    key = value.encode() if value else None
    if key is None and path is not None:
        key = path.read_bytes().strip()
    if key is None:
        return None
    secret = PseudonymSecret(key)
    log.info("pseudonym secret loaded (fingerprint %s)", secret_fingerprint(secret))
    return secret


class Pseudonymisation:
    def __init__(self, secret: PseudonymSecret, limiter: RateLimiter) -> None:
        if limiter.burst < MAX_NUMBERS:
            raise ValueError(f"the burst must allow one full batch ({MAX_NUMBERS} numbers)")
        self._secret = secret
        self._limiter = limiter

    def derive(self, caller: str, id_numbers: Sequence[str]) -> list[str]:
        """One id per number, in order; refused as a whole if any number is
        malformed, or if `caller` has used up its allowance."""
        if not id_numbers:
            raise InvalidRequest(
                "no identity numbers", [Violation("id_numbers", "send at least one")]
            )
        if len(id_numbers) > MAX_NUMBERS:
            raise InvalidRequest(
                "too many identity numbers",
                [Violation("id_numbers", f"{len(id_numbers)}; at most {MAX_NUMBERS} per call")],
            )
        numbers: list[str] = []
        violations: list[Violation] = []
        for i, raw in enumerate(id_numbers):
            if len(raw) > MAX_NUMBER_LENGTH:
                violations.append(
                    Violation(f"id_numbers[{i}]", f"at most {MAX_NUMBER_LENGTH} characters")
                )
                continue
            try:
                numbers.append(parse_id_number(raw))
            except ValueError as exc:
                violations.append(Violation(f"id_numbers[{i}]", str(exc)))
        if violations:
            raise InvalidRequest("malformed identity numbers", violations)
        if not self._limiter.allow(caller, len(numbers)):
            raise ResourceExhausted(
                f"{caller} has asked for more pseudonyms than its allowance; retry later"
            )
        return [derive_assessor_id(self._secret, n) for n in numbers]
