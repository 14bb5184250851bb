"""CI smoke run of `yrdhub bench --quick`: it completes and writes every figure.

Speed is never judged here (CI machines are shared and noisy); the benchmark
itself compares each figure with a baseline measured in the same run. The
run is made smaller than --quick's (a quarter of its institutions, a twelfth
of its checks, half its status changes, a tenth of its draws): the same steps
in about a quarter of the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import KEYS

pytestmark = pytest.mark.e2e


def test_quick_bench_writes_every_key(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "services.hub.cli", "bench", "--quick"),
            *("--institutions", "300", "--check-calls", "8000", "--samples", "20"),
            *("--draws", "100", "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert set(KEYS) <= set(figures)
    assert figures["rss_mb"]["exchange"] > 0 and figures["rss_mb"]["registry"] > 0
    for key in KEYS:
        if key not in ("rss_mb", "propagation_stage_p50_ms"):
            assert float(figures[key]) > 0, key
    # Each stage of a status change's way took some time, Kafka's own included.
    stages = figures["propagation_stage_p50_ms"]
    assert set(stages) == {"call_and_checks", "outbox_relay_kafka", "apply_and_stream"}
    assert all(ms > 0 for ms in stages.values()), stages
    # Kafka's own round trip is a part of a status change's way.
    assert figures["kafka_round_trip_p50_ms"] < figures["propagation_stream_p50_ms"]
    # The sizes asked for were the sizes run (--quick's 1,200 institutions
    # a province make 17,320 records).
    assert figures["sizes"] == {
        "institutions": 300,
        "check_calls": 8000,
        "samples": 20,
        "draws": 100,
    }
    assert figures["records"] < 17_320 / 2
    assert figures["team_draw"]["requests"] == 100
    assert len(figures["check_ratio_pairs"]) == 2  # 8,000 calls a side: two pairs of rounds


def test_scale_run_measures_every_size_and_draws_the_chart(tmp_path: Path) -> None:
    from bench.scale import run_scale, write_chart

    rows = run_scale(lambda _: None, sizes=(300, 900), check_calls=200, batch_calls=10)
    assert [r["records"] for r in rows] == [300, 900]
    for row in rows:
        assert row["rebuild_s"] > 0 and row["rebuild_eps"] > 0 and row["rebuild_rss_mb"] > 0
        assert row["ingest_rps"] > 0
        assert row["registry_rss_mb"] >= row["registry_private_mb"] > 0
        assert 0 < row["check_alone_p50_ms"] <= row["check_alone_p99_ms"]
        assert 0 < row["check_p50_ms"] <= row["check_p99_ms"]
        assert row["batch_check_lps"] > 0
        assert row["batch_check_after_commit_lps"] > 0 and row["batch_check_cold_lps"] > 0
    chart = tmp_path / "scale.png"
    write_chart(rows, chart)
    assert chart.read_bytes().startswith(b"\x89PNG")
