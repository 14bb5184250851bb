"""Whether a service is ready to be sent traffic, from how its feeds and relays
fare (services/common/worker.py).

Liveness and readiness are apart: a process whose database is away is alive
(restarting it would not help) but not ready, and one replaying the log is
alive but not ready until it has caught up. Readiness is what gRPC health
reports for the server ("" and each service) and what /readyz answers;
liveness is the health service "yrdhub.liveness" and /healthz.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.common.worker import WorkState
from services.core.provenance import utcnow

LIVENESS = "yrdhub.liveness"


@dataclass(frozen=True, slots=True)
class ReadinessPolicy:
    # A feed or relay failing longer than this makes the service not ready.
    unready_after: dt.timedelta = dt.timedelta(seconds=10)
    # A feed more events behind its topics than this is still catching up.
    max_lag: int = 1000
    # A feed's or relay's step running longer than this waits on something
    # that hangs (a paused broker or database): a step takes a second or two.
    stalled_after: dt.timedelta = dt.timedelta(seconds=30)


DEFAULT_READINESS = ReadinessPolicy()


def not_ready_because(
    work: Sequence[WorkState], now: dt.datetime, policy: ReadinessPolicy
) -> list[str]:
    """Why the service is not ready (empty: it is)."""
    reasons = []
    for state in work:
        if state.retrying and state.failing_since is not None:
            failing = now - state.failing_since
            if failing >= policy.unready_after:
                reasons.append(
                    f"{state.name} has failed for {failing.total_seconds():.0f} s "
                    f"({state.last_error}); it retries"
                )
        if stalled(state, now, policy):
            assert state.busy_since is not None
            waited = (now - state.busy_since).total_seconds()
            reasons.append(
                f"{state.name} has waited {waited:.0f} s in one step: what it reads or "
                "writes (Kafka, its database) does not answer"
            )
        if state.feed:
            if state.lag is None and state.lag_lost:
                reasons.append(
                    f"{state.name} cannot tell how far behind its topics it is: Kafka "
                    "does not answer"
                )
            elif state.lag is None:
                reasons.append(f"{state.name} has not read its topics yet")
            elif state.lag > policy.max_lag:
                reasons.append(
                    f"{state.name} is {state.lag:,} events behind its topics "
                    f"(ready within {policy.max_lag:,})"
                )
    return reasons


def stalled(state: WorkState, now: dt.datetime, policy: ReadinessPolicy) -> bool:
    """Whether a worker's step has run past `policy.stalled_after`."""
    return state.busy_since is not None and now - state.busy_since >= policy.stalled_after


class Readiness:
    """A service's feeds and relays, and whether they make it ready."""

    def __init__(
        self,
        work: Callable[[], Sequence[WorkState]],
        policy: ReadinessPolicy = DEFAULT_READINESS,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._work = work
        self._policy = policy
        self._clock = clock

    def work(self) -> list[WorkState]:
        return list(self._work())

    def not_ready_because(self, work: Sequence[WorkState] | None = None) -> list[str]:
        return not_ready_because(self.work() if work is None else work, self._clock(), self._policy)

    def in_trouble(self, state: WorkState) -> bool:
        """Whether a feed or relay is to be reported NOT_SERVING: it retries a
        failure, or its step has stalled."""
        return state.retrying or stalled(state, self._clock(), self._policy)
