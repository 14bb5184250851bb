"""The local hub supervises what it starts: a child killed with SIGKILL is
noticed, reaped and restarted where it was, and nothing acknowledged is lost;
one that cannot come back is given up on, loudly, and the supervision
reports that the hub did not run well (`yrdhub up` exits 1)."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.common.record_mapping import to_record_pb
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import INTAKE_NICENESS, Hub
from tests.factories import qualification
from tests.priorities import niceness

pytestmark = pytest.mark.e2e


@contextmanager
def _supervised(hub: Hub, **watchdog: float) -> Iterator[tuple[list[str], list[bool]]]:
    said: list[str] = []
    outcome: list[bool] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=lambda: outcome.append(hub.supervise(stop, said.append, **watchdog)), daemon=True
    )
    thread.start()
    try:
        yield said, outcome
    finally:
        stop.set()
        thread.join(120)


def _until(condition: object, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_the_exchanges_take_in_at_a_lower_priority_than_the_registry_carries_on(
    hub: Hub,
) -> None:
    # Children inherit this process's nice value; the exchanges go no lower.
    inherited = os.getpriority(os.PRIO_PROCESS, 0)
    intake = max(inherited, INTAKE_NICENESS)
    registry = hub.registry.pid
    assert registry is not None
    assert niceness(registry) in {(inherited, 0), (inherited, None)}
    for exchange in hub.exchanges.values():
        assert exchange.pid is not None
        assert niceness(exchange.pid) in {(intake, INTAKE_NICENESS), (intake, None)}
    restarted = hub.exchanges[Province.SH]
    restarted.stop()
    restarted.restart()
    assert restarted.pid is not None
    assert niceness(restarted.pid) in {(intake, INTAKE_NICENESS), (intake, None)}


def test_a_killed_registry_is_restarted_where_it_was_and_nothing_is_lost(hub: Hub) -> None:
    exchange = client.exchange_stub(hub.exchanges[Province.SH].address)
    registry = client.registry_stub(hub.registry.address)
    address, pid = hub.registry.address, hub.registry.pid
    assert pid is not None
    with _supervised(hub, backoff_s=0.2) as (said, outcome):
        os.kill(pid, signal.SIGKILL)
        client.publish_all(exchange, [to_record_pb(qualification(serial=1))])
        _until(lambda: "registry is serving again (restart 1)" in said, "the restart")
        assert "registry exited (killed by SIGKILL); restarting it" in said
        assert hub.registry.address == address and hub.registry.pid != pid
        client.wait_until_applied(registry, {Province.SH: 1}, timeout=60)
        # The killed process was reaped: no zombie is left behind.
        with open(f"/proc/{pid}/stat") if os.path.exists(f"/proc/{pid}") else open(os.devnull) as f:
            assert " Z " not in f.read()
    assert outcome == [False]  # a child exited: the hub did not run well


def test_a_child_that_cannot_come_back_is_given_up_on(hub: Hub) -> None:
    pid = hub.exchanges[Province.JS].pid
    assert pid is not None
    port = int(hub.exchanges[Province.JS].address.rsplit(":", 1)[1])
    with (
        socket.socket() as squatter,
        _supervised(hub, backoff_s=0.1, attempts=2) as (said, outcome),
    ):
        os.kill(pid, signal.SIGKILL)
        # Someone else takes its port: every restart fails.
        _until(lambda: hub.exchanges[Province.JS].exited() is not None, "the exit", 10)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        _until(lambda: bool(outcome), "the supervision to give up", 120)
    assert outcome == [False]
    assert any(line.startswith("GAVE UP on exchange-js") for line in said), said
    assert sum("exchange-js did not restart" in line for line in said) == 2
