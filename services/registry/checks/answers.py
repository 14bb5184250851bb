"""Check answers serialized once, when a certificate is applied.

Checks are the registry's hottest calls. Parsing the stored event and
building the answer messages on every call cost the registry more than gRPC
itself, so the apply path stores each certificate's StoredRecord (and, for
a green certificate, its LabelMatch) already serialized. Only the status
depends on the day of the check (a certificate past valid_until or before
valid_from reads EXPIRED), so the stored bytes leave it out and a check appends it, then
wraps the matches with the fields of the moment: as_of and feed freshness.

A check of a past day or past knowledge (AsOf) reads the versions in force
then instead and answers from them through the same steps (stored_answer).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

from services.common.convert import CERTIFICATE_STATUS_TO_PB, timestamp
from services.common.wire import bytes_field, field_key, string_field, varint, varint_field
from services.core.history import AsOf
from services.core.status import CertificateStatus, effective_status
from services.registry.records.mapping import certificate_facts, feed_freshness
from services.registry.records.store import Feed, StoredRow
from yrdhub.v1 import common_pb2, events_pb2, labels_pb2, registry_pb2

_CERTIFICATE_BODIES = ("qualification", "green_cert")
_STATUS_OF = {s.value: s for s in CertificateStatus}
_STATUS_PB = {s: int(pb) for s, pb in CERTIFICATE_STATUS_TO_PB.items()}


class StoredAnswer(NamedTuple):
    """A stored answer message without its effective status, and what decides that status.

    A tuple: a batch check makes a thousand of these per call.
    """

    body: bytes
    status: str | None  # canonical status (a CertificateStatus value)
    valid_until: str | None  # ISO date
    # The status's status_effective_date (ISO), kept only for a past day's
    # answer (stored_answer): today's answers are of days it had taken effect.
    status_since: str | None = None

    def status_on(self, day: str) -> str | None:
        """Its status on `day` (ISO) as published: None (VALID within its
        dates) before the status took effect (core.status.effective_status)."""
        return None if self.status_since is not None and day < self.status_since else self.status

    def effective_status(self, today: dt.date, started: bool) -> int:
        """The CertificateStatus (protobuf value) a reader sees on `today`,
        given whether the certificate's validity had begun by then (label
        lookups decide that in SQL)."""
        iso = _iso(today)
        return _status_on(self.status_on(iso), self.valid_until, iso, today, started)


def _status_on(
    status: str | None, valid_until: str | None, today: str, day: dt.date, started: bool
) -> int:
    """The CertificateStatus (protobuf value) of a stored certificate on `day`
    (`today` is its ISO text)."""
    if started and (not valid_until or valid_until >= today):
        # Within its validity a certificate reads as published (core.status):
        # decided on ISO dates as stored, so a check parses no date.
        return _PUBLISHED_PB.get(status or "", _VALID_PB)
    published = _STATUS_OF.get(status or "", CertificateStatus.VALID)
    until = _date(valid_until) if valid_until else None
    # Not started: any day after `day` stands for valid_from in core.status.
    since = None if started else day + dt.timedelta(days=1)
    return _STATUS_PB[effective_status(published, until, day, since)]


_VALID_PB = _STATUS_PB[CertificateStatus.VALID]
_PUBLISHED_PB = {s.value: pb for s, pb in _STATUS_PB.items()}


@functools.lru_cache(maxsize=16384)
def _date(iso: str) -> dt.date:
    # Certificates share a few thousand expiry dates: parse each once.
    return dt.date.fromisoformat(iso)


@functools.lru_cache(maxsize=8)
def _iso(day: dt.date) -> str:
    return day.isoformat()


# --- written when a record is applied ------------------------------------------


def precompute(
    event: events_pb2.Event, applied_at: dt.datetime
) -> tuple[bytes | None, bytes | None]:
    """What the ingest path stores beside a record for checks (the composition
    root hands this step to it): a certificate's StoredRecord and a green
    certificate's LabelMatch, each without its effective status."""
    which = event.record.WhichOneof("body")
    if which not in _CERTIFICATE_BODIES:
        return None, None
    answer = _stored_record_body(event) + _applied_at_field(applied_at)
    return answer, _label_match_body(event) if which == "green_cert" else None


def _stored_record_body(event: events_pb2.Event) -> bytes:
    """The StoredRecord of an event's record, without applied_at and effective status
    (applied_at goes in as a second provenance field, which parsers merge into the first).

    The record goes in as its own serialization after the other fields, the
    bytes the message with it would serialize to (fields in number order, and
    record is the last one set): passing it to the constructor would copy it
    first, a fifth of this step's cost on every certificate applied."""
    head = registry_pb2.StoredRecord(
        record_key=event.record_key,
        kind=event.kind,
        provenance=common_pb2.Provenance(
            province=event.province,
            revision=event.revision,
            event_id=event.event_id,
            sequence=event.sequence,
            accepted_at=event.accepted_at,
        ),
    ).SerializeToString()
    record = event.record.SerializeToString()
    return head + _RECORD_KEY + varint(len(record)) + record


_RECORD_KEY = field_key(registry_pb2.StoredRecord.RECORD_FIELD_NUMBER)


@functools.lru_cache(maxsize=4)
def _applied_at_field(when: dt.datetime) -> bytes:
    """StoredRecord.provenance.applied_at alone (one per batch: cached)."""
    return bytes_field(
        registry_pb2.StoredRecord.PROVENANCE_FIELD_NUMBER,
        common_pb2.Provenance(applied_at=timestamp(when)).SerializeToString(),
    )


