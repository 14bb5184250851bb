"""Readiness from how the feeds and relays fare: failing past the threshold,
or a feed not yet read or too far behind, makes a service not ready, with
the reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from services.common.readiness import ReadinessPolicy, not_ready_because
from services.common.worker import WorkState

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
    assert not_ready_because([replace(BASE, lag=12_345)], NOW, POLICY) == [
        "registry-ingest is 12,345 events behind its topics (ready within 100)"
    ]
