"""The contracts change only compatibly: `buf breaking` against the last release
(what scripts/test.sh runs) passes today and refuses the changes that would
break a province's client."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BUF = ROOT / ".venv" / "bin" / "buf"


def _released() -> Path:
    out = subprocess.run(
        [ROOT / "scripts" / "contracts-release.sh"], capture_output=True, text=True, check=True
    )
    return ROOT / out.stdout.strip()


def _breaking(proto: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BUF, "breaking", proto, "--against", _released(), "--error-format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.fixture
def proto_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "proto"
    shutil.copytree(ROOT / "proto", copy, ignore=shutil.ignore_patterns("releases"))
    return copy


def test_the_contracts_are_compatible_with_the_last_release() -> None:
    result = _breaking(ROOT / "proto")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        # A renamed field breaks JSON clients.
        ("string label_code = 5;", "string label = 5;", "FIELD_SAME_NAME"),
        # A field moved to another number breaks every client.
        (
            "  string code = 2;\n  bool found = 3;",
            "  string code = 99;\n  bool found = 3;",
            "FIELD",
        ),
        # A removed field that is not reserved could be reused with another meaning.
        ("  repeated string conflicts = 7;\n", "", "FIELD_NO_DELETE"),
    ],
)
def test_an_incompatible_change_is_refused(proto_copy: Path, old: str, new: str, rule: str) -> None:
    labels = proto_copy / "yrdhub" / "v1" / "labels.proto"
    text = labels.read_text(encoding="utf-8")
    assert old in text
    labels.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = _breaking(proto_copy)
    assert result.returncode != 0
    assert rule in result.stdout + result.stderr


def test_an_added_field_is_compatible(proto_copy: Path) -> None:
    labels = proto_copy / "yrdhub" / "v1" / "labels.proto"
    text = labels.read_text(encoding="utf-8")
    old = "  repeated Province conditionally_recognized_in = 8;\n"
    labels.write_text(text.replace(old, old + "  string note = 99;\n", 1), encoding="utf-8")
    result = _breaking(proto_copy)
    assert result.returncode == 0, result.stdout + result.stderr
