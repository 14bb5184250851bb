"""A token bucket per client: how the hub's public and sensitive endpoints
bound what one caller can ask for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """`rate` units/s per client, in bursts of at most `burst` units (a request
    costs one unit, or as many as it asks for: a batch of pseudonyms costs its
    length)."""

    def __init__(
        self, rate: float = 10.0, burst: int = 30, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def burst(self) -> int:
        return self._burst

    def allow(self, client: str, cost: float = 1.0) -> bool:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self._burst), now))
            tokens = min(float(self._burst), tokens + (now - last) * self._rate)
            allowed = tokens >= cost
            self._buckets[client] = (tokens - cost if allowed else tokens, now)
            if len(self._buckets) > 100_000:  # forget idle clients rather than grow forever
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return allowed
