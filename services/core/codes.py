"""Certificate numbers and label codes as the hub compares them.

One rule, at every edge (publishing and checking): Unicode NFKC (full-width
letters and digits become ASCII ones: a number typed on a Chinese keyboard
is the same number), no white space anywhere (people copy codes with spaces
and the ideographic space U+3000), no format characters (zero-width spaces,
byte-order marks and other invisible marks a copy from a web page or a chat
brings along: Unicode category Cf), and upper case (a lower-cased code is the
same code). A control character (category Cc, other than white space) is no
part of any code, and makes what was sent malformed (well_formed), not a code
that is not found. A QR payload is a verify URL; its code is the last path segment
or a query parameter (`code`, or as the label format names them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from urllib.parse import parse_qs, unquote, urlsplit

MAX_CODE_LENGTH = 64


def normalise_code(text: str) -> str:
    """The canonical form of a certificate number or label code."""
    if text.isascii():  # no format character is ASCII
        return "".join(text.split()).upper()
    # Format characters go before NFKC: one between two characters would keep
    # them from composing.
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    # NFKC again after upper-casing: a few letters' capitals decompose, and the
    # canonical form must stay canonical when normalised again.
    upper = "".join(unicodedata.normalize("NFKC", visible).split()).upper()
    return unicodedata.normalize("NFKC", upper)


def well_formed(code: str) -> bool:
    """Whether a canonical code can be one at all: 1 to MAX_CODE_LENGTH
    characters, none of them a control character."""
    return 0 < len(code) <= MAX_CODE_LENGTH and (
        code.isprintable() or not any(unicodedata.category(c) == "Cc" for c in code)
    )


# What a malformed code is refused with.
CODE_WORDS = (
    f"a label code or certificate number of 1-{MAX_CODE_LENGTH} characters, "
    "without control characters"
)


def code_from_query(query: str, parameters: Sequence[str] = ("code",)) -> str:
    """The canonical code inside what a person typed or scanned: a URL's first
    of `parameters` present with a value (named in any case: printed QR codes
    often carry an URL in capitals; present but all empty, no code), else
    its last path segment (percent-decoded once, as the verify page reads
    /v/<code>)."""
    text = query.strip()
    if "://" in text:
        parts = urlsplit(text)
        found: dict[str, list[str]] = {}
        for name, values in parse_qs(parts.query, keep_blank_values=True).items():
            found.setdefault(name.casefold(), []).extend(values)
        named = [v for p in parameters for v in found.get(p.casefold(), [])]
        if named:
            text = next((v for v in named if v.strip()), "")
        else:
            text = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return normalise_code(text)
