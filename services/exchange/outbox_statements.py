"""The outbox's statements, made once: each call binds its values.

A publish of one record and the relay's turn after it run about twenty
statements. Made afresh on each call, SQLAlchemy builds each one and its
cache key again, which took longer than running them (about 100 µs a
statement here, against 40 µs for a lookup): most of the time a single
status change spent in the exchange's SQL. Statements that look values up
in a list take it as one parameter (services.common.sql.among_bound), so
they are made once per dialect.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.sql.dml import Insert, Update

from services.common.sql import among_bound
from services.exchange.outbox_tables import (
    checkpoint_table,
    current_table,
    cursor_table,
    final_table,
    head_table,
    outbox_table,
    repeated_table,
    request_table,
    state_table,
)

# Parameter names the statements below take.
KEYS = "keys"
PUBLISHED = "published"
LIMIT = "limit"
FIRST = "first"
LAST = "last"

LAST_SEQUENCE = select(state_table.c.last_sequence).where(state_table.c.id == 1)
LAST_SEQUENCE_FOR_UPDATE = LAST_SEQUENCE.with_for_update()
CHAIN_LINK = select(head_table.c.chain_link).where(head_table.c.id == 1)
LAST_PUBLISHED = select(cursor_table.c.last_published_sequence).where(cursor_table.c.id == 1)
SET_LAST_SEQUENCE: Update = update(state_table).where(state_table.c.id == 1)
SET_HEAD: Update = update(head_table).where(head_table.c.id == 1)
ADD_REQUEST: Insert = request_table.insert()
MARK_PUBLISHED: Update = (
    update(cursor_table)
    .where(
        cursor_table.c.id == 1,
        cursor_table.c.last_published_sequence < bindparam(LAST),
    )
    .values(last_published_sequence=bindparam(LAST))
)
PENDING = (
    select(
        outbox_table.c.sequence,
        outbox_table.c.record_key,
        outbox_table.c.kind,
        outbox_table.c.payload,
    )
    .where(outbox_table.c.sequence > bindparam(PUBLISHED))
    .order_by(outbox_table.c.sequence)
    .limit(bindparam(LIMIT))
)
PENDING_CHECKPOINTS = select(checkpoint_table.c.sequence, checkpoint_table.c.payload).where(
    checkpoint_table.c.sequence > bindparam(PUBLISHED),
    checkpoint_table.c.sequence <= bindparam(LAST),
)
REQUEST_SPANS = (
    select(
        request_table.c.first_sequence, request_table.c.last_sequence, request_table.c.request_id
    )
    .where(
        request_table.c.last_sequence >= bindparam(FIRST),
        request_table.c.first_sequence <= bindparam(LAST),
    )
    # Spans do not overlap, so this is also their first sequences' order;
    # ordered by those, SQLite walked every request since the exchange
    # began rather than the index from the relay's place.
    .order_by(request_table.c.last_sequence)
)


class Lookups(NamedTuple):
    """Statements that look up the records listed in parameter KEYS."""

    current: Select[str, bytes, int, str]
    repeated: Select[str, int, bytes, str]
    final: Select[str, str]


@functools.cache
def lookups(dialect: str) -> Lookups:
    return Lookups(
        select(
            current_table.c.record_key,
            current_table.c.content_hash,
            current_table.c.revision,
            current_table.c.event_id,
        ).where(among_bound(dialect, current_table.c.record_key, KEYS)),
        select(
            repeated_table.c.record_key,
            repeated_table.c.revision,
            repeated_table.c.content_hashes,
            repeated_table.c.event_ids,
        ).where(among_bound(dialect, repeated_table.c.record_key, KEYS)),
        select(final_table.c.record_key, final_table.c.status).where(
            among_bound(dialect, final_table.c.record_key, KEYS)
        ),
    )
