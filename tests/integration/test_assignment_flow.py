"""Assignment changes flow from the registry's pool through Kafka to the home exchange."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy.engine import Engine

from devtools.pool_data import load_registry
from services.common.db import make_engine
from services.common.kafka_io import assignment_topic, ensure_topics, make_consumer, make_producer
from services.core.provinces import Province
from services.core.team_requests import TeamRequest
from services.exchange.home_assignments import AssignmentFeed, HomeAssignments
from services.registry.pool.draws import AssessorPool
from services.registry.pool.policies import load_inspection, load_recusal
from services.registry.pool.relay import AssignmentRelay, event_payload
from services.registry.pool.store import PoolStore
from services.registry.pool.view import PoolView
from tests.conftest import Databases
from tests.integration.pool_records import assessor, days_ahead, uscc
from yrdhub.v1 import assessor_pool_pb2, common_pb2, records_pb2

LEADER = records_pb2.ASSESSOR_LEVEL_TEAM_LEADER
ACTIVE = assessor_pool_pb2.ASSIGNMENT_STATE_ACTIVE
CANCELLED = assessor_pool_pb2.ASSIGNMENT_STATE_CANCELLED


@dataclass
class Flow:
    registry: Engine
    exchange: Engine
    pool: AssessorPool
    relay: AssignmentRelay
    home: HomeAssignments
    topic: str
    bootstrap: str

    def feed(self) -> AssignmentFeed:
        feed = AssignmentFeed(
            self.home, partial(make_consumer, self.bootstrap, "test-home"), self.topic, Province.SH
        )
        feed.assign()
        return feed


@pytest.fixture
def flow(databases: Databases, kafka_bootstrap: str, unique_topic_prefix: str) -> Iterator[Flow]:
    registry = make_engine(databases.new("registry"))
    exchange = make_engine(databases.new("exchange"))
    load_registry(
        registry,
        {
            Province.SH: [assessor("Ash-leader1", level=LEADER), assessor("Ash-member1")],
            Province.JS: [
                assessor("Ajs-leader1", level=LEADER, province=common_pb2.PROVINCE_JS),
                assessor("Ajs-member1", province=common_pb2.PROVINCE_JS),
            ],
        },
    )
    store = PoolStore(registry, event_payload)
    store.create_schema()
    view = PoolView(registry)
    topic = assignment_topic(unique_topic_prefix)
    ensure_topics(kafka_bootstrap, [topic])
    relay = AssignmentRelay(store, make_producer(kafka_bootstrap, "test-pool"), topic)
    pool = AssessorPool(store, view, load_recusal(), load_inspection(), on_change=relay.wake)
    home = HomeAssignments(exchange)
    home.create_schema()
    try:
        yield Flow(registry, exchange, pool, relay, home, topic, kafka_bootstrap)
    finally:
        relay.stop()
        registry.dispose()
        exchange.dispose()


def _until(feed: AssignmentFeed, done: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the home exchange did not hear of the change")
        feed.poll_once(timeout_ms=200)


def _request(start: str) -> TeamRequest:
    return TeamRequest(
        institution_uscc=uscc("91320100MA1XYW123"),
        institution_province="ZJ",
        fields=["04"],
        start_date=start,
        end_date=start,
        size=4,
    )


def test_assignments_and_their_cancellation_reach_the_home_exchange_only(flow: Flow) -> None:
    drawn = flow.pool.request_team(_request(days_ahead(30).isoformat()))
    assert drawn.row.state == "DRAWN"
    assert {a.home_province for a in drawn.assignments} == {"SH", "JS"}
    sh = {a.assignment_id for a in drawn.assignments if a.home_province == "SH"}
    assert flow.relay.drain_once() == 4

    feed = flow.feed()
    _until(feed, lambda: len(flow.home.list("", True, 100)) == 2)
    held = flow.home.list("", True, 100)
    assert {a.assignment_id for a in held} == sh  # Jiangsu's stay in Jiangsu's exchange
    assert {a.state for a in held} == {ACTIVE}

    leader = next(a for a in drawn.assignments if a.assessor_id == "Ash-leader1")
    flow.pool.cancel(leader.assignment_id, "另有任务")
    assert flow.relay.drain_once() == 1
    _until(feed, lambda: len(flow.home.list("", False, 100)) == 1)
    [cancelled] = flow.home.list("Ash-leader1", True, 100)
    assert (cancelled.state, cancelled.revision, cancelled.cancel_reason) == (
        CANCELLED,
        2,
        "另有任务",
    )
    feed.stop()

    # A restarted exchange resumes after what it stored: nothing applied twice,
    # and an old revision arriving again changes nothing.
    again = flow.feed()
    assert again.poll_once(timeout_ms=1000) == 0
    flow.relay.drain_once()
    [still] = flow.home.list("Ash-leader1", True, 100)
    assert still.revision == 2
    again.stop()


def test_the_relay_runs_in_the_background_and_is_woken_by_draws(flow: Flow) -> None:
    flow.relay.start()
    flow.pool.request_team(_request(days_ahead(60).isoformat()))
    feed = flow.feed()
    _until(feed, lambda: len(flow.home.list("", False, 100)) == 2)
    feed.stop()


def test_an_assignment_event_the_exchange_cannot_store_does_not_stop_its_feed(
    flow: Flow,
) -> None:
    """An event for this province whose dates are no dates (a faulty or hostile
    producer) is skipped with a log line; the assignments around it arrive."""
    drawn = flow.pool.request_team(_request(days_ahead(60).isoformat()))
    producer = make_producer(flow.bootstrap, "test-poison")
    poison = assessor_pool_pb2.AssignmentEvent()
    poison.assignment.assignment_id = "asg-poison"
    poison.assignment.assessor_id = "Ash-member1"
    poison.assignment.home_province = common_pb2.PROVINCE_SH
    poison.assignment.revision = 1
    poison.assignment.start_date = "2026-13-45"
    poison.assignment.end_date = "2026-13-46"
    producer.send(flow.topic, key=b"asg-poison", value=poison.SerializeToString()).get(10)
    producer.close()
    assert flow.relay.drain_once() == 4
    sh = {a.assignment_id for a in drawn.assignments if a.home_province == "SH"}
    feed = flow.feed()
    _until(feed, lambda: {a.assignment_id for a in flow.home.list("", True, 100)} == sh)
    # Stored past it: a restart does not meet it again.
    assert sum(flow.home.offsets().values()) == 5
    feed.stop()
