"""Supervision of the local hub's child processes (`yrdhub up`).

A child that exits is noticed within a poll, said, reaped, and started again
after a back-off that doubles while it keeps failing; one that fails to start
or dies again soon after `attempts` times in a row is given up on, loudly,
and the hub stops. Children are listed in the order they need each other
(brokers, the registry, the exchanges): when a start fails, those before it
that exited meanwhile are started first. Whether everything ran well is the
answer, so that the command's exit status tells.
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

    def restart(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Starts it again and waits until it serves; raises if it does not,
        or as soon as `cancelled` (the hub is stopping)."""


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
        self.exits = 0
        self.gave_up: str | None = None

    def watch(self, stop: threading.Event, poll_s: float = 0.5) -> bool:
        """Until `stop` is set or a child is given up on; True when no child
        exited meanwhile."""
        while not stop.wait(poll_s):
            if not self._restart_exited(self._children, stop, "restarting it"):
                return False
        return self.exits == 0

    def _restart_exited(self, children: Sequence[Child], stop: threading.Event, doing: str) -> bool:
        """Restarts those of `children` that have exited, in order; False when
        one is given up on."""
        for child in children:
            code = child.exited()
            if code is None:
                continue
            self.exits += 1
            self._say(f"{child.name} exited ({describe_exit(code)}); {doing}")
            if not self._restart(child, stop):
                return False
        return True

    def _restart(self, child: Child, stop: threading.Event) -> bool:
        now = time.monotonic()
        strikes = self._strikes.get(child.name, 0)
        if now - self._started.get(child.name, float("-inf")) >= self._stable_s:
            strikes = 0
        while True:
            strikes += 1
            if strikes > self._attempts:
                self.gave_up = child.name
                self._say(
                    f"GAVE UP on {child.name}: it failed {self._attempts} times in a row "
                    "(see its log in the work folder); stopping the hub"
                )
                return False
            delay = min(self._backoff_s * 2 ** (strikes - 1), self._max_backoff_s)
            if stop.wait(delay):
                return True  # stopping anyway
            try:
                child.restart(stop.is_set)
            except Exception as exc:
                if stop.is_set():
                    return True  # the start was given up: the hub is stopping
                self._say(f"{child.name} did not restart (attempt {strikes}): {_summary(exc)}")
                # What failed it may be a child it needs that exited meanwhile
                # (a broker killed while an exchange restarts): those before
                # it start first, or its attempts fail for want of them.
                needed = self._children[: self._children.index(child)]
                if not self._restart_exited(needed, stop, "restarting it first"):
                    return False
                continue
            self._strikes[child.name] = strikes
            self._started[child.name] = time.monotonic()
            self._say(f"{child.name} is serving again (restart {strikes})")
            return True


def _summary(exc: Exception) -> str:
    """The error's first line and, when it goes on (a log's tail), its last."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} … {lines[-1]}"
