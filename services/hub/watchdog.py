"""Supervision of the local hub's child processes (`yrdhub up`).

A child that exits is noticed within a poll, said, reaped, and started again
after a back-off that doubles while it keeps failing; one that fails to start
or dies again soon after `attempts` times in a row is given up on, loudly,
and the hub stops. Whether everything ran well is the answer, so that the
command's exit status tells.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol


class Child(Protocol):
    name: str

    def exited(self) -> int | None:
        """The exit status if it has exited (and is reaped now), else None."""

    def restart(self) -> None:
        """Starts it again and waits until it serves; raises if it does not."""


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class Watchdog:
    def __init__(
        self,
        children: Sequence[Child],
        say: Callable[[str], None],
        *,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        attempts: int = 5,
        stable_s: float = 60.0,
    ) -> None:
        """`stable_s`: how long a restarted child must stay up for its failures
        to be forgotten."""
        self._children = children
        self._say = say
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._attempts = attempts
        self._stable_s = stable_s
        self._strikes: dict[str, int] = {}
        self._started: dict[str, float] = {}
        # The children that are down, by name: when their next start is due.
        self._down: dict[str, float] = {}
        self.exits = 0
        self.gave_up: str | None = None

    def watch(self, stop: threading.Event, poll_s: float = 0.5) -> bool:
        """Until `stop` is set or a child is given up on; True when no child
        exited meanwhile. Children that are down are started again one
        attempt at a time, in the order given (brokers before the services
        that need them), every child looked at between two attempts: a broker
        that dies while an exchange is being restarted is not left dead
        behind it, the exchange failing for want of it."""
        while not stop.wait(poll_s):
            self._notice()
            child = self._next_due()
            if child is not None and not self._attempt(child):
                return False
        return self.exits == 0

    def _notice(self) -> None:
        """Says, and marks down, each child that exited since the last look."""
        now = time.monotonic()
        for child in self._children:
            if child.name in self._down:
                continue
            code = child.exited()
            if code is None:
                continue
            self.exits += 1
            self._say(f"{child.name} exited ({describe_exit(code)}); restarting it")
            if now - self._started.get(child.name, float("-inf")) >= self._stable_s:
                self._strikes[child.name] = 0
            self._down[child.name] = now + self._delay(self._strikes.get(child.name, 0) + 1)

    def _next_due(self) -> Child | None:
        """The first child that is down, once its back-off has passed: one
        later in the order waits for those before it."""
        for child in self._children:
            due = self._down.get(child.name)
            if due is not None:
                return child if time.monotonic() >= due else None
        return None

    def _attempt(self, child: Child) -> bool:
        """One start of `child`; False when it has failed too often."""
        strikes = self._strikes.get(child.name, 0) + 1
        if strikes > self._attempts:  # it died again soon after its last start
            return self._give_up(child)
        self._strikes[child.name] = strikes
        try:
            child.restart()
        except Exception as exc:
            self._say(f"{child.name} did not restart (attempt {strikes}): {_summary(exc)}")
            if strikes >= self._attempts:  # at once: no back-off before giving up
                return self._give_up(child)
            self._down[child.name] = time.monotonic() + self._delay(strikes + 1)
            return True
        del self._down[child.name]
        self._started[child.name] = time.monotonic()
        self._say(f"{child.name} is serving again (restart {strikes})")
        return True

    def _give_up(self, child: Child) -> bool:
        self.gave_up = child.name
        self._say(
            f"GAVE UP on {child.name}: it failed {self._attempts} times in a row "
            "(see its log in the work folder); stopping the hub"
        )
        return False

    def _delay(self, strikes: int) -> float:
        return min(self._backoff_s * 2.0 ** (strikes - 1), self._max_backoff_s)


def _summary(exc: Exception) -> str:
    """The error's first line and, when it goes on (a log's tail), its last."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} … {lines[-1]}"
