"""QR codes for green-product labels: they point to the public verify page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import segno

from services.core.codes import code_from_query


def label_url(code: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/v/{quote(code_from_query(code))}"


def write_label_qr(code: str, out: Path, *, base_url: str, scale: int = 8) -> str:
    """Writes the QR image (PNG or SVG by the file's suffix); returns its payload."""
    payload = label_url(code, base_url)
    # Level M survives a scuffed label; the verify URL is short enough for it.
    segno.make(payload, error="m").save(str(out), scale=scale, border=4)
    return payload
