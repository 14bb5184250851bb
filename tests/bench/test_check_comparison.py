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


def test_the_floor_sits_between_the_check_and_the_echo() -> None:
    # Sending the answers' bytes costs a fifth; the registry's work a further quarter.
    echo = [_round(1000)] * 4
    floor = [_round(800)] * 4
    hub = [_round(r) for r in (600, 600, 100, 600)]  # a busy moment in round 3
    comparison = CheckComparison(hub, echo, floor)
    assert comparison.floor_ratio == pytest.approx(0.8)
    assert comparison.of_floor == pytest.approx((600 + 350) / 2 / 800)
    assert comparison.floor.rps == pytest.approx(800)
