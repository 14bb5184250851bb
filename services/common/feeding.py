"""Consuming Kafka into a database: the one lifecycle behind every feed in the hub.

A feed takes every partition of its topics itself (no consumer group: each
reader is an independent view of the log), resumes at the offsets its store
committed beside the data, and applies polled batches on a worker thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from sqlalchemy.exc import DisconnectionError, InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.common.kafka_io import POLL_TIMEOUT_MS, assign_at, assign_from, close_aside
from services.common.worker import Worker, WorkState

log = logging.getLogger(__name__)

Offsets = dict[tuple[str, int], int]

# How often a feed asks the broker how far behind it is (one request), and how
# long it waits for the answer: the feed applies nothing meanwhile.
LAG_EVERY_S = 1.0
LAG_TIMEOUT_MS = 5000

# How long a partition a feed reads may stay behind its end without its
# position moving (or the broker be unable to tell the feed how far behind it
# is) before the feed replaces its consumer (StallWatch). kafka-python
# 3.0.12's consumer can stop fetching for good after a broker is killed and
# restarted: its metadata loop ends on an error that is not a KafkaError (a
# bare ConnectionResetError, in the cluster fault test), and it never learns
# the new leaders. A new consumer, at the offsets stored beside the data,
# reads on.
FEED_STUCK_AFTER_S = 20.0

# Failures that retrying can fix (the database or the broker is away, a lock
# is held): a feed reads the batch again after a back-off. Any other failure
# to apply is taken as the input's: the feed finds the events that cause it
# and sets them aside.
RETRIED = (
    OperationalError,
    InterfaceError,
    InternalError,
    DisconnectionError,
    PoolTimeout,
    KafkaError,
    OSError,
    MemoryError,
)


T = TypeVar("T")
R = TypeVar("R")


def failing_alone(
    items: Sequence[T], trial: Callable[[list[T]], object]
) -> list[tuple[T, Exception]]:
    """The items that fail `trial` (an apply that is rolled back) on their own,
    with their errors, found by halving: k such items among n take about
    2k·log2(n) trials. Empty when no single item fails alone (the failure
    was not the input's). Failures that retrying can fix (RETRIED) propagate."""
    found: list[tuple[T, Exception]] = []

    def attempt(group: list[T]) -> None:
        try:
            trial(group)
        except RETRIED:
            raise
        except Exception as exc:
            if len(group) == 1:
                found.append((group[0], exc))
                return
            half = len(group) // 2
            attempt(group[:half])
            attempt(group[half:])

    attempt(list(items))
    return found


class PoisonGuard:
    """Applies a polled batch so that no item the store cannot take stops the
    feed. When applying fails for a reason retrying cannot fix, the items that
    fail alone are found (failing_alone), handed to `set_aside`, and the rest
    applied. When every item of a batch of several fails alone, the store or
    the code is the likelier culprit (and may recover): the batch is retried
    (the failure is raised), and only when the same batch has failed so
    `strikes` times in a row are its items set aside, so that a batch made
    only of poison cannot stop the feed either."""

    def __init__(self, strikes: int = 3) -> None:
        self._strikes = strikes
        self._batch: object = None
        self._count = 0

    def apply(
        self,
        items: Sequence[T],
        apply: Callable[[list[T]], R],
        trial: Callable[[list[T]], object],
        set_aside: Callable[[list[tuple[T, Exception]]], None],
        batch: object,
    ) -> R:
        """`apply` on the items, or on those left once the poison is set aside;
        `trial` is `apply` rolled back; `batch` names the polled batch."""
        try:
            return apply(list(items))
        except RETRIED:
            raise
        except Exception:
            poison = failing_alone(items, trial)
            if not self._to_blame(batch, len(poison), len(items)):
                raise
        set_aside(poison)
        refused = {id(item) for item, _ in poison}
        return apply([item for item in items if id(item) not in refused])

    def _to_blame(self, batch: object, failing: int, items: int) -> bool:
        if failing == 0:
            return False
        if failing < items or items == 1:
            self._batch, self._count = None, 0
            return True
        self._count = self._count + 1 if batch == self._batch else 1
        self._batch = batch
        return self._count >= self._strikes


def batch_of(batches: Mapping[Any, Sequence[Any]]) -> tuple[tuple[Any, int], ...]:
    """Names a polled batch: where it starts in each partition."""
    return tuple((tp, messages[0].offset) for tp, messages in batches.items() if messages)


class StallWatch:
    """Tells a consumer that stopped reading from one with nothing to read: it
    is stuck once a partition it reads has been behind its end without its
    position moving, or the broker could not say how far behind it is, for
    `after_s`. Judged per partition: after a broker restart only the
    partitions it led may stop, while the others read on."""

    def __init__(self, after_s: float, now: float) -> None:
        self.after_s = after_s
        self._measured_at = now
        # (topic, partition) behind its end -> (its position, since when it is there).
        self._still: dict[tuple[str, int], tuple[int, float]] = {}

    def measured(self, reading: Mapping[tuple[str, int], tuple[int, int]], now: float) -> None:
        """`reading`: (position, end offset) of each partition it reads."""
        self._measured_at = now
        still: dict[tuple[str, int], tuple[int, float]] = {}
        for key, (position, end) in reading.items():
            if position < end:
                seen = self._still.get(key)
                still[key] = seen if seen is not None and seen[0] == position else (position, now)
        self._still = still

    def stuck(self, now: float) -> bool:
        return now - self._measured_at >= self.after_s or any(
            now - since >= self.after_s for _, since in self._still.values()
        )

    def restart(self, at: float) -> None:
        """Judges afresh from `at` (a new consumer; later still, after one
        could not be made)."""
        self._measured_at = at
        self._still = {}


class KafkaFeed:
    def __init__(
        self,
        name: str,
        consumers: Callable[[], KafkaConsumer],
        topics: Sequence[str],
        stored_offsets: Callable[[], Offsets],
        lag_every_s: float = LAG_EVERY_S,
        stuck_after_s: float = FEED_STUCK_AFTER_S,
    ) -> None:
        """`consumers` makes the feed's consumer, and a new one should the old
        one be stuck for `stuck_after_s` (StallWatch, FEED_STUCK_AFTER_S);
        `lag_every_s`: how often it asks the broker how far behind it is."""
        self._lag_every_s = lag_every_s
        self._consumers = consumers
        self._consumer = consumers()
        self._topics = list(topics)
        self._stored_offsets = stored_offsets
        self._worker = Worker(name, self._step, idle_s=0)
        self._name = name
        self.applied = 0
        self.renewals = 0
        self._failed_renewals = 0
        self._lag: int | None = None
        self._partition_lags: tuple[tuple[str, int, int], ...] = ()
        self._lag_measured_at = float("-inf")
        self._watch = StallWatch(stuck_after_s, time.monotonic())

    def _step(self) -> int:
        done = self.poll_once()
        now = time.monotonic()
        if now - self._lag_measured_at >= self._lag_every_s:
            self._lag_measured_at = now
            aside = self._set_aside()
            reading = self._measured(aside)
            if reading is None:
                self._lag = None
            else:
                self._partition_lags = tuple(
                    (topic, p, max(0, end - position))
                    for (topic, p), (position, end) in reading.items()
                )
                self._lag = sum(behind for _, _, behind in self._partition_lags)
                held = {(tp.topic, tp.partition) for tp in aside}
                self._watch.measured(
                    {key: at for key, at in reading.items() if key not in held}, now
                )
        if self._watch.stuck(now):
            self._renew(now)
        return done

    def _renew(self, now: float) -> None:
        """Replaces the consumer with a new one that reads the same partitions
        from the offsets stored beside the data, as a restart would: where the
        old one stood, or, in a partition whose events a subclass still waits
        on, at the first of them. Should no new one be made (Kafka or the
        database away), the next try waits twice as long, up to 16 times."""
        log.warning(
            "%s stuck for %.0f s (a partition behind its end not moving, or its "
            "lag unknown): replacing its Kafka consumer",
            self._name,
            self._watch.after_s,
        )
        backoff = self._watch.after_s * (2 ** min(self._failed_renewals, 4) - 1)
        self._watch.restart(now + backoff)
        fresh: KafkaConsumer | None = None
        try:
            stored = self._stored_offsets()
            fresh = self._consumers()
            assign_at(fresh, sorted(self._consumer.assignment()), stored)
        except BaseException:
            self._failed_renewals += 1
            if fresh is not None:
                _close_aside(fresh, self._name)
            raise
        stuck, self._consumer = self._consumer, fresh
        self.renewals += 1
        self._failed_renewals = 0
        self._watch.restart(time.monotonic())
        _close_aside(stuck, self._name)

    def _measured(self, aside: Mapping[Any, int]) -> dict[tuple[str, int], tuple[int, int]] | None:
        """(position, end offset) by (topic, partition), for the partitions it
        reads and those set `aside` (at the offset reading them resumes); None
        when the broker cannot say now. On the worker's thread: consumers are
        not thread-safe."""
        every = sorted({*self._consumer.assignment(), *aside})
        try:
            ends = self._consumer.end_offsets(every, timeout_ms=LAG_TIMEOUT_MS)
            positions = {
                tp: aside[tp]
                if tp in aside
                else self._consumer.position(tp, timeout_ms=LAG_TIMEOUT_MS)
                for tp in every
            }
        # kafka-python lets some connection errors through bare (OSError).
        except (KafkaError, OSError):
            return None
        if any(position is None for position in positions.values()):
            return None
        return {(tp.topic, tp.partition): (int(positions[tp]), int(ends[tp])) for tp in every}

    def _set_aside(self) -> dict[Any, int]:
        """Partitions left out of the assignment for a while (TopicPartition),
        and the offset reading them resumes at: behind all the same."""
        return {}

    def poll_once(self, timeout_ms: int = POLL_TIMEOUT_MS) -> int:
        """Applies one polled batch; returns how many events were applied."""
        raise NotImplementedError

    def assign(self) -> None:
        """Takes every partition of every topic and seeks to the stored offsets."""
        assign_from(self._consumer, self._topics, self._stored_offsets())
        self._watch.restart(time.monotonic())

    def state(self) -> WorkState:
        """How its worker fares (retrying, failures, the last error's kind) and
        how far behind its topics it is."""
        return replace(
            self._worker.state(),
            feed=True,
            lag=self._lag,
            partition_lags=self._partition_lags,
            lag_lost=self._lag is None and bool(self._partition_lags),
        )

    def start(self) -> None:
        self.assign()
        self._worker.start()

    def stop(self, timeout: float = 30.0) -> None:
        if self._worker.stop(timeout):
            self._consumer.close()


def _close_aside(consumer: KafkaConsumer, name: str) -> None:
    close_aside(lambda: consumer.close(autocommit=False, timeout_ms=1000), name)
