"""The green-label format file both services read (core/label_format.py): the
shipped default, or one a deployment names."""

from __future__ import annotations

from pathlib import Path

from services.core.label_format import GreenLabelFormat

DEFAULT_GREEN_LABEL_FORMAT = Path(__file__).parent / "policy" / "green-label-v1.toml"


def load_green_label_format(path: Path | None = None) -> GreenLabelFormat:
    return GreenLabelFormat.from_toml(
        (path or DEFAULT_GREEN_LABEL_FORMAT).read_text(encoding="utf-8")
    )
