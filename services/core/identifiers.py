"""Identifier checks: unified social credit codes and CMA certificate numbers."""

from __future__ import annotations

from functools import lru_cache

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError

from services.core.provinces import CMA_ISSUERS


# Institutions appear in many records (each certificate, each credit event),
# and stdnum's check costs tens of microseconds: remember recent answers.
@lru_cache(maxsize=65536)
def check_uscc(value: str) -> str:
    """Returns the compact USCC or raises ValueError saying what is wrong."""
    try:
        return str(_uscc.validate(value))
    except _StdnumError as exc:
        raise ValueError(f"not a valid unified social credit code: {exc}") from None


def check_cma_number(number: str) -> str:
    """A CMA number is 12 digits whose digits 3-4 are a known issuer code."""
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise ValueError("a CMA number is exactly 12 digits")
    if number[2:4] not in CMA_ISSUERS:
        raise ValueError(
            f"digits 3-4 ({number[2:4]}) are not a known issuer code "
            f"(one of {', '.join(sorted(CMA_ISSUERS))})"
        )
    if number[8:12] == "0000":
        raise ValueError("the serial number (digits 9-12) starts at 0001")
    return number
