"""What each publish was answered, kept by the caller's request id for a day.

A provincial system that lost an answer sends its request again, with the
same `x-request-id` (gRPC's retries resend it). The outbox's current revisions
tell such a retry from new content only while no newer revision of its
records was accepted in between: sent after one, a late retry would store its
older content again as a new revision, undoing the newer one. Remembering
the answer by the request id (and the caller, so that two systems choosing
the same id never meet) lets the outbox answer the retry as it answered the
original, and store nothing. A request id sent again with other records, or
other content, is a publish of its own, and each keeps its answer (a system
may name a whole sync run with one id): each is kept under the request and
its batch's fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Connection

from services.common.sql import upsert
from services.exchange.outbox_tables import answer_table

# How long an answer is kept: retries come within seconds or minutes; a day
# covers a system that retries its failed batches the next morning.
RETRY_WINDOW = dt.timedelta(days=1)

_REQUEST = "request"
_BEFORE = "before"
_RECALL = select(answer_table.c.fingerprint, answer_table.c.answers).where(
    answer_table.c.request == bindparam(_REQUEST),
    answer_table.c.stored_at >= bindparam(_BEFORE),
)
_FORGET = delete(answer_table).where(answer_table.c.stored_at < bindparam(_BEFORE))

# Per record as stored: its revision, its event id, and why it was refused ("").
Answer = tuple[int, str, str]


def request_of(caller: str, request_id: str) -> str:
    """The key an answer is kept under ("" when the call had no request id)."""
    return f"{caller} {request_id}" if request_id else ""


def fingerprint(records: Sequence[tuple[str, bytes]]) -> bytes:
    """Of a batch's records as stored: (record key, content hash), in order."""
    h = hashlib.sha256()
    for key, content_hash in records:
        h.update(key.encode())
        h.update(b"\0")
        h.update(content_hash)
    return h.digest()


def _kept_as(request: str, batch: bytes) -> str:
    # 128 bits of the fingerprint tell batches apart; the row keeps all of it.
    return f"{request} {batch[:16].hex()}"


def recall(conn: Connection, request: str, batch: bytes, now: dt.datetime) -> list[Answer] | None:
    """The answer the same request got within the window, if it held the same batch."""
    row = conn.execute(_RECALL, {_REQUEST: _kept_as(request, batch), _BEFORE: _cutoff(now)}).first()
    if row is None or bytes(row[0]) != batch:
        return None
    return [(int(r), str(e), str(why)) for r, e, why in json.loads(bytes(row[1]))]


def remember(
    conn: Connection, request: str, batch: bytes, answers: Sequence[Answer], now: dt.datetime
) -> None:
    """Keeps this answer (replacing an older one of the same request and
    batch) and drops those older than the window."""
    conn.execute(_FORGET, {_BEFORE: _cutoff(now)})
    upsert(
        conn,
        answer_table,
        [
            {
                "request": _kept_as(request, batch),
                "fingerprint": batch,
                "answers": json.dumps(answers, separators=(",", ":")).encode(),
                "stored_at": int(now.timestamp()),
            }
        ],
        key=["request"],
        update=["fingerprint", "answers", "stored_at"],
    )


def _cutoff(now: dt.datetime) -> int:
    return int((now - RETRY_WINDOW).timestamp())
