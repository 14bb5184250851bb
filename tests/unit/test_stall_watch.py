"""When a feed's Kafka consumer counts as stuck (and is replaced): a partition it
reads stays behind its end without moving, or its lag cannot be measured, for
the bound; reading nothing because there is nothing to read is not stuck."""

from __future__ import annotations

from services.common.feeding import StallWatch

A, B = ("t", 0), ("t", 1)


def test_caught_up_partitions_are_never_stuck() -> None:
    watch = StallWatch(10, now=0)
    for now in range(0, 60, 5):
        watch.measured({A: (7, 7), B: (3, 3)}, now)
        assert not watch.stuck(now)


def test_a_partition_behind_that_keeps_moving_is_not_stuck() -> None:
    watch = StallWatch(10, now=0)
    for now in range(0, 60, 5):
        watch.measured({A: (now, 1000)}, now)
        assert not watch.stuck(now)


def test_one_partition_still_while_behind_is_stuck_though_another_moves() -> None:
    watch = StallWatch(10, now=0)
    for now in (0, 5):
        watch.measured({A: (4, 9), B: (now, 1000)}, now)
        assert not watch.stuck(now)
    watch.measured({A: (4, 12), B: (10, 1000)}, 10)
    assert watch.stuck(10)


def test_a_lag_that_cannot_be_measured_for_the_bound_is_stuck() -> None:
    watch = StallWatch(10, now=0)
    watch.measured({A: (1, 1)}, 3)
    assert not watch.stuck(12.9)
    assert watch.stuck(13)


def test_a_restart_judges_afresh_from_its_time() -> None:
    watch = StallWatch(10, now=0)
    watch.measured({A: (4, 9)}, 0)
    assert watch.stuck(10)
    watch.restart(at=40)  # a new consumer could not be made: wait longer
    assert not watch.stuck(45)
    assert watch.stuck(50)
