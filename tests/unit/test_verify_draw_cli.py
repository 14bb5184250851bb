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


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "draw.json: no such file"),
        ("not json\n", "draw.json: not JSON ("),
        ("[]", "not a draw document (a JSON object"),
        ("{}", "seed_commitment: missing (64 hexadecimal digits)"),
        ("{}", "outcome: missing"),
        (lambda d: d.update(seed="zz"), "seed: hexadecimal digits, not 'zz'"),
        (lambda d: d.update(seed_commitment="00"), "seed_commitment: 64 hexadecimal digits"),
        (lambda d: d.update(format=1), "format: '1', not yrdhub/published-draw/1"),
        (lambda d: d.pop("snapshot"), "snapshot: missing"),
        # Values the re-run would have failed on inside (AttributeError):
        (lambda d: d.update(snapshot=None), "snapshot: a JSON object, not null"),
        (
            lambda d: d["snapshot"].update(candidates=None),
            "snapshot.candidates: a JSON object, not null",
        ),
        (lambda d: d["snapshot"].update(loads="x"), 'snapshot.loads: a JSON object, not "x"'),
        (lambda d: d.update(snapshot='{"loads": []}'), "snapshot.loads: a JSON object, not []"),
    ],
)
def test_a_document_that_cannot_be_read_says_why_in_one_line_with_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, said: str
) -> None:
    """Not a traceback and status 1, as a mismatch: the tester's {}, text
    that is not JSON, a seed that is not hex and a path that does not exist."""
    path = tmp_path / "draw.json"
    if callable(content):
        doc = document()
        content(doc)
        content = json.dumps(doc, ensure_ascii=False)
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        run(path)
    assert exited.value.code == verify_draw.UNREADABLE == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("yrdhub verify-draw: ")
    assert said in err
