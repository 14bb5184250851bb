"""Certificate numbers and label codes as the hub compares them.

One rule, at every edge (publishing and checking): Unicode NFKC (full-width
letters and digits become ASCII ones: a number typed on a Chinese keyboard
is the same number), no white space anywhere (people copy codes with spaces
and the ideographic space U+3000), and upper case (a lower-cased code is the
same code). A QR payload is a verify URL; its code is the last path segment
or the `code` query parameter.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qs, urlsplit

MAX_CODE_LENGTH = 64


def normalise_code(text: str) -> str:
    """The canonical form of a certificate number or label code."""
    if text.isascii():
        return "".join(text.split()).upper()
    # NFKC again after upper-casing: a few letters' capitals decompose, and the
    # canonical form must stay canonical when normalised again.
    upper = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    return unicodedata.normalize("NFKC", upper)


def code_from_query(query: str) -> str:
    """The canonical code inside what a person typed or scanned."""
    text = query.strip()
    if "://" in text:
        parts = urlsplit(text)
        codes = parse_qs(parts.query).get("code")
        text = codes[0] if codes else parts.path.rstrip("/").rsplit("/", 1)[-1]
    return normalise_code(text)
