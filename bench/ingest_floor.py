"""What ingest costs with nothing but its writes: a ceiling for ingest.

An exchange acknowledges a batch once its rows are durable: an outbox row per
event (the event's bytes) and the current revision of each record (to tell
new content from a re-send). This writes the rows the bench's exchanges made,
in batches of the bench's publish calls (1,000 records), one transaction a
batch with the same durability (SQLite WAL with synchronous=FULL, or the
same PostgreSQL), into fresh databases of the same schema, the four
provinces side by side as the exchanges run; no gRPC, no validation, no
signing. The floor adds the raw producer sending the same bytes: no hub moves
records from a provincial system onto Kafka faster than writing them and
producing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sqlalchemy import select

from services.common.db import make_engine
from services.common.sql import insert_ignore
from services.exchange.outbox_tables import OutboxTables, current_table, outbox_table

_BATCH = 1000


def _rows(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            outbox = [dict(r._mapping) for r in conn.execute(select(outbox_table))]
            current = [dict(r._mapping) for r in conn.execute(select(current_table))]
    finally:
        engine.dispose()
    return outbox, current


def _write(source_url: str, target_url: str) -> tuple[int, float]:
    """(events, seconds) of writing one exchange's rows into a fresh database."""
    outbox, current = _rows(source_url)
    by_key = {r["record_key"]: r for r in current}
    target = make_engine(target_url)
    try:
        OutboxTables.metadata.create_all(target)
        started = time.perf_counter()
        for start in range(0, len(outbox), _BATCH):
            part = outbox[start : start + _BATCH]
            latest = [
                by_key[k] for k in dict.fromkeys(r["record_key"] for r in part) if k in by_key
            ]
            with target.begin() as conn:
                insert_ignore(conn, outbox_table, part, key=["sequence"])
                if latest:
                    insert_ignore(conn, current_table, latest, key=["record_key"])
        return len(outbox), time.perf_counter() - started
    finally:
        target.dispose()


def outbox_write_seconds(pairs: Sequence[tuple[str, str]]) -> tuple[int, float]:
    """Events, and the time of writing each (source, target) exchange's rows,
    all at once in processes of their own as the exchanges run: the slowest's."""
    with ProcessPoolExecutor(max_workers=len(pairs)) as pool:
        done = list(pool.map(_write, *zip(*pairs, strict=True)))
    return sum(n for n, _ in done), max(s for _, s in done)


def ingest_floor_rps(
    pairs: Sequence[tuple[str, str]], produce_rps: float, log: Callable[[str], None]
) -> float:
    """Records/s of writing the exchanges' rows, then producing their bytes raw."""
    events, seconds = outbox_write_seconds(pairs)
    log(f"ingest floor: {events:,} events written in {seconds:.1f} s")
    return events / (seconds + events / produce_rps)
