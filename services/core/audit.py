"""The audit trail's entries and their hash chain.

Every publish, every read of assessors' identities, every pool action and
every refusal is recorded by the service that did it, in its own database:
who (the caller's certificate identity), when, which method, the outcome and
what was touched. Entries are append-only and chained like the provinces'
events: entry_hash(n) = SHA-256(entry_hash(n-1) || the entry's canonical
JSON), so removing or altering one breaks every later hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

GENESIS = bytes(32)


@dataclass(frozen=True, slots=True)
class AuditFacts:
    """What one call did, before it takes its place in the chain."""

    at: dt.datetime
    caller: str  # the identity's URI; "anonymous" without a certificate
    caller_province: str  # "" for the registry, the operator or anyone anonymous
    method: str  # e.g. "/yrdhub.v1.ExchangeService/PublishRecords"
    outcome: str  # "OK", or the gRPC status name of a refusal or failure
    touched: str  # what was read or changed, in words and ids


@dataclass(frozen=True, slots=True)
class AuditEntry:
    sequence: int
    facts: AuditFacts
    previous_hash: bytes
    entry_hash: bytes


def canonical(facts: AuditFacts) -> bytes:
    return json.dumps(
        {
            "at": facts.at.astimezone(dt.UTC).isoformat(),
            "caller": facts.caller,
            "caller_province": facts.caller_province,
            "method": facts.method,
            "outcome": facts.outcome,
            "touched": facts.touched,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def chained(previous: bytes, facts: AuditFacts) -> bytes:
    return hashlib.sha256(previous + canonical(facts)).digest()


def broken_at(entries: Sequence[AuditEntry], start: bytes = GENESIS) -> int | None:
    """The first entry whose hash does not follow (None: the chain holds)."""
    previous = start
    for entry in entries:
        if entry.previous_hash != previous or entry.entry_hash != chained(previous, entry.facts):
            return entry.sequence
        previous = entry.entry_hash
    return None
