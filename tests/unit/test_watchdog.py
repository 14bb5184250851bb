"""The local hub's supervision (services/hub/watchdog.py) with children that
stand in for processes: what is restarted, in which order, and when it gives up."""

from __future__ import annotations

import threading

from services.hub.watchdog import Watchdog


class _Child:
    """A process that exits when told and serves again when restarted, unless
    what it needs (`needs`) is down."""

    def __init__(self, name: str, needs: _Child | None = None) -> None:
        self.name = name
        self.needs = needs
        self.up = True
        self.reported = False
        self.starts = 0
        self.on_start: list[object] = []  # run at the next start (a fault in between)

    def die(self) -> None:
        self.up, self.reported = False, False

    def exited(self) -> int | None:
        if self.up or self.reported:
            return None
        self.reported = True
        return -9

    def restart(self, cancelled: object = None) -> None:
        self.starts += 1
        for fault in self.on_start:
            fault()  # type: ignore[operator]
        self.on_start.clear()
        if self.needs is not None and not self.needs.up:
            raise RuntimeError(f"{self.name} did not start within 60s: Bootstrap not ready")
        self.up = True


def _watch(children: list[_Child], *, until: object, attempts: int = 5) -> tuple[bool, list[str]]:
    said: list[str] = []
    stop = threading.Event()
    dog = Watchdog(children, said.append, backoff_s=0.001, max_backoff_s=0.001, attempts=attempts)
    outcome: list[bool] = []
    thread = threading.Thread(target=lambda: outcome.append(dog.watch(stop, poll_s=0.001)))
    thread.start()
    for _ in range(5000):
        if until() or not thread.is_alive():  # type: ignore[operator]
            break
        stop.wait(0.001)
    stop.set()
    thread.join(10)
    return outcome[0], said


def test_a_child_that_keeps_failing_is_given_up_on_and_the_watch_ends() -> None:
    broker = _Child("kafka")
    broker.die()
    exchange = _Child("exchange-sh", needs=broker)
    exchange.die()

    def port_taken(cancelled: object = None) -> None:
        raise RuntimeError("port taken")

    broker.restart = port_taken  # type: ignore[method-assign]
    ran_well, said = _watch([broker, exchange], until=lambda: False, attempts=3)
    assert not ran_well
    assert said[-1].startswith("GAVE UP on kafka: it failed 3 times in a row"), said
    assert exchange.starts == 0  # it waits for the broker it needs, before it


def test_a_broker_killed_while_an_exchange_restarts_is_started_before_its_next_attempt() -> None:
    """The operator's case: an exchange exits, and while it restarts the
    broker it needs is killed too. Its attempts failed for want of the broker
    until the hub gave up; the broker now starts first, then the exchange."""
    broker = _Child("kafka")
    exchange = _Child("exchange-sh", needs=broker)
    exchange.on_start.append(broker.die)  # killed during the exchange's first start
    exchange.die()
    ran_well, said = _watch(
        [broker, exchange], until=lambda: broker.up and exchange.up and exchange.starts >= 2
    )
    assert broker.up and exchange.up, said
    assert (broker.starts, exchange.starts) == (1, 2), said
    assert not ran_well  # two children exited: the watch says so
    assert any(s.startswith("kafka exited") and s.endswith("restarting it first") for s in said)
    assert said[-1] == "exchange-sh is serving again (restart 2)", said


def test_a_restart_under_way_gives_up_as_soon_as_the_hub_stops() -> None:
    """A SIGTERM to `yrdhub up` while a child restarts waited until its start
    was given up (60 s); the start now asks whether the hub is stopping, and
    its refusal is no failure: no "GAVE UP" on a normal stop, even on the
    last attempt."""
    stop = threading.Event()
    asked: list[bool] = []

    class Slow(_Child):
        def restart(self, cancelled: object = None) -> None:
            assert callable(cancelled)
            stop.set()  # the signal comes while it starts
            asked.append(cancelled())
            raise RuntimeError("start given up, the hub is stopping")

    child = Slow("exchange-sh")
    child.die()
    said: list[str] = []
    dog = Watchdog([child], said.append, backoff_s=0.001, max_backoff_s=0.001, attempts=1)
    dog.watch(stop, poll_s=0.001)
    assert asked == [True]
    assert dog.gave_up is None and not any("GAVE UP" in s or "did not restart" in s for s in said)
