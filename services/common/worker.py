"""A background worker loop shared by the relays and the Kafka feeds.

It runs one step at a time on its own thread: again at once while steps find
work, after an idle pause (or a wake-up) when they do not, and after a
growing back-off when a step fails because Kafka or the database is down.
Work is never dropped: a failed step is simply tried again.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 10.0


@dataclass(frozen=True, slots=True)
class WorkState:
    """How a worker fares, for status RPCs and health: whether its steps are
    failing (and so retried), since when, how often, and the last error's kind
    (its text stays in the log: it may quote data)."""

    name: str
    retrying: bool
    consecutive_failures: int
    retries: int
    last_error: str | None
    failing_since: dt.datetime | None
    # A Kafka feed: how many events its topics hold past what it applied
    # (None until it has read them once). Not a feed: None.
    feed: bool = False
    lag: int | None = None
    # Items its steps did (events a feed applied, a relay published).
    done: int = 0
    # A feed's lag by (topic, partition, events behind); empty until measured.
    partition_lags: tuple[tuple[str, int, int], ...] = ()
    # A feed whose lag was measured once and cannot be now (lag None): its
    # broker does not answer, which "not read yet" would misname.
    lag_lost: bool = False
    # When the step now running began (None between steps): a step that does
    # not end (a broker that hangs, neither answering nor refusing) fails
    # nothing, so this is how it shows.
    busy_since: dt.datetime | None = None


class Worker:
    def __init__(
        self,
        name: str,
        step: Callable[[], int],
        *,
        idle_s: float,
        drain_on_stop: bool = False,
    ) -> None:
        """`step` returns how much work it did; with drain_on_stop a stop waits
        until a step finds nothing (a relay's last events go out). A failing
        step must leave things so that running it again is right (a consumer
        rewinds to its batch: see kafka_io.rewound_on_failure)."""
        self._name = name
        self._step = step
        self._idle_s = idle_s
        self._drain_on_stop = drain_on_stop
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.last_error: str | None = None
        self._failures = 0
        self._retries = 0
        self._failing_since: dt.datetime | None = None
        self._busy_since: dt.datetime | None = None
        self._done = 0

    def state(self) -> WorkState:
        failures = self._failures
        return WorkState(
            self._name,
            failures > 0,
            failures,
            self._retries,
            self.last_error.split(":", 1)[0] if self.last_error else None,
            self._failing_since,
            done=self._done,
            busy_since=self._busy_since,
        )

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> bool:
        """Lets the current step finish (and, draining, those with work); False if
        the thread still runs after `timeout`, in which case the caller must not
        close what the step uses (Kafka clients are not thread-safe)."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("%s did not stop within %.0fs", self._name, timeout)
            return False
        return True

    def _run(self) -> None:
        backoff = 0.5
        while True:
            self._busy_since = dt.datetime.now(dt.UTC)
            try:
                done = self._step()
                self._busy_since = None
                self._done += done
                self.last_error = None
                self._failures, self._failing_since = 0, None
                backoff = 0.5
            except Exception as exc:  # a dependency is down: retry, never drop
                self._busy_since = None
                self.last_error = f"{type(exc).__name__}: {exc}"
                if not self._failures:
                    self._failing_since = dt.datetime.now(dt.UTC)
                self._failures += 1
                self._retries += 1
                # Jittered: workers of several services that lost the same
                # database do not all come back at the same instant.
                delay = backoff * random.uniform(0.5, 1.0)
                log.warning("%s failed, retrying in %.1fs: %s", self._name, delay, self.last_error)
                if self._stopping.wait(delay):
                    return
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            if self._stopping.is_set() and not (done and self._drain_on_stop):
                return
            if done:
                continue
            if self._idle_s > 0:
                self._wake.wait(self._idle_s)
                self._wake.clear()
