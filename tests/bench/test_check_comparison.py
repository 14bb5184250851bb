"""The check ratio pairs rounds measured back to back."""

from __future__ import annotations

import pytest

from bench.load import CallStats
from bench.run import CheckComparison


def _round(rps: int) -> CallStats:
    return CallStats(rps, 1.0, [1.0])


def test_a_busy_moment_spoils_a_round_not_the_ratio() -> None:
    # In round 3 something else took the machine while the registry was measured.
    hub = [_round(r) for r in (800, 820, 780, 200, 800)]
    echo = [_round(1000)] * 5
    comparison = CheckComparison(hub, echo)
    assert comparison.ratio == pytest.approx(0.8)
    assert comparison.hub.rps / comparison.echo.rps < 0.7  # pooled, the round would count
