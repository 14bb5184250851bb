"""Checks answer from bytes serialized at apply time, on SQLite and PostgreSQL:
the same messages as building them from the stored events, on any day."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import threading
from typing import Any

import pytest

from services.common.convert import (
    CERTIFICATE_STATUS_FROM_PB,
    CERTIFICATE_STATUS_TO_PB,
    KIND_TO_PB,
    PROVINCE_TO_PB,
    timestamp,
)
from services.common.db import make_engine
from services.common.green_label import load_green_label_format
from services.core.errors import InvalidRequest
from services.core.provenance import china_date
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.status import CertificateStatus, effective_status
from services.registry.app import RegistryServicer
from services.registry.checks.certificates import CertificateChecks
from services.registry.checks.reader import FeedCache, PointReader
from services.registry.checks.servicer import LabelServicer
from services.registry.checks.verify_page import answer_document, render_page
from services.registry.ingest.events import parse_event
from services.registry.records.as_of import RecordsAsOf
from services.registry.records.mapping import feed_freshness
from services.registry.records.queries import RegistryQueries
from services.registry.records.store import StoredRow
from tests.conftest import Databases
from tests.factories import AppliedStore, event, green_cert, qualification
from yrdhub.v1 import common_pb2, events_pb2, labels_pb2, registry_pb2

# A day after Jiangsu's certificate below expired, while the others are still valid.
LATER = dt.datetime(2027, 1, 1, 3, tzinfo=dt.UTC)


def _store(databases: Databases) -> AppliedStore:
    store = AppliedStore(make_engine(databases.new("registry")))
    store.create_schema()
    cert = green_cert()
    store.apply(
        [
            event(qualification(), Province.SH),
            event(cert, Province.ZJ),
            # Anhui holds the same certificate, suspended: a conflict to show.
            event(green_cert(status=CertificateStatus.SUSPENDED), Province.AH),
            event(
                green_cert(
                    number="CQC2024GP0000002",
                    label="GP00000000000002",
                    valid_until=dt.date(2026, 6, 30),
                ),
                Province.JS,
            ),
        ],
        {},
    )
    return store


def _effective(body: Any, today: dt.date) -> common_pb2.CertificateStatus:
    status = CERTIFICATE_STATUS_FROM_PB[body.status.canonical]
    return CERTIFICATE_STATUS_TO_PB[
        effective_status(
            status,
            dt.date.fromisoformat(body.valid_until),
            today,
            dt.date.fromisoformat(body.valid_from),
        )
    ]


def _expected_record(row: StoredRow, today: dt.date) -> registry_pb2.StoredRecord:
    """The answer built field by field from the stored row and its event."""
    record = events_pb2.Event.FromString(row.payload).record
    return registry_pb2.StoredRecord(
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
        effective_status=_effective(getattr(record, record.WhichOneof("body")), today),
    )


def _expected_match(row: StoredRow, today: dt.date) -> labels_pb2.LabelMatch:
    event = events_pb2.Event.FromString(row.payload)
    g = event.record.green_cert
    return labels_pb2.LabelMatch(
        province=event.province,
        record_key=row.record_key,
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
        effective_status=_effective(g, today),
        revision=row.revision,
        accepted_at=event.accepted_at,
    )


def _check(
    store: AppliedStore, code: str, now: dt.datetime
) -> registry_pb2.CheckCertificateResponse:
    checks = CertificateChecks(
        PointReader(store._engine),
        FeedCache(store),
        RecordsAsOf(store),
        clock=lambda: now,
        read_code=load_green_label_format().code_of,
    )
    servicer = RegistryServicer(RegistryQueries(store), checks, None, None, list)  # type: ignore[arg-type]
    data = servicer.CheckCertificate(registry_pb2.CheckCertificateRequest(code=code), None)
    return registry_pb2.CheckCertificateResponse.FromString(data)


def test_a_scanned_platform_qr_reads_as_in_label_checks(databases: Databases) -> None:
    """The label format's QR parameters (labelCode among them) hold for
    certificate checks too: one rule for what a code is, at every edge."""
    store = _store(databases)
    label = green_cert().label_code
    scanned = f"https://label.example.cn/q?labelCode={label.lower()}&lang=zh"
    by_qr = _check(store, scanned, LATER)
    assert by_qr.found and by_qr.matches == _check(store, label, LATER).matches


def test_certificate_checks_equal_messages_built_from_the_events(databases: Databases) -> None:
    store = _store(databases)
    for code in (qualification().number, green_cert().label_code, "CQC2024GP0000002", "nothing"):
        for now in (dt.datetime.now(dt.UTC), LATER):
            answer = _check(store, code, now)
            rows = sorted(store.by_code(code), key=lambda r: r.province)
            assert answer == registry_pb2.CheckCertificateResponse(
                found=bool(rows),
                matches=[_expected_record(r, china_date(now)) for r in rows],
                as_of=answer.as_of,
                freshness=[feed_freshness(f) for f in store.feeds()],
            )
            assert answer.as_of.known_at.ToDatetime(tzinfo=dt.UTC) == now
            assert answer.as_of.valid_on == china_date(now).isoformat()
    expired = _check(store, "CQC2024GP0000002", LATER).matches[0]
    assert expired.effective_status == common_pb2.CERTIFICATE_STATUS_EXPIRED
    assert expired.provenance.applied_at.seconds > 0 and expired.provenance.revision == 1


def _with_valid_until(text: str) -> bytes:
    """An event whose green certificate's last valid day is written as `text`."""
    data = events_pb2.Event.FromString(event(green_cert(), Province.ZJ).payload)
    data.record.green_cert.valid_until = text
    return data.SerializeToString()


