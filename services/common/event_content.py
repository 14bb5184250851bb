"""Whether an event's record is the one its content_hash was made of: the
registry sets aside an event that is not, and verify-chain names it."""

from __future__ import annotations

import hashlib

from yrdhub.v1 import events_pb2


def record_altered(event: events_pb2.Event) -> bool:
    """True when the event carries a content_hash its record does not match
    (an event without one is judged by its chain link alone)."""
    return bool(event.content_hash) and (
        hashlib.sha256(event.record.SerializeToString(deterministic=True)).digest()
        != event.content_hash
    )
