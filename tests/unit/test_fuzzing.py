"""The fuzz targets (tests/fuzz_targets.py) run under atheris for a bounded
number of inputs, seeded with well-formed ones; `--long` runs each for
minutes. A crash (an exception the services would not handle, or an accepted
input the next step refuses) fails the test with libFuzzer's report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile_cases import CASES

# A dev dependency on Linux with CPython before 3.13 (atheris' wheels).
pytest.importorskip("atheris")
from tests.fuzz_targets import TARGETS

pytestmark = pytest.mark.hostile

RUNS = 200_000
LONG_SECONDS = 300


# The suite's per-test timeout (300 s) would cut the long mode short.
@pytest.mark.timeout(LONG_SECONDS + 300)
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_fuzz_target_runs_its_inputs_without_a_crash(
    target: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    budget = (
        [f"-max_total_time={LONG_SECONDS}"]
        if pytestconfig.getoption("--long")
        else [f"-runs={RUNS}"]
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz_targets", target, str(corpus), *budget,
         f"-artifact_prefix={tmp_path}/"],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=LONG_SECONDS + 300,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    runs = re.search(r"Done (\d+) runs", done.stderr)
    assert runs is not None, done.stderr[-2000:]
    CASES[f"fuzzed {target}"] += int(runs.group(1))