def _label_match_body(event: events_pb2.Event) -> bytes:
    """The LabelMatch of a green certificate, without effective status."""
    g = event.record.green_cert
    return labels_pb2.LabelMatch(
        province=event.province,
        record_key=event.record_key,
        body_code=g.body_code,
        certificate_number=g.certificate_number,
        label_code=g.label_code,
        enterprise_uscc=g.enterprise_uscc,
        enterprise_name=g.enterprise_name,
        product=g.product,
        model=g.model,
        evaluation_standard=g.evaluation_standard,
        valid_from=g.valid_from,
        valid_until=g.valid_until,
        status=g.status,
        revision=event.revision,
        accepted_at=event.accepted_at,
        body_name=g.body_name,
        status_effective_date=g.status_effective_date,
        # The copy alone says the newest word; a check with other copies says otherwise.
        copy_standing=labels_pb2.COPY_STANDING_CURRENT,
    ).SerializeToString()


def stored_answer(row: StoredRow) -> tuple[StoredAnswer, StoredAnswer | None, str | None]:
    """A stored version's answers, as the apply path would have stored them
    (its StoredRecord, and a green certificate's LabelMatch), and its first
    valid day: how a check of a past day or past knowledge answers from the
    version in force then."""
    event = events_pb2.Event.FromString(row.payload)
    answer, label = precompute(event, row.applied_at)
    _name, status, since, until = certificate_facts(event.record)
    body = event.record.WhichOneof("body")
    dated = getattr(event.record, body).status_effective_date if body in _CERTIFICATE_BODIES else ""
    return (
        StoredAnswer(answer or b"", status, until, dated or None),
        None if label is None else StoredAnswer(label, status, until, dated or None),
        since,
    )


# --- assembled when a check is answered ------------------------------------------

# effective_status fields, encoded once per status value.
_STORED_STATUS = {
    s: varint_field(registry_pb2.StoredRecord.EFFECTIVE_STATUS_FIELD_NUMBER, s)
    for s in _STATUS_PB.values()
}
_MATCH_STATUS = {
    s: varint_field(labels_pb2.LabelMatch.EFFECTIVE_STATUS_FIELD_NUMBER, s)
    for s in _STATUS_PB.values()
}
_CERT = registry_pb2.CheckCertificateResponse


def label_match(answer: StoredAnswer, effective_status: int) -> bytes:
    """A complete LabelMatch message, given answer.effective_status(today)."""
    return answer.body + _MATCH_STATUS[effective_status]


def as_of_field(number: int, when: AsOf) -> bytes:
    """An AsOf field: valid_on (1) and known_at (2), a Timestamp of seconds (1)
    and nanos (2)."""
    at = when.known_at
    body = (
        _valid_on_field(when.valid_on)
        + _KNOWN_AT_KEY
        + _timestamp(_seconds_field(at.replace(microsecond=0)), at.microsecond)
    )
    return field_key(number) + varint(len(body)) + body


_KNOWN_AT_KEY = field_key(common_pb2.AsOf.KNOWN_AT_FIELD_NUMBER)


@functools.lru_cache(maxsize=16)
def _valid_on_field(day: dt.date) -> bytes:
    return string_field(common_pb2.AsOf.VALID_ON_FIELD_NUMBER, day.isoformat())


def _timestamp(seconds: bytes, microsecond: int) -> bytes:
    """A Timestamp's length and fields, given its seconds field."""
    nanos = varint_field(2, microsecond * 1000) if microsecond else b""
    return varint(len(seconds) + len(nanos)) + seconds + nanos


@functools.lru_cache(maxsize=4)
def _seconds_field(second: dt.datetime) -> bytes:
    """A Timestamp's seconds field, shared by every answer within that second."""
    since = second - _EPOCH
    # An int64 as the wire writes it: a second before 1970 in two's complement.
    return varint_field(1, (since.days * 86400 + since.seconds) % (1 << 64))


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


CheckRow = tuple[bytes, str | None, str | None, str, str | None]
"""A match of a single check as the database gives it: the stored StoredRecord
answer, the canonical status, the last valid day, the province and the first
valid day (ISO dates)."""


def certificate_check(rows: list[CheckRow], when: AsOf, freshness: bytes) -> bytes:
    """A serialized CheckCertificateResponse; `freshness` is its serialized freshness
    field (mapping.certificate_freshness, built once per commit).

    The hottest call of the registry, hence written out flat: spread over a
    dozen small functions, it made single checks about a tenth slower.
    """
    day = when.valid_on
    iso = _iso(day)
    parts = [_FOUND] if rows else []
    for body, status, until, _province, since in rows:
        field = _STORED_STATUS[_status_on(status, until, iso, day, not since or since <= iso)]
        # bytes_field(MATCHES, body + field), without copying the body twice.
        parts += (_MATCHES_KEY, varint(len(body) + len(field)), body, field)
    parts += (freshness, as_of_field(_CERT.AS_OF_FIELD_NUMBER, when))
    return b"".join(parts)


_FOUND = varint_field(_CERT.FOUND_FIELD_NUMBER, 1)
_MATCHES_KEY = field_key(_CERT.MATCHES_FIELD_NUMBER)


def _freshness_field(number: int, feeds: list[Feed]) -> bytes:
    return b"".join(bytes_field(number, feed_freshness(f).SerializeToString()) for f in feeds)


def certificate_freshness(feeds: list[Feed]) -> bytes:
    """CheckCertificateResponse.freshness serialized (once per commit, by FeedCache.derived)."""
    return _freshness_field(_CERT.FRESHNESS_FIELD_NUMBER, feeds)


def label_freshness(feeds: list[Feed]) -> bytes:
    """CheckLabel(s)Response.freshness serialized (once per commit, by FeedCache.derived)."""
    return _freshness_field(labels_pb2.CheckLabelsResponse.FRESHNESS_FIELD_NUMBER, feeds)
