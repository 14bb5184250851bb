"""What writing a registry's rows costs with nothing else: a ceiling for apply_ratio;
and what reading its events from Kafka and writing those rows costs together.

apply_ratio compares the registry with a consumer that only reads. Every event
the registry applies leaves two rows it must keep: the version in the history
(as-of queries) and the current record, indexed by key, certificate number,
label code and USCC (checks, institution queries, conflict rules). This writes
the rows a registry made, batch by batch and one transaction a batch, through
the same bulk-SQL path, into a fresh database of the same schema: no Kafka, no
parsing, no conflicts, no change log. No registry on this database can apply
events faster than that, even if reading them from Kafka cost nothing.

The read-and-store floor adds the reading: a plain consumer reads the topics
from offset zero on one thread and decodes each event, while a second thread
writes the rows of the events read so far, up to a registry's batch a
transaction. A registry is one process that must do both, so no registry
applies faster than that, even if everything else it does cost nothing; its
rate over the storage floor is the most apply_of_floor can reach.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaConsumer
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from bench.baselines import plain_consumer
from services.common.db import make_engine
from services.common.sql import insert_ignore
from services.registry.ingest.feed import MAX_RECORDS
from services.registry.records.store import RecordStore
from services.registry.records.tables import RecordTables
from yrdhub.v1 import events_pb2

_KEYS = {
    "record_version": ["province", "record_key", "revision"],
    "registry_record": ["province", "record_key"],
}


Rows = list[list[dict[str, Any]]]  # per table of _KEYS: its rows


def _registry_rows(url: str) -> Rows:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [[dict(r._mapping) for r in conn.execute(select(t))] for t in _tables()]
    finally:
        engine.dispose()


def _tables() -> list[Table]:
    return [RecordTables.metadata.tables[name] for name in _KEYS]


def _write(conn: Connection, rows: Rows, events: int, start: int, end: int) -> None:
    """The rows of events [start, end): their versions, and the current
    records in the same proportion."""
    for table, table_rows in zip(_tables(), rows, strict=True):
        share = table_rows[start * len(table_rows) // events : end * len(table_rows) // events]
        if share:
            insert_ignore(conn, table, share, key=_KEYS[table.name])


def storage_floor_rps(source_url: str, target_url: str, batch: int = MAX_RECORDS) -> float:
    """Events/s of writing the rows held in the registry database at source_url
    (one version per event) into a new database at target_url, in transactions
    of the most events the registry applies at once."""
    rows = _registry_rows(source_url)
    target = make_engine(target_url)
    try:
        RecordStore(target).create_schema()
        events = len(rows[0])
        started = time.perf_counter()
        for start in range(0, events, batch):
            with target.begin() as conn:
                _write(conn, rows, events, start, min(events, start + batch))
        return events / (time.perf_counter() - started)
    finally:
        target.dispose()


def read_and_store_floor_rps(
    bootstrap: str,
    topics: Sequence[str],
    source_url: str,
    target_url: str,
    batch: int = MAX_RECORDS,
    timeout: float = 300,
) -> float:
    """Events/s of reading the topics (which hold the events behind the
    registry database at source_url) and writing those events' rows into a new
    database at target_url, the two side by side in one process."""
    rows = _registry_rows(source_url)
    events = len(rows[0])
    target = make_engine(target_url)
    try:
        RecordStore(target).create_schema()
        reader = _Reader(plain_consumer(bootstrap, topics), events, batch, timeout)
        started = time.perf_counter()
        reader.start()
        try:
            written = ready = 0
            ended = False
            while written < events:
                if ended:
                    raise RuntimeError(
                        f"the reader stopped after {ready} of {events} events"
                    ) from reader.failure
                # Whatever has been read by now, as the registry's next poll would.
                counts = [reader.read.get()]  # the reader always ends with -1
                while not reader.read.empty():
                    counts.append(reader.read.get_nowait())
                ended = -1 in counts
                ready += sum(c for c in counts if c > 0)
                while written < min(ready, events):
                    end = min(ready, events, written + batch)
                    with target.begin() as conn:
                        _write(conn, rows, events, written, end)
                    written = end
            return events / (time.perf_counter() - started)
        finally:
            reader.stopping.set()
            reader.join()
    finally:
        target.dispose()


class _Reader(threading.Thread):
    """Reads the topics and decodes each event, counting what it read into
    `read` (-1 when it ends, whether done, out of time, stopped or failed)."""

    def __init__(self, consumer: KafkaConsumer, events: int, batch: int, timeout: float) -> None:
        super().__init__(name="floor-reader", daemon=True)
        self.read: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.stopping = threading.Event()
        self.failure: Exception | None = None
        self._consumer = consumer
        self._events = events
        self._batch = batch
        self._timeout = timeout

    def run(self) -> None:
        seen = 0
        deadline = time.perf_counter() + self._timeout
        try:
            while (
                seen < self._events
                and not self.stopping.is_set()
                and time.perf_counter() < deadline
            ):
                polled = self._consumer.poll(timeout_ms=100, max_records=self._batch)
                for messages in polled.values():
                    for message in messages:
                        events_pb2.Event.FromString(message.value)
                    seen += len(messages)
                    self.read.put(len(messages))
        except Exception as exc:  # the writer raises it, with how far reading got
            self.failure = exc
        finally:
            self.read.put(-1)
            self._consumer.close()
