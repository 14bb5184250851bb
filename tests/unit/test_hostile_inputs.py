"""The hostile-input suite's properties (`-m hostile`; `--long` runs many more
cases): whatever a producer puts on a record topic, and whatever a provincial
system sends, the parsers answer with a value or a clear refusal, never with
an exception that would stop a feed or fail a call, and what the exchange
accepts the registry can store and answer from."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from services.common.record_mapping import record_fields, to_record_pb
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.validation import Validated, validate_record
from services.registry.checks.answers import precompute
from services.registry.ingest.events import contract_problem, parse_event, record_key_of
from tests.hostile_cases import CASES, published_event
from tests.unit.validation_helpers import make_uscc
from yrdhub.v1 import events_pb2, records_pb2

pytestmark = pytest.mark.hostile

NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
TOPICS = [f"yrd.{k.value}.v1" for k in RecordKind]

# Text as hostile producers write it: Chinese, full-width punctuation, controls,
# bidi overrides, zero-width and private-use characters, surrogate-free.
hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("上海检测有限公司（）·〇𠮷-/ "),
        st.sampled_from("\x00\x1b\n\t\u202e\u2066\u200b\ufeff\ue000\u2028"),
        st.characters(blacklist_categories=["Cs"]),
    ),
    max_size=40,
)
# And text as honest systems write it, so that records also get through.
friendly_text = st.text(alphabet="上海检测有限公司（）·〇𠮷-路号 AB12", min_size=1, max_size=30)
texts = st.one_of(friendly_text, hostile_text)
dates = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["", "2024-02-30", "9999-12-31", "0001-01-01", "20240101", "2024/01/01"]),
    hostile_text,
)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
small_enums = st.integers(min_value=-3, max_value=300)
digits = st.text(alphabet=string.digits, min_size=0, max_size=14)
# Mostly well-formed identifiers, so that many records get past them and the
# rest of the record is what is tried.
USCC = make_uscc()
cma_numbers = st.builds(
    lambda year, issuer, serial: f"{year:02d}{issuer}{serial:08d}",
    st.integers(0, 99),
    st.sampled_from(["09", "10", "11", "12", "00"]),
    st.integers(1, 99_999_999),
)
good_dates = st.dates(dt.date(1949, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)


@st.composite
def records(draw: st.DrawFn) -> records_pb2.Record:
    # A third of the records are well-formed qualifications, so that what is
    # accepted is tried too; the rest mix hostile values into every field.
    honest = draw(st.sampled_from([True, False, False]))

    def pick(valid: st.SearchStrategy[object], hostile: st.SearchStrategy[object]) -> object:
        return draw(valid if honest else st.one_of(valid, hostile))

    body = "qualification" if honest else draw(st.sampled_from([k.value for k in RecordKind]))
    r = records_pb2.Record()
    if body == "qualification":
        q = r.qualification
        q.number = str(pick(cma_numbers, st.one_of(digits, hostile_text)))
        q.issuer = str(pick(st.just(q.number[2:4]), st.sampled_from(["00", "99", ""])))
        q.institution_uscc = str(pick(st.just(USCC), hostile_text))
        q.institution_name = str(pick(friendly_text, hostile_text))
        q.address = str(pick(friendly_text, hostile_text))
        q.valid_from = str(pick(good_dates, dates))
        q.valid_until = str(pick(st.just("2100-12-31"), dates))
        q.status.canonical = pick(st.integers(1, 4), small_enums)  # type: ignore[assignment]
        for _ in range(draw(st.integers(1 if honest else 0, 3))):
            q.scope.add(
                parameter=str(pick(friendly_text, hostile_text)),
                standard_code=str(pick(friendly_text, hostile_text)),
                standard_year=int(pick(st.integers(1949, 2100), st.integers(-5, 3000))),  # type: ignore[call-overload]
                limits=str(pick(st.just(""), texts)),
            )
    elif body == "assessor":
        a = r.assessor
        a.assessor_id = draw(st.one_of(st.just("Aabcdefgh12345678"), hostile_text))
        a.employer_uscc = draw(hostile_text)
        a.level, a.status = draw(small_enums), draw(small_enums)  # type: ignore[assignment]
        a.fields.extend(draw(st.lists(digits, max_size=3)))
        a.status_since = draw(dates)
    elif body == "green_cert":
        g = r.green_cert
        g.body_code, g.certificate_number = draw(hostile_text), draw(hostile_text)
        g.label_code, g.enterprise_name = draw(hostile_text), draw(hostile_text)
        g.valid_from, g.valid_until = draw(dates), draw(dates)
        g.status.canonical = draw(small_enums)  # type: ignore[assignment]
    elif body == "report":
        t = r.report
        t.report_number, t.cma_number = draw(hostile_text), str(pick(cma_numbers, hostile_text))
        t.institution_uscc, t.signatory = draw(hostile_text), draw(hostile_text)
        t.issue_date, t.document_sha256 = draw(dates), draw(hostile_text)
        for _ in range(draw(st.integers(0, 2))):
            t.items.add(parameter=draw(hostile_text), standard_code=draw(hostile_text))
    else:
        c = r.credit_event
        c.uscc, c.reference = draw(hostile_text), draw(hostile_text)
        c.lifts_reference = draw(hostile_text)
        c.listing_province = draw(small_enums)  # type: ignore[assignment]
        c.effective_from, c.effective_until = draw(dates), draw(dates)
    return r


@st.composite
def events(draw: st.DrawFn) -> events_pb2.Event:
    record = draw(records())
    key = record_key_of(record) or ""
    return events_pb2.Event(
        event_id=draw(hostile_text),
        province=draw(st.one_of(st.sampled_from([1, 2, 3, 4]), small_enums)),  # type: ignore[arg-type]
        record_key=draw(st.one_of(st.just(key), hostile_text)),
        kind=draw(small_enums),  # type: ignore[arg-type]
        revision=draw(ints),
        sequence=draw(ints),
        accepted_at=Timestamp(seconds=draw(st.integers(-(2**40), 2**40)))
        if draw(st.booleans())
        else None,
        record=record,
    )


@given(st.binary(max_size=4096), st.sampled_from(TOPICS))
def test_any_bytes_on_a_record_topic_parse_or_are_refused_with_a_reason(
    data: bytes, topic: str
) -> None:
    CASES["raw bytes"] += 1
    try:
        event = events_pb2.Event.FromString(data)
    except DecodeError:
        return
    try:
        parse_event(data, event, topic)
    except ValueError as refused:
        assert str(refused)


@given(events(), st.sampled_from(TOPICS))
def test_any_event_is_refused_with_a_reason_or_stored_and_answered_from(
    event: events_pb2.Event, topic: str
) -> None:
    """What the registry takes in, its checks can answer from: an event applied
    and afterwards failing every check is the failure this guards against."""
    CASES["events"] += 1
    assert contract_problem(event, topic) is None or contract_problem(event, topic)
    try:
        incoming = parse_event(event.SerializeToString(), None, topic)
    except ValueError as refused:
        assert str(refused)
        return
    precompute(incoming.message, NOW)


@given(records(), st.sampled_from(list(Province)))
def test_any_record_is_accepted_or_refused_field_by_field_and_what_is_accepted_is_stored(
    raw: records_pb2.Record, province: Province
) -> None:
    """The exchange's edge: a record a provincial system sends is accepted or
    refused with field violations, and an accepted one makes an event the
    registry takes (its contract, its key, its answers)."""
    CASES["records"] += 1
    parsed = record_fields(raw)
    assert parsed is not None
    kind, values = parsed
    verdict = validate_record(kind, values, province)
    if not isinstance(verdict, Validated):
        assert verdict.violations and all(v.field and v.description for v in verdict.violations)
        return
    CASES["records accepted"] += 1
    event, topic = published_event(to_record_pb(verdict.record), kind, verdict.record.key, province)
    assert contract_problem(event, topic) is None
    precompute(parse_event(event.SerializeToString(), None, topic).message, NOW)
