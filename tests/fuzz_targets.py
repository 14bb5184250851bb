"""Coverage-guided fuzz targets (atheris, libFuzzer) for the parsers that take
bytes from outside: the registry's event parser (whatever lands on a record
topic) and the exchange's request parser (whatever a provincial system sends).

    python -m tests.fuzz_targets events CORPUS_DIR -runs=100000
    python -m tests.fuzz_targets records CORPUS_DIR -max_total_time=600

An empty corpus folder is first filled with seeds: well-formed events and
requests made of the generated demo data, which the fuzzer then mutates.

A target may refuse its input only in the ways the services handle (a decode
error, a ValueError with a reason, field violations); any other exception,
or an accepted input the next step cannot take, is a crash that libFuzzer
reports with the input that caused it. tests/unit/test_fuzzing.py runs each
target for a bounded number of inputs (many more with --long).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["services"], enable_loader_override=False):
    from google.protobuf.message import DecodeError

    from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB
    from services.common.record_mapping import record_fields, to_record_pb
    from services.core.provinces import Province
    from services.core.records import RecordKind
    from services.core.validation import Validated, validate_record
    from services.registry.checks.answers import precompute
    from services.registry.ingest.events import contract_problem, parse_event
    from tests.hostile_cases import published_event
    from yrdhub.v1 import events_pb2, exchange_pb2

NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
TOPICS = [f"yrd.{k.value}.v1" for k in RecordKind]
PROVINCES = list(Province)


def events(data: bytes) -> None:
    """An event read off a record topic is a dead letter with a reason, or is
    stored and every check can answer from it."""
    if not data:
        return
    topic, value = TOPICS[data[0] % len(TOPICS)], data[1:]
    try:
        event = events_pb2.Event.FromString(value)
    except DecodeError:
        return
    try:
        incoming = parse_event(value, event, topic, NOW)
    except ValueError as refused:
        if not str(refused):
            raise AssertionError("a refusal without a reason") from refused
        return
    precompute(incoming.message, NOW)


def records(data: bytes) -> None:
    """A publish request's records are each accepted or refused field by field,
    and an accepted one makes an event the registry takes."""
    if not data:
        return
    province, value = PROVINCES[data[0] % len(PROVINCES)], data[1:]
    try:
        request = exchange_pb2.PublishRecordsRequest.FromString(value)
    except DecodeError:
        return
    for raw in request.records:
        parsed = record_fields(raw)
        if parsed is None:
            continue
        kind, values = parsed
        verdict = validate_record(kind, values, province)
        if not isinstance(verdict, Validated):
            if not all(v.field and v.description for v in verdict.violations):
                raise AssertionError(f"a violation without a field or reason: {verdict}")
            continue
        event, topic = published_event(
            to_record_pb(verdict.record), kind, verdict.record.key, province
        )
        event.accepted_at.FromDatetime(NOW)
        problem = contract_problem(event, topic)
        if problem is not None:
            raise AssertionError(
                f"an accepted record makes an event the registry refuses: {problem}"
            )
        precompute(parse_event(event.SerializeToString(), None, topic, NOW).message, NOW)


TARGETS = {"events": events, "records": records}


def seeds(name: str) -> list[bytes]:
    """Well-formed inputs of every record kind for target `name`."""
    from devtools.datagen import generate
    from services.registry.ingest.events import record_key_of

    found = []
    for province, rows in generate(2, seed=7).by_province.items():
        for record in rows[:40]:
            if name == "records":
                request = exchange_pb2.PublishRecordsRequest(records=[record])
                found.append(bytes([PROVINCES.index(province)]) + request.SerializeToString())
                continue
            body = record.WhichOneof("body") or ""
            event = events_pb2.Event(
                event_id="00000000-0000-4000-8000-000000000000",
                province=PROVINCE_TO_PB[province],
                record_key=record_key_of(record),
                kind=KIND_TO_PB[next(k for k in KIND_TO_PB if k.value == body)],
                revision=1,
                sequence=1,
                record=record,
            )
            found.append(bytes([TOPICS.index(f"yrd.{body}.v1")]) + event.SerializeToString())
    return found


def main() -> None:
    name, *libfuzzer_args = sys.argv[1:]
    for arg in libfuzzer_args:
        folder = Path(arg)
        if not arg.startswith("-") and folder.is_dir() and not any(folder.iterdir()):
            for i, seed in enumerate(seeds(name)):
                (folder / f"seed-{i:04d}").write_bytes(seed)
    atheris.Setup([sys.argv[0], *libfuzzer_args], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