def test_a_last_valid_day_in_another_iso_form_still_expires(databases: Databases) -> None:
    store = AppliedStore(make_engine(databases.new("registry")))
    store.create_schema()
    # As text, "20270101" sorts after "2027-01-02": only a date compares right.
    store.apply([parse_event(_with_valid_until("20270101"))], {})
    [match] = _check(store, green_cert().label_code, LATER + dt.timedelta(days=1)).matches
    assert match.effective_status == common_pb2.CERTIFICATE_STATUS_EXPIRED
    assert match.record.green_cert.valid_until == "20270101"  # published as sent
    [match] = _check(store, green_cert().label_code, LATER).matches
    assert match.effective_status == common_pb2.CERTIFICATE_STATUS_VALID


def test_a_last_valid_day_that_is_no_date_makes_the_event_unreadable() -> None:
    with pytest.raises(ValueError, match="valid_until '2026/06/30' is not a date"):
        parse_event(_with_valid_until("2026/06/30"))


def test_label_checks_give_verdicts_in_order(databases: Databases) -> None:
    store = _store(databases)
    servicer = LabelServicer(store.label_queries(clock=lambda: LATER))
    asked = ["GP00000000000002", "GP00000000000001", "GP 0000 0000 0000 99"]
    data = asyncio.run(servicer.CheckLabels(labels_pb2.CheckLabelsRequest(codes=asked), None))
    reply = labels_pb2.CheckLabelsResponse.FromString(data)
    assert [c.query for c in reply.checks] == asked
    expired, conflict, unknown = reply.checks
    assert expired.found and expired.verdict == labels_pb2.LABEL_VERDICT_EXPIRED
    assert not expired.recognized_in
    [match] = expired.matches
    assert (match.province, match.label_code) == (common_pb2.PROVINCE_JS, "GP00000000000002")
    assert conflict.verdict == labels_pb2.LABEL_VERDICT_CONFLICT
    assert [m.province for m in conflict.matches] == [
        common_pb2.PROVINCE_AH,
        common_pb2.PROVINCE_ZJ,
    ]
    assert conflict.conflicts
    assert unknown.code == "GP00000000000099" and not unknown.found
    assert unknown.verdict == labels_pb2.LABEL_VERDICT_NOT_FOUND
    assert {f.province for f in reply.freshness} == {
        common_pb2.PROVINCE_SH,
        common_pb2.PROVINCE_ZJ,
        common_pb2.PROVINCE_AH,
        common_pb2.PROVINCE_JS,
    }

    single = asyncio.run(
        servicer.CheckLabel(labels_pb2.CheckLabelRequest(code="GP00000000000001"), None)
    )
    assert labels_pb2.CheckLabelResponse.FromString(single).check == conflict


