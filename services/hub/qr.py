"""QR codes for green-product labels and test reports: they point to the public verify page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import segno

from services.core.codes import CODE_WORDS, code_from_query, well_formed
from services.core.errors import InvalidRequest, Violation
from services.registry.checks.report_page import report_path
from services.registry.reconciliation.reports import report_query


def label_url(code: str, base_url: str) -> str:
    """The verify page of a label, its code one percent-encoded path segment;
    InvalidRequest for a code the page would answer 400 (none: a QR code that
    leads nowhere)."""
    canonical = code_from_query(code)
    if not well_formed(canonical):
        raise InvalidRequest("malformed code", [Violation("code", CODE_WORDS)])
    return f"{base_url.rstrip('/')}/v/{quote(canonical, safe='')}"


def report_url(cma_number: str, report_number: str, base_url: str) -> str:
    """The page of a report (in the canonical form its registration has);
    InvalidRequest for a CMA or report number no registration can have."""
    asked = report_query(cma_number, report_number)
    return base_url.rstrip("/") + report_path(asked.cma_number, asked.report_number)


def write_label_qr(code: str, out: Path, *, base_url: str, scale: int = 8) -> str:
    """Writes the QR image (PNG or SVG by the file's suffix); returns its payload."""
    return write_qr(label_url(code, base_url), out, scale)


def write_report_qr(
    cma_number: str, report_number: str, out: Path, *, base_url: str, scale: int = 8
) -> str:
    """Writes the QR image a report prints; returns its payload."""
    return write_qr(report_url(cma_number, report_number, base_url), out, scale)


def write_qr(payload: str, out: Path, scale: int) -> str:
    # Level M survives a scuffed label; the verify URL is short enough for it.
    segno.make(payload, error="m").save(str(out), scale=scale, border=4)
    return payload
