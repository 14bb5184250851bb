"""Certificate numbers and label codes as the hub compares them.

One rule, at every edge (publishing and checking): Unicode NFKC (full-width
letters and digits become ASCII ones: a number typed on a Chinese keyboard
is the same number), no white space anywhere (people copy codes with spaces
and the ideographic space U+3000), and upper case (a lower-cased code is the
same code). A QR payload is a verify URL; its code is the last path segment
or a query parameter (`code`, or as the label format names them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from urllib.parse import parse_qs, unquote, urlsplit

MAX_CODE_LENGTH = 64


def normalise_code(text: str) -> str:
    """The canonical form of a certificate number or label code."""
    if text.isascii():
        return "".join(text.split()).upper()
    # NFKC again after upper-casing: a few letters' capitals decompose, and the
    # canonical form must stay canonical when normalised again.
    upper = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    return unicodedata.normalize("NFKC", upper)


def code_from_query(query: str, parameters: Sequence[str] = ("code",)) -> str:
    """The canonical code inside what a person typed or scanned: a URL's first
    of `parameters` present, else its last path segment (percent-decoded
    once, as the verify page reads /v/<code>)."""
    text = query.strip()
    if "://" in text:
        parts = urlsplit(text)
        found = parse_qs(parts.query)
        codes = next((found[p] for p in parameters if p in found), None)
        text = codes[0] if codes else unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return normalise_code(text)
