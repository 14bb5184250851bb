"""Valid unified social credit codes (GB 32100) and organization codes (GB 11714),
for generated data.
"""

from __future__ import annotations

import random

from stdnum.cn import uscc as _uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""Characters allowed in a USCC (GB 32100: no I, O, S, V, Z)."""

_ORG_CODE_VALUES = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
"""GB 11714 character values: digits as themselves, A-Z as 10-35."""


def org_code_check_char(body: str) -> str:
    """The check character of a GB 11714 organization code, given its first 8 characters.

    Weights 3, 7, 9, 10, 5, 8, 4, 2; check = 11 - sum % 11, where 10 is "X" and 11 is "0".
    """
    if len(body) != 8:
        raise ValueError("an organization code body is 8 characters")
    try:
        v = [_ORG_CODE_VALUES[c] for c in body]
    except KeyError:
        raise ValueError(f"not an organization code body: {body!r}") from None
    total = 3 * v[0] + 7 * v[1] + 9 * v[2] + 10 * v[3] + 5 * v[4] + 8 * v[5] + 4 * v[6] + 2 * v[7]
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def make_uscc(rng: random.Random, region_code: str, *, prefix: str = "91") -> str:
    """A valid 18-character unified social credit code for an entity of `region_code`.

    `prefix` is the registration authority and organization type: "91" an
    enterprise registered by market regulation, "12" a public institution
    (事业单位) registered by the establishment authority. Characters 9-17 are a
    GB 11714 organization code with its own check character; the last is the
    GB 32100 check character.
    """
    if len(prefix) != 2 or len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("prefix is 2 characters and region_code 6 digits")
    rand = rng.random
    if rand() < 0.55:
        # Codes assigned since the 2015 reform: "MA", six characters, the check character.
        a = USCC_ALPHABET
        body = "MA" + "".join([a[int(rand() * 31)] for _ in range(6)])
    else:
        body = f"{int(rand() * 100_000_000):08d}"
    org_code = body + org_code_check_char(body)
    head = prefix + region_code + org_code
    return head + str(_uscc.calc_check_digit(head))
