"""The publish use case: validate a batch, store it in the outbox, wake the relay."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Connection

from services.common.audit_log import AuditLog
from services.common.auditing import PUBLISH, facts_of, publish_summary
from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB, timestamp
from services.common.identity_places import strip_identities
from services.common.normalised_message import write_normalised
from services.common.record_mapping import record_fields
from services.common.wire import bytes_field
from services.core.audit import AuditFacts
from services.core.errors import InvalidRequest, Unavailable, Violation
from services.core.fields import record_key
from services.core.identity import Identity
from services.core.label_format import GreenLabelFormat
from services.core.provenance import china_date, utcnow
from services.core.provinces import Province
from services.core.records import (
    CreditEvent,
    GreenCertification,
    Record,
    RecordKind,
    SignatoryBan,
    kind_of,
)
from services.core.status import CertificateStatus
from services.core.transitions import StatusRules
from services.core.validation import Refused, validate_record
from services.exchange.identities import PendingIdentity
from services.exchange.outbox import Candidate, NewEvent, Outbox, Stored
from services.exchange.pseudonymising import Pseudonymiser, identity_slots
from services.exchange.publish_answers import request_of
from yrdhub.v1 import common_pb2, events_pb2, records_pb2

log = logging.getLogger(__name__)
MAX_BATCH = 5000
# Fields whose refusal reasons may quote a person's identity: logged by name only.
_PERSONAL = ".identity"
# What an event adds to its record, at most: ids, the key, hashes, the
# warnings, and Kafka's own framing of one message.
EVENT_ALLOWANCE = 8 * 1024


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RecordResult:
    index: int
    outcome: Outcome
    record_key: str = ""
    revision: int = 0
    event_id: str = ""
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)


# The event's record, appended as bytes (a parser takes fields in any order).
_RECORD_FIELD = events_pb2.Event.DESCRIPTOR.fields_by_name["record"].number
# The kinds a Record may carry, as an empty one is told (from the contract:
# a kind added there is named here too).
_BODIES = ", ".join(f.name for f in records_pb2.Record.DESCRIPTOR.oneofs_by_name["body"].fields)


@dataclass(frozen=True, slots=True)
class _Ready:
    index: int
    # The record's canonical bytes: what its content hash is over, and what its event carries.
    body: bytes
    candidate: Candidate
    warnings: list[Violation]  # in the answer and in the event
    identities: tuple[PendingIdentity, ...] = ()
    # In the answer alone: about an identity, which never leaves the exchange
    # (a warning may quote part of its number).
    identity_warnings: tuple[Violation, ...] = ()
    # A removal's: the key of the listing or ban it names (lifts_reference).
    lifts: str = ""


# Events an outbox may hold that Kafka has not acknowledged (a day of a busy
# province's records, a few GB on disk), and when a refused publish may retry.
DEFAULT_MAX_PENDING = 500_000
RETRY_AFTER_S = 5.0


def canonical_bytes(raw: records_pb2.Record, record: Record, given: dict[str, Any]) -> bytes:
    """The record's canonical bytes: those of the message received, with
    what validation normalised written back into it (one change of form: the
    message is read and checked, then sent on, never rebuilt). `given`: the
    fields the record was validated from, as the message now holds them (a
    person's identity already taken out of it, their pseudonym put in:
    services.exchange.pseudonymising). The same content in any form gives the
    same bytes (tests/unit/test_canonical_bytes.py), so a record sent again in
    another form is still UNCHANGED."""
    # Fields of a newer contract: neither validated nor forwarded.
    raw.DiscardUnknownFields()
    write_normalised(
        getattr(raw, raw.WhichOneof("body") or ""), record.model_dump(mode="json"), given
    )
    return raw.SerializeToString(deterministic=True)


def _refused(index: int, field: str, description: str, record_key: str = "") -> RecordResult:
    """A record refused for one reason; `record_key` once it is known (the
    record was read far enough), so that a system can tell which it was."""
    return RecordResult(
        index, Outcome.REJECTED, record_key, violations=[Violation(field, description)]
    )


def new_event_id() -> str:
    """A random (version 4) UUID string; uuid.uuid4() costs several times more."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Publisher:
    def __init__(
        self,
        province: Province,
        outbox: Outbox,
        *,
        on_stored: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = utcnow,
        pseudonyms: Pseudonymiser | None = None,
        max_event_bytes: int = 1024 * 1024,
        max_pending: int = DEFAULT_MAX_PENDING,
        status_rules: StatusRules | None = None,
        green_labels: GreenLabelFormat | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        """`max_event_bytes`: the largest message the topics take (kafka_io.
        message_limit): a record too large for it is refused here, since the
        relay could never publish it. `max_pending`: events the outbox may hold
        that Kafka has not acknowledged; beyond, a publish is UNAVAILABLE with
        a retry hint (Kafka is away or slow), and nothing is stored.
        `status_rules`: the statuses each kind may be published with (the
        outbox keeps final ones final). `green_labels`: the label codes the
        national platform issues (None: any the record model takes). `audit`:
        the trail each publish that passes the batch's checks is recorded in,
        in the transaction that stores its records (None: not recorded here;
        a refused batch is recorded by the server's audit hook)."""
        self._max_pending = max_pending
        self._status_rules = status_rules
        self._green_labels = green_labels
        self._province = province
        self._outbox = outbox
        self._on_stored = on_stored
        self._clock = clock
        self._pseudonyms = pseudonyms
        self._max_record_bytes = max_event_bytes - EVENT_ALLOWANCE
        self._one_call_at_a_time = threading.Lock()
        self._audit = audit

    def publish(
        self,
        records: Sequence[records_pb2.Record],
        request_id: str = "",
        caller: Identity | None = None,
        retryable: bool = True,
    ) -> list[RecordResult]:
        """One result per record, in order; returns once accepted ones are
        committed, with the audit entry of `caller`'s publish. `request_id`
        goes with the events to Kafka and into the log, with a line per
        refused record; `retryable`: the caller named it, so it may send the
        call again under it and the answer is kept for that (an id made for
        the call is never sent again). Each record is left as it went on: fields this
        contract does not know discarded (never forwarded), what validation
        normalised written back, a person's identity replaced by their
        pseudonym (pass copies to keep the originals)."""
        if not records:
            raise InvalidRequest("empty batch", [Violation("records", "send at least one record")])
        if len(records) > MAX_BATCH:
            raise InvalidRequest(
                "batch too large",
                [Violation("records", f"{len(records)} records; at most {MAX_BATCH} per call")],
            )
        pending = self._outbox.unpublished_count()
        if pending >= self._max_pending:
            raise Unavailable(
                f"{pending:,} events wait for Kafka, the most this exchange holds "
                f"(--outbox-max-pending {self._max_pending:,}): Kafka is away or slow; "
                f"retry in {RETRY_AFTER_S:.0f} s, they go out once it is back",
                retry_after=RETRY_AFTER_S,
            )
        # Before anything is stored: a batch whose ids cannot be had is refused whole.
        derived = {} if self._pseudonyms is None else self._pseudonyms.derive(records)
        results: dict[int, RecordResult] = {}
        ready: list[_Ready] = []
        # One call at a time, roughly in the order they came: calls checked
        # side by side under the GIL each took as long as all of them, and the
        # relay had none of their records until the last was stored (four
        # calls of 1,000 in flight: nothing reached Kafka for half a second).
        with self._one_call_at_a_time:
            for index, raw in enumerate(records):
                checked = self._check(index, raw, derived)
                if isinstance(checked, RecordResult):
                    results[index] = checked
                else:
                    ready.append(checked)
            if ready:
                self._warn_of_unknown_lifts(ready)
                retry_key = request_of(str(caller or ""), request_id) if retryable else ""
                self._store(ready, results, request_id, caller, len(records), retry_key)
        if not ready and self._audit is not None:  # nothing to store: the entry alone
            self._audit.append(_audit_facts(caller, results, len(records)))
        answers = [results[i] for i in range(len(records))]
        log_outcomes(request_id, answers)
        return answers

    def _check(
        self, index: int, raw: records_pb2.Record, derived: dict[str, str]
    ) -> _Ready | RecordResult:
        parsed = record_fields(raw)
        if parsed is None:
            return _refused(
                index,
                "record",
                f"empty: set one of {_BODIES}",
            )
        kind, values = parsed
        identities: list[PendingIdentity] = []
        slots = identity_slots(raw)
        if slots:
            if self._pseudonyms is None:
                return _refused(index, f"{slots[0].path}.identity", "not accepted by this exchange")
            applied = self._pseudonyms.apply(slots, values, derived)
            if applied and isinstance(applied[0], Violation):
                return RecordResult(index, Outcome.REJECTED, violations=list(applied))
            identities = [p for p in applied if isinstance(p, PendingIdentity)]
        if strip_identities(raw):
            # An identity where no slot is (a newer contract's place for one):
            # what goes on is the message itself, so it is never accepted.
            return _refused(
                index, "record", "carries a person's identity where this exchange takes none"
            )
        verdict = validate_record(kind, values, self._province, china_date(self._clock()))
        if isinstance(verdict, Refused):
            return RecordResult(index, Outcome.REJECTED, violations=verdict.violations)
        record = verdict.record
        status = getattr(record, "status", None)
        if self._status_rules is not None and isinstance(status, CertificateStatus):
            why = self._status_rules.refusal(kind, status)
            if why is not None:
                return _refused(index, f"{kind.value}.status", why, record.key)
        if self._green_labels is not None and isinstance(record, GreenCertification):
            why = self._green_labels.refusal(record.label_code)
            if why is not None:
                return _refused(index, "green_cert.label_code", why, record.key)
        body = canonical_bytes(raw, record, values)
        if len(body) > self._max_record_bytes:
            return _refused(
                index,
                "record",
                f"{len(body):,} bytes once encoded; the hub's topics take records of "
                f"at most {self._max_record_bytes:,}: publish fewer items in it",
                record.key,
            )
        candidate = Candidate(
            record.key,
            kind_of(record).value,
            hashlib.sha256(body).digest(),
            status.value if isinstance(status, CertificateStatus) else "",
        )
        about_identities = tuple(Violation(f, w) for i in identities for f, w in i.warnings)
        lifts = ""
        if isinstance(record, CreditEvent | SignatoryBan) and record.lifts_reference:
            lifts = record_key(kind, record.listing_province.value, record.lifts_reference)
        return _Ready(
            index, body, candidate, verdict.warnings, tuple(identities), about_identities, lifts
        )

    def _warn_of_unknown_lifts(self, ready: list[_Ready]) -> None:
        """A removal naming a listing (or ban) this exchange never published
        is stored, since the listing may follow, but lifts nothing until it
        does: the answer and the event say so. One lookup for the batch."""
        lifting = [item for item in ready if item.lifts]
        if not lifting:
            return
        known = self._outbox.held(sorted({item.lifts for item in lifting}))
        known |= {item.candidate.record_key for item in ready}
        for item in lifting:
            if item.lifts not in known:
                kind, _, reference = item.lifts.split("/", 2)
                what = "ban" if kind == RecordKind.SIGNATORY_BAN else "listing"
                item.warnings.append(
                    Violation(
                        f"{kind}.lifts_reference",
                        f"no {what} {reference!r} of {self._province.name_en} has been "
                        f"published: this lifts nothing until one is",
                    )
                )

    def _store(
        self,
        ready: list[_Ready],
        results: dict[int, RecordResult],
        request_id: str,
        caller: Identity | None,
        total: int,
        retry_key: str,
    ) -> None:
        province_pb = PROVINCE_TO_PB[self._province]
        now = self._clock()
        accepted_at = timestamp(now)
        if self._pseudonyms is not None:
            # Before the outbox: an acknowledged person always has their identity on file.
            self._pseudonyms.save([i for r in ready for i in r.identities], now)

        def build_payload(new: NewEvent) -> bytes:
            item = ready[new.index]
            event = events_pb2.Event(
                event_id=new.event_id,
                province=province_pb,
                record_key=item.candidate.record_key,
                kind=KIND_TO_PB[RecordKind(item.candidate.kind)],
                revision=new.revision,
                sequence=new.sequence,
                accepted_at=accepted_at,
                content_hash=item.candidate.content_hash,
                previous_hash=new.previous_hash,
                warnings=[
                    common_pb2.FieldViolation(field=w.field, description=w.description)
                    for w in item.warnings
                ],
            )
            return event.SerializeToString() + bytes_field(_RECORD_FIELD, item.body)

        def settle(conn: Connection, stored: list[Stored]) -> None:
            for item, outcome in zip(ready, stored, strict=True):
                if outcome.refused:
                    results[item.index] = _refused(
                        item.index,
                        f"{item.candidate.kind}.status",
                        outcome.refused,
                        item.candidate.record_key,
                    )
                    continue
                results[item.index] = RecordResult(
                    item.index,
                    Outcome.ACCEPTED if outcome.changed else Outcome.UNCHANGED,
                    record_key=outcome.record_key,
                    revision=outcome.revision,
                    event_id=outcome.event_id,
                    warnings=[*item.warnings, *item.identity_warnings] if outcome.changed else [],
                )
            if append is not None:
                # In the records' transaction: a publish stored is a publish recorded.
                append(conn, _audit_facts(caller, results, total))

        with nullcontext(None) if self._audit is None else self._audit.with_writes() as append:
            stored = self._outbox.store(
                [item.candidate for item in ready],
                build_payload,
                new_event_id,
                now,
                request_id,
                also=settle,
                request_key=retry_key,
            )
        if any(s.changed for s in stored):
            self._on_stored()


def _audit_facts(
    caller: Identity | None, results: dict[int, RecordResult], total: int
) -> AuditFacts:
    answers = [results[i] for i in range(total)]
    accepted = sum(r.outcome is Outcome.ACCEPTED for r in answers)
    unchanged = sum(r.outcome is Outcome.UNCHANGED for r in answers)
    keys = [r.record_key for r in answers if r.outcome is not Outcome.REJECTED]
    rejected = total - accepted - unchanged
    return facts_of(
        caller, PUBLISH, "OK", publish_summary(total, accepted, unchanged, rejected, keys)
    )


def log_outcomes(request_id: str, results: Sequence[RecordResult]) -> None:
    """A line per refused record (its fields and reasons; for a person's
    identity only the field, whose reason may quote it), then the batch's."""
    counts = dict.fromkeys(Outcome, 0)
    for result in results:
        counts[result.outcome] += 1
        if result.outcome is not Outcome.REJECTED:
            continue
        reasons = "; ".join(
            v.field if _PERSONAL in v.field else f"{v.field}: {v.description}"
            for v in result.violations
        )
        log.info(
            "request %s: record %d refused: %s",
            request_id,
            result.index,
            reasons,
            extra={"request_id": request_id, "record_index": result.index, "reasons": reasons},
        )
    log.info(
        "request %s: %d accepted, %d unchanged, %d refused",
        request_id,
        counts[Outcome.ACCEPTED],
        counts[Outcome.UNCHANGED],
        counts[Outcome.REJECTED],
        extra={"request_id": request_id, **{f"records_{o.value}": n for o, n in counts.items()}},
    )
