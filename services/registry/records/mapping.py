"""registry.proto's record messages from stored rows: StoredRecord, FeedFreshness.

Built field by field from the stored event. Checks answer with the same
messages from bytes serialized at apply time (checks/answers.py); tests hold
the two to equal answers.
"""

from __future__ import annotations

import datetime as dt
import functools

from services.common.convert import (
    CERTIFICATE_STATUS_FROM_PB,
    CERTIFICATE_STATUS_TO_PB,
    KIND_TO_PB,
    PROVINCE_TO_PB,
    timestamp,
)
from services.core.chain import ChainReport
from services.core.provenance import Source
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.status import CertificateStatus, effective_status
from services.registry.records.store import Feed, StoredRow
from yrdhub.v1 import common_pb2, events_pb2, records_pb2, registry_pb2

_CERTIFICATES = ("qualification", "green_cert")


def stored_record(row: StoredRow, today: dt.date) -> registry_pb2.StoredRecord:
    """A stored version as the StoredRecord every answer carries; a certificate's
    effective status is its status on `today` (EXPIRED past valid_until or
    before valid_from)."""
    record = events_pb2.Event.FromString(row.payload).record
    msg = registry_pb2.StoredRecord(
        record_key=row.record_key,
        kind=KIND_TO_PB[RecordKind(row.kind)],
        provenance=common_pb2.Provenance(
            province=PROVINCE_TO_PB[Province(row.province)],
            revision=row.revision,
            event_id=row.event_id,
            sequence=row.sequence,
            accepted_at=timestamp(row.accepted_at),
            applied_at=timestamp(row.applied_at),
        ),
        record=record,
    )
    which = record.WhichOneof("body")
    if which in _CERTIFICATES:
        cert = getattr(record, which)
        published = CERTIFICATE_STATUS_FROM_PB.get(cert.status.canonical, CertificateStatus.VALID)
        until = dt.date.fromisoformat(cert.valid_until) if cert.valid_until else None
        since = dt.date.fromisoformat(cert.valid_from) if cert.valid_from else None
        dated = (
            dt.date.fromisoformat(cert.status_effective_date)
            if cert.status_effective_date
            else None
        )
        msg.effective_status = CERTIFICATE_STATUS_TO_PB[
            effective_status(published, until, today, since, dated)
        ]
    return msg


def feed_freshness(feed: Feed) -> registry_pb2.FeedFreshness:
    msg = registry_pb2.FeedFreshness(
        province=PROVINCE_TO_PB[Province(feed.province)],
        last_sequence=feed.last_sequence,
        events_applied=feed.events_applied,
    )
    if feed.last_accepted_at is not None:
        msg.last_accepted_at.CopyFrom(timestamp(feed.last_accepted_at))
    if feed.last_applied_at is not None:
        msg.last_applied_at.CopyFrom(timestamp(feed.last_applied_at))
    msg.chain.CopyFrom(chain_status(feed.chain))
    return msg


def chain_status(chain: ChainReport | None) -> registry_pb2.ChainStatus:
    if chain is None:
        return registry_pb2.ChainStatus(state=registry_pb2.CHAIN_STATE_UNVERIFIED)
    status = registry_pb2.ChainStatus(
        state=registry_pb2.CHAIN_STATE_VERIFIED,
        verified_sequence=chain.verified_sequence,
        waiting_events=chain.waiting,
    )
    if chain.broken_at is not None:
        status.state = registry_pb2.CHAIN_STATE_BROKEN
        status.problem_sequence = chain.broken_at
        status.problem = chain.broken_reason
    elif chain.waiting:
        status.state = registry_pb2.CHAIN_STATE_WAITING
        status.problem_sequence = chain.verified_sequence + 1
        status.problem = (
            f"{chain.waiting} events wait for sequence {chain.verified_sequence + 1} "
            "or for the checkpoint that covers them"
        )
    return status


def provenance(source: Source) -> common_pb2.Provenance:
    return common_pb2.Provenance(
        province=PROVINCE_TO_PB[source.province],
        revision=source.revision,
        event_id=source.event_id,
        sequence=source.sequence,
        accepted_at=timestamp(source.accepted_at),
        applied_at=timestamp(source.applied_at),
    )


def certificate_facts(
    record: records_pb2.Record,
) -> tuple[str | None, str | None, str | None, str | None]:
    """(holder name, canonical status, first and last valid day) of a certificate:
    what conflict rules compare and what decides its status and standing on the
    day of a check."""
    which = record.WhichOneof("body")
    if which == "qualification":
        name = record.qualification.institution_name
    elif which == "green_cert":
        name = record.green_cert.enterprise_name
    else:
        return None, None, None, None
    cert = getattr(record, which)
    status = CERTIFICATE_STATUS_FROM_PB.get(cert.status.canonical)
    return (
        name,
        status.value if status is not None else None,
        _iso_day(cert.valid_from, "valid_from"),
        _iso_day(cert.valid_until, "valid_until"),
    )


@functools.lru_cache(maxsize=16384)
def _iso_day(text: str, field: str) -> str | None:
    """A certificate's first or last valid day as YYYY-MM-DD, the form checks
    compare as text; a date that is no date makes the event unreadable (a dead
    letter)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{field} {text!r} is not a date") from None
