"""Publish calls that arrive together: each is taken whole, one after another."""

from __future__ import annotations

import datetime as dt
import threading
import time

from devtools.datagen import generate
from services.common.db import make_engine
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher
from yrdhub.v1 import records_pb2

CALLS = 3


def test_calls_made_together_are_each_checked_and_stored_before_the_next_begins(
    db_url: str,
) -> None:
    """A call's records reach the outbox (and so the relay) without waiting
    for calls that came after it: calls are not checked side by side."""
    records = generate(40, seed=11, invalid_ratio=0.0).by_province[Province.SH]
    per_call = len(records) // CALLS
    calls = [records[i * per_call : (i + 1) * per_call] for i in range(CALLS)]
    outbox = Outbox(make_engine(db_url), "SH")
    outbox.create_schema()
    # The publisher reads its clock for every record it checks and once to
    # store: who read it, in order, is the order the work was done in. Each
    # read lets the other threads run, as a busy exchange's would.
    readers: list[str] = []

    def clock() -> dt.datetime:
        readers.append(threading.current_thread().name)
        time.sleep(0.001)
        return dt.datetime.now(dt.UTC)

    publisher = Publisher(Province.SH, outbox, clock=clock)
    outcomes: dict[str, list[Outcome]] = {}

    def call(name: str, batch: list[records_pb2.Record]) -> None:
        outcomes[name] = [r.outcome for r in publisher.publish(batch)]

    threads = [
        threading.Thread(target=call, args=(f"call-{i}", batch), name=f"call-{i}")
        for i, batch in enumerate(calls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert all(o == [Outcome.ACCEPTED] * per_call for o in outcomes.values()), outcomes
    turns = [name for i, name in enumerate(readers) if i == 0 or readers[i - 1] != name]
    assert sorted(turns) == sorted(t.name for t in threads), f"calls interleaved: {turns[:9]}..."
    assert outbox.status().last_sequence == CALLS * per_call
