"""Readiness from how the feeds and relays fare: failing past the threshold,
or a feed not yet read or too far behind, makes a service not ready, with
the reason."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

from services.common.readiness import Readiness, ReadinessPolicy, not_ready_because
from services.common.worker import Worker, WorkState

NOW = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
POLICY = ReadinessPolicy(unready_after=dt.timedelta(seconds=10), max_lag=100)


BASE = WorkState("registry-ingest", False, 0, 0, None, None, feed=True, lag=0)


def test_caught_up_feeds_and_healthy_relays_are_ready() -> None:
    relay = replace(BASE, name="outbox-relay", feed=False, lag=None)
    assert not_ready_because([replace(BASE, lag=100), relay], NOW, POLICY) == []


def test_a_failure_makes_it_unready_only_past_the_threshold() -> None:
    failing = replace(BASE, retrying=True, last_error="OperationalError", consecutive_failures=3)
    recent = replace(failing, failing_since=NOW - dt.timedelta(seconds=9))
    assert not_ready_because([recent], NOW, POLICY) == []
    old = replace(failing, failing_since=NOW - dt.timedelta(seconds=12))
    assert not_ready_because([old], NOW, POLICY) == [
        "registry-ingest has failed for 12 s (OperationalError); it retries"
    ]


def test_a_feed_not_yet_read_or_behind_is_catching_up() -> None:
    assert not_ready_because([replace(BASE, lag=None)], NOW, POLICY) == [
        "registry-ingest has not read its topics yet"
    ]
    # Read before, and its broker paused now: not "not read yet".
    assert not_ready_because([replace(BASE, lag=None, lag_lost=True)], NOW, POLICY) == [
        "registry-ingest cannot tell how far behind its topics it is: Kafka does not answer"
    ]
    assert not_ready_because([replace(BASE, lag=12_345)], NOW, POLICY) == [
        "registry-ingest is 12,345 events behind its topics (ready within 100)"
    ]


def test_a_step_that_hangs_makes_it_unready_and_its_work_not_serving() -> None:
    """A paused broker neither answers nor refuses: the relay's step waited
    on it, failing nothing, and health, status and /readyz all said it was
    fine while the events waited. Past the threshold it shows."""
    relay = replace(BASE, name="outbox-relay", feed=False, lag=None)
    waiting = replace(relay, busy_since=NOW - dt.timedelta(seconds=29))
    assert not_ready_because([waiting], NOW, POLICY) == []
    hung = replace(relay, busy_since=NOW - dt.timedelta(seconds=80))
    assert not_ready_because([hung], NOW, POLICY) == [
        "outbox-relay has waited 80 s in one step: what it reads or writes (Kafka, its "
        "database) does not answer"
    ]
    readiness = Readiness(lambda: [hung], POLICY, clock=lambda: NOW)
    assert readiness.in_trouble(hung) and not readiness.in_trouble(waiting)
    assert not readiness.in_trouble(relay)


def test_a_worker_says_when_its_running_step_began_and_nothing_between_steps() -> None:
    entered, release = threading.Event(), threading.Event()

    def step() -> int:
        entered.set()
        release.wait(10)
        return 0

    worker = Worker("outbox-relay", step, idle_s=60)
    worker.start()
    try:
        assert entered.wait(10)
        busy = worker.state().busy_since
        assert busy is not None and dt.datetime.now(dt.UTC) - busy < dt.timedelta(seconds=10)
        release.set()
        for _ in range(100):
            if worker.state().busy_since is None:
                break
            threading.Event().wait(0.01)
        assert worker.state().busy_since is None
    finally:
        release.set()
        worker.stop(5)
