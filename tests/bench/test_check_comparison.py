"""The check ratio pairs rounds measured back to back, one in each order."""

from __future__ import annotations

import pytest

from bench.load import CallStats
from bench.measures import CheckComparison


def _round(rps: int) -> CallStats:
    return CallStats(rps, 1.0, [1.0])


def test_a_busy_moment_spoils_a_pair_not_the_ratio() -> None:
    # In round 4 something else took the machine while the registry was measured.
    hub = [_round(r) for r in (800, 800, 800, 200, 800, 800)]
    echo = [_round(1000)] * 6
    comparison = CheckComparison(hub, echo)
    assert comparison.pair_ratios == [pytest.approx(0.8), pytest.approx(0.5), pytest.approx(0.8)]
    assert comparison.ratio == pytest.approx(0.8)
    assert comparison.hub.rps / comparison.echo.rps == pytest.approx(0.7)  # pooled, it counts


def test_a_pair_cancels_which_side_went_first() -> None:
    # Whichever goes second in a round is slowed by a tenth.
    hub = [_round(r) for r in (720, 800, 720, 800)]
    echo = [_round(r) for r in (1000, 900, 1000, 900)]
    assert CheckComparison(hub, echo).pair_ratios == [pytest.approx(1520 / 1900)] * 2
