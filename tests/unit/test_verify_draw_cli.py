"""`yrdhub verify-draw` on a saved draw document: match, mismatch and exit status."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from services.core.draws import PROVINCE_ORDER, Load, canonical_json, commitment, digest
from services.core.team_requests import TeamRequest, parse_team_spec
from services.core.teams import team_outcome, team_snapshot
from services.hub import verify_draw
from tests.unit.pool_helpers import INSTITUTION, POLICY, random_pool

SEED = b"\x05" * 32


def document() -> dict[str, Any]:
    spec = parse_team_spec(
        TeamRequest(
            institution_uscc=INSTITUTION,
            institution_province="JS",
            fields=["00", "12"],
            start_date="2026-06-01",
            end_date="2026-06-01",
        ),
        POLICY,
    )
    members = sorted(random_pool(80), key=lambda m: m.assessor_id)
    loads = {p: Load(1, 20) for p in PROVINCE_ORDER}
    snapshot = team_snapshot(spec, POLICY, loads, [(m, None) for m in members])
    return {
        "format": verify_draw.DOCUMENT_FORMAT,
        "draw_id": "team-1",
        "seed": SEED.hex(),
        "seed_commitment": commitment(SEED).hex(),
        "snapshot_sha256": digest(canonical_json(snapshot)).hex(),
        "snapshot": snapshot,
        "outcome": team_outcome(SEED, snapshot),
    }


def run(path: Path) -> str:
    out = io.StringIO()
    parser = argparse.ArgumentParser()
    verify_draw.add_parser(parser.add_subparsers())
    args = parser.parse_args(["verify-draw", str(path)])
    verify_draw.run(args, Console(file=out, width=200))
    return out.getvalue()


def test_a_published_document_matches(tmp_path: Path) -> None:
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(document(), ensure_ascii=False), encoding="utf-8")
    assert run(path).startswith("match: draw team-1 re-runs to ")


def test_the_snapshot_may_be_given_as_its_exact_text() -> None:
    doc = document()
    doc["snapshot"] = canonical_json(doc["snapshot"]).decode()
    assert verify_draw.verify_document(doc).ok


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["outcome"]["team"].reverse(),
        lambda d: d.update(seed=(b"\x06" * 32).hex()),
        lambda d: d["snapshot"]["loads"].update(SH=[0, 1]),
        lambda d: d.update(seed=""),
    ],
)
def test_any_change_is_a_mismatch_with_exit_status_1(tmp_path: Path, tamper: Any) -> None:
    doc = document()
    tamper(doc)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        run(path)
    assert exited.value.code == 1
