"""Consuming Kafka into a database: the one lifecycle behind every feed in the hub.

A feed takes every partition of its topics itself (no consumer group: each
reader is an independent view of the log), resumes at the offsets its store
committed beside the data, and applies polled batches on a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from sqlalchemy.exc import DisconnectionError, InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.common.kafka_io import POLL_TIMEOUT_MS, assign_from
from services.common.worker import Worker, WorkState

Offsets = dict[tuple[str, int], int]

# How often a feed asks the broker how far behind it is (one request).
LAG_EVERY_S = 1.0

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


class KafkaFeed:
    def __init__(
        self,
        name: str,
        consumer: KafkaConsumer,
        topics: Sequence[str],
        stored_offsets: Callable[[], Offsets],
        lag_every_s: float = LAG_EVERY_S,
    ) -> None:
        """`lag_every_s`: how often it asks the broker how far behind it is."""
        self._lag_every_s = lag_every_s
        self._consumer = consumer
        self._topics = list(topics)
        self._stored_offsets = stored_offsets
        self._worker = Worker(name, self._step, idle_s=0)
        self.applied = 0
        self._lag: int | None = None
        self._partition_lags: tuple[tuple[str, int, int], ...] = ()
        self._lag_measured_at = float("-inf")

    def _step(self) -> int:
        done = self.poll_once()
        now = time.monotonic()
        if now - self._lag_measured_at >= self._lag_every_s:
            self._lag_measured_at = now
            lags = self._measured_lags()
            if lags is None:
                self._lag = None
            else:
                self._partition_lags = lags
                self._lag = sum(behind for _, _, behind in lags)
        return done

    def _measured_lags(self) -> tuple[tuple[str, int, int], ...] | None:
        """Events past the consumer's position, by (topic, partition); None
        when the broker cannot say now. On the worker's thread: consumers are
        not thread-safe."""
        aside = self._set_aside()
        every = sorted({*self._consumer.assignment(), *aside})
        try:
            ends = self._consumer.end_offsets(every)
        except KafkaError:
            return None
        return tuple(
            (
                tp.topic,
                tp.partition,
                max(
                    0,
                    int(ends[tp]) - int(aside[tp] if tp in aside else self._consumer.position(tp)),
                ),
            )
            for tp in every
        )

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

    def state(self) -> WorkState:
        """How its worker fares (retrying, failures, the last error's kind) and
        how far behind its topics it is."""
        return replace(
            self._worker.state(), feed=True, lag=self._lag, partition_lags=self._partition_lags
        )

    def start(self) -> None:
        self.assign()
        self._worker.start()

    def stop(self, timeout: float = 30.0) -> None:
        if self._worker.stop(timeout):
            self._consumer.close()
