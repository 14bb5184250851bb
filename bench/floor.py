"""What writing a registry's rows costs with nothing else: a ceiling for apply_ratio.

apply_ratio compares the registry with a consumer that only reads. Every event
the registry applies leaves two rows it must keep: the version in the history
(as-of queries) and the current record, indexed by key, certificate number,
label code and USCC (checks, institution queries, conflict rules). This writes
the rows a registry made, batch by batch and one transaction a batch, through
the same bulk-SQL path, into a fresh database of the same schema: no Kafka, no
parsing, no conflicts, no change log. No registry on this database can apply
events faster than that, even if reading them from Kafka cost nothing.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from services.common.db import make_engine
from services.common.sql import insert_ignore
from services.registry.ingest.feed import MAX_RECORDS
from services.registry.records.store import RecordStore
from services.registry.records.tables import RecordTables

_KEYS = {
    "record_version": ["province", "record_key", "revision"],
    "registry_record": ["province", "record_key"],
}


def storage_floor_rps(source_url: str, target_url: str, batch: int = MAX_RECORDS) -> float:
    """Events/s of writing the rows held in the registry database at source_url
    (one version per event) into a new database at target_url, in transactions
    of the most events the registry applies at once."""
    tables = [RecordTables.metadata.tables[name] for name in _KEYS]
    source = make_engine(source_url)
    try:
        with source.connect() as conn:
            rows: list[list[dict[str, Any]]] = [
                [dict(r._mapping) for r in conn.execute(select(t))] for t in tables
            ]
    finally:
        source.dispose()
    target = make_engine(target_url)
    try:
        RecordStore(target).create_schema()
        events = len(rows[0])
        started = time.perf_counter()
        for start in range(0, events, batch):
            with target.begin() as conn:
                for table, table_rows in zip(tables, rows, strict=True):
                    part = table_rows[start : start + batch]
                    if part:
                        insert_ignore(conn, table, part, key=_KEYS[table.name])
        return events / (time.perf_counter() - started)
    finally:
        target.dispose()
