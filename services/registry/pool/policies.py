"""Pool policies from TOML files: recusal rules and inspection sampling ratios.

Both are local policy, so they live in configuration; the files shipped in
policy/ are the defaults, and a deployment points elsewhere by flag or
environment (YRDHUB_RECUSAL_POLICY, YRDHUB_INSPECTION_POLICY).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from services.core.assessors import RecusalPolicy
from services.core.inspections import InspectionPolicy

POLICY_DIR = Path(__file__).parent.parent / "policy"
DEFAULT_RECUSAL = POLICY_DIR / "recusal-v1.toml"
DEFAULT_INSPECTION = POLICY_DIR / "inspection-v1.toml"


def _read(path: Path) -> dict[str, object]:
    with path.open("rb") as f:
        return tomllib.load(f)


def load_recusal(path: Path | None = None) -> RecusalPolicy:
    path = path or DEFAULT_RECUSAL
    try:
        return RecusalPolicy.model_validate(_read(path))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"cannot load the recusal policy {path}: {exc}") from None


def load_inspection(path: Path | None = None) -> InspectionPolicy:
    path = path or DEFAULT_INSPECTION
    try:
        return InspectionPolicy.model_validate(_read(path))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"cannot load the inspection policy {path}: {exc}") from None
