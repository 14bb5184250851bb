"""`yrdhub bench` sizes: a run's defaults, and what it refuses before starting anything."""

from __future__ import annotations

import pytest

from bench.cli import main
from bench.run import BenchSettings


def test_a_size_left_at_zero_is_the_runs_default() -> None:
    quick = BenchSettings(quick=True, check_calls=8000)
    assert (quick.institutions, quick.check_calls, quick.propagation_samples, quick.draws) == (
        1200,
        8000,
        40,
        1000,
    )
    full = BenchSettings(draws=100)
    assert (full.institutions, full.check_calls, full.draws) == (6000, 200_000, 100)


def test_a_negative_size_is_refused_before_anything_starts() -> None:
    with pytest.raises(SystemExit, match="sizes are counts"):
        main(["--quick", "--draws", "-1"])
