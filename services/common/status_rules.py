"""The status rules file both services read (core/transitions.py): the shipped
default, or one a deployment names."""

from __future__ import annotations

from pathlib import Path

from services.core.transitions import StatusRules

DEFAULT_STATUS_RULES = Path(__file__).parent / "policy" / "status-rules-v1.toml"


def load_status_rules(path: Path | None = None) -> StatusRules:
    return StatusRules.from_toml((path or DEFAULT_STATUS_RULES).read_text(encoding="utf-8"))