def test_a_certificate_is_not_valid_before_its_valid_from_in_any_answer(
    databases: Databases,
) -> None:
    """Published ahead of its first valid day, a green certificate reads
    EXPIRED (the contract has no status of its own for it) with a note saying
    it is not yet valid, in label and certificate checks and GetRecord alike,
    today and on a past day; from valid_from on it is VALID."""
    store = AppliedStore(make_engine(databases.new("registry")))
    store.create_schema()
    cert = green_cert(valid_from=dt.date(2027, 6, 1))
    store.apply([event(cert, Province.ZJ)], {})
    labels = LabelServicer(store.label_queries(clock=lambda: LATER))
    records = RegistryServicer(RegistryQueries(store, clock=lambda: LATER), None, None, None, list)  # type: ignore[arg-type]
    expired = common_pb2.CERTIFICATE_STATUS_EXPIRED

    def label(valid_on: str, known_at: dt.datetime | None = None) -> labels_pb2.LabelCheck:
        as_of = common_pb2.AsOf(valid_on=valid_on)
        if known_at is not None:
            as_of.known_at.CopyFrom(timestamp(known_at))
        request = labels_pb2.CheckLabelRequest(code=cert.label_code, as_of=as_of)
        data = asyncio.run(labels.CheckLabel(request, None))
        return labels_pb2.CheckLabelResponse.FromString(data).check

    def record(valid_on: str) -> int:
        request = registry_pb2.GetRecordRequest(
            record_key=cert.key, as_of=common_pb2.AsOf(valid_on=valid_on)
        )
        [found] = asyncio.run(records.GetRecord(request, None)).records
        return found.effective_status

    # Today (1 January 2027), a day before valid_from, and a past day.
    for valid_on, known_at in (("", None), ("2027-05-31", None), ("2026-12-31", LATER)):
        check = label(valid_on, known_at)
        day = valid_on or "2027-01-01"
        assert check.verdict == labels_pb2.LABEL_VERDICT_EXPIRED, valid_on
        assert [m.effective_status for m in check.matches] == [expired]
        assert not check.recognized_in and not check.conditionally_recognized_in
        said = f"{cert.body_code}/{cert.certificate_number} is not yet valid on {day}"
        assert f"{said}: valid from 2027-06-01" in check.notes
        assert record(day) == expired
    # The certificate check's stored answers serve any day: the first one decides.
    [match] = _check(store, cert.certificate_number, LATER).matches
    assert match.effective_status == expired
    [match] = _check(store, cert.certificate_number, dt.datetime(2027, 6, 1, tzinfo=dt.UTC)).matches
    assert match.effective_status == common_pb2.CERTIFICATE_STATUS_VALID

    started = label("2027-06-01")
    assert started.verdict == labels_pb2.LABEL_VERDICT_VALID and not started.notes
    assert record("2027-06-01") == common_pb2.CERTIFICATE_STATUS_VALID
    # The page's headline said "past its validity" above that note.
    page = render_page(answer_document(store.label_queries(clock=lambda: LATER), cert.label_code))
    assert "NOT YET VALID" in page and "past its validity" not in page


def test_readers_leave_no_autocommit_connection_to_writers(databases: Databases) -> None:
    store = _store(databases)
    engine = store._engine
    reader = PointReader(engine)
    # Each thread gets its own reader connection, as the verify page's threads do.
    threads = [
        threading.Thread(target=reader.answers_by_code, args=(green_cert().label_code,))
        for _ in range(10)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gc.collect()  # the threads' connections are released when their locals go
    for _ in range(10):
        with engine.begin() as conn:
            assert conn.in_transaction()
            driver = conn.connection.driver_connection
            assert not getattr(driver, "autocommit", False)


def test_invisible_characters_in_a_code_are_dropped_and_controls_refused(
    databases: Databases,
) -> None:
    """A code copied from a web page or a chat may bring a zero-width space or
    a byte-order mark along: it is the same code. A control character is no
    part of any code: the check is refused naming the field, not answered
    "not found"."""
    store = _store(databases)
    servicer = LabelServicer(store.label_queries(clock=lambda: LATER))
    pasted = "\u200bGP0000\ufeff0000000002\u2060"
    data = asyncio.run(servicer.CheckLabel(labels_pb2.CheckLabelRequest(code=pasted), None))
    check = labels_pb2.CheckLabelResponse.FromString(data).check
    assert check.found and check.code == "GP00000000000002"
    assert _check(store, "\u200bCQC2024GP0000002\ufeff", LATER).found

    for code in ("\x00abc", "GP0000000000\x7f0002", "\x1b[31mGP00000000000002"):
        with pytest.raises(InvalidRequest) as label:
            asyncio.run(servicer.CheckLabel(labels_pb2.CheckLabelRequest(code=code), None))
        assert [v.field for v in label.value.violations] == ["code"]
        with pytest.raises(InvalidRequest) as batch:
            asyncio.run(
                servicer.CheckLabels(
                    labels_pb2.CheckLabelsRequest(codes=["GP00000000000002", code]), None
                )
            )
        assert [v.field for v in batch.value.violations] == ["codes[1]"]
        assert "control characters" in batch.value.violations[0].description
    with pytest.raises(InvalidRequest) as certificate:
        _check(store, "\x00", LATER)
    assert [v.field for v in certificate.value.violations] == ["code"]


def test_a_status_first_heard_of_is_not_read_on_days_before_it_took_effect(
    databases: Databases,
) -> None:
    """A certificate first published REVOKED from a day: a check of a day
    before it reads it as it held then (VALID), not revoked in advance."""
    store = _store(databases)
    revoked = qualification(serial=7).model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 11, 1)}
    )
    store.apply([event(revoked, Province.SH)], {})
    checks = CertificateChecks(
        PointReader(store._engine), FeedCache(store), RecordsAsOf(store), clock=lambda: LATER
    )
    for day, status in (
        ("2026-06-01", common_pb2.CERTIFICATE_STATUS_VALID),
        ("2026-11-01", common_pb2.CERTIFICATE_STATUS_REVOKED),
    ):
        answer = registry_pb2.CheckCertificateResponse.FromString(
            checks.answer(revoked.number, day)
        )
        assert [m.effective_status for m in answer.matches] == [status], day
