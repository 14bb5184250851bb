"""What a person or a platform may type or scan to check a green-product label."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

MAX_CODE_LENGTH = 64
MAX_BATCH = 1000


def code_from_query(query: str) -> str:
    """The label code or certificate number inside a query.

    A QR code on a label carries a verify URL (".../v/GP1234..." or
    "...?code=GP1234..."); people type the bare code, sometimes with spaces.
    """
    text = query.strip()
    if "://" in text:
        parts = urlsplit(text)
        codes = parse_qs(parts.query).get("code")
        if codes:
            return codes[0].strip()
        return parts.path.rstrip("/").rsplit("/", 1)[-1].strip()
    return "".join(text.split())
