"""How the soak judges memory and the run (bench/soak.py)."""

from __future__ import annotations

from typing import Any

from bench.soak import memory_summary, soak_ok


def _samples(own: list[float]) -> list[dict[str, Any]]:
    return [
        {"t": i * 5.0, "process": "registry", "rss": mb + 40, "own": mb} for i, mb in enumerate(own)
    ]


def test_memory_that_settles_is_flat_and_memory_that_keeps_growing_is_not() -> None:
    # Caches fill in the first half; after that only noise.
    settled = memory_summary(_samples([60, 90, 100, 104, 101, 106, 103]))
    assert settled["registry"]["flat"]
    assert settled["registry"]["own"] == [60, 104, 103]
    growing = memory_summary(_samples([60, 80, 100, 120, 140, 160, 180]))
    assert not growing["registry"]["flat"]


def _results(**changes: Any) -> dict[str, Any]:
    results: dict[str, Any] = {
        "errors": {},
        "flat": True,
        "caught_up": True,
        "streams_kept_up": True,
        "calls": {"publish": 10, "check": 10, "draw": 1, "change": 10},
    }
    return {**results, **changes}


def test_a_soak_passes_only_without_errors_growth_backlog_lagging_streams_or_idle_kind() -> None:
    assert soak_ok(_results())
    assert not soak_ok(_results(errors={"check: UNAVAILABLE": 1}))
    assert not soak_ok(_results(flat=False))
    assert not soak_ok(_results(caught_up=False))
    assert not soak_ok(_results(streams_kept_up=False))
    assert not soak_ok(_results(calls={"publish": 10, "check": 10, "draw": 0, "change": 10}))
