"""The benchmark's figures in units of the same run's echo server, and its verdicts."""

from __future__ import annotations

import pytest

from bench.measures import Ingested
from bench.run import TARGETS, in_echo_units, target_verdicts


def test_time_and_throughput_are_expressed_in_echo_calls() -> None:
    units = in_echo_units(
        {
            "baseline_echo_rps": 5000.0,
            "batch_check_lps": 125_000.0,
            "batch_check_after_commit_lps": 50_000.0,
            "propagation_p99_ms": 20.0,
            "team_draw_p99_ms": 8.0,
            "team_draw_floor_p99_ms": 4.0,
            "kafka_round_trip_p99_ms": 3.0,
        }
    )
    assert units == pytest.approx(
        {
            "batch_labels_per_echo_call": 25.0,
            "batch_after_commit_labels_per_echo_call": 10.0,
            "propagation_p99_echo_calls": 100.0,
            "team_draw_p99_echo_calls": 40.0,
            "team_draw_floor_p99_echo_calls": 20.0,
            "kafka_round_trip_p99_echo_calls": 15.0,
        }
    )


def test_ingest_tells_the_exchanges_answers_from_the_registrys_catching_up() -> None:
    # 1,000 records answered after 2 s, all served by the registry after 2.5 s.
    done = Ingested(records=1000, answered_s=2.0, served_s=2.5)
    assert done.rps == pytest.approx(400.0)
    assert done.answered_rps == pytest.approx(500.0)
    assert done.registry_tail == pytest.approx(0.2)


def test_every_target_is_a_same_run_ratio_and_bounds_are_inclusive() -> None:
    assert not {k for k in TARGETS if k.endswith(("_ms", "_rps", "_lps"))}
    at_bounds = {key: bound for key, (_op, bound) in TARGETS.items()}
    assert all(target_verdicts(at_bounds).values())
    worse = {key: bound * (0.9 if op == ">=" else 1.1) for key, (op, bound) in TARGETS.items()}
    assert not any(target_verdicts(worse).values())
