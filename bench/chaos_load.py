"""The sync of a chaos run (bench.chaos): the provinces' systems publish their
records while processes die, and an oracle keeps what they saw acknowledged.

A system sends one batch at a time and sends it again until its exchange
answers (a kill or a pause fails the call in flight); an answer whose first
attempt was in fact stored says "unchanged" with the revision it got. Only
the codes that mean "try again" are retried; any other is a failure.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import grpc

from services.common.record_mapping import record_fields, to_record_pb
from services.core.provinces import Province
from services.core.validation import Refused, validate_record
from services.hub import client
from services.hub.supervisor import Hub
from services.registry.ingest.digest import content_line
from yrdhub.v1 import exchange_pb2, records_pb2

Log = Callable[[str], None]
BATCH = 500
RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.CANCELLED,  # a stopping server's answer to calls it had not handled yet
}
_ACKNOWLEDGED = {exchange_pb2.RECORD_OUTCOME_ACCEPTED, exchange_pb2.RECORD_OUTCOME_UNCHANGED}


def with_second_revisions(
    by_province: Mapping[Province, Sequence[records_pb2.Record]], every: int
) -> dict[Province, list[records_pb2.Record]]:
    """Each province's records, then a changed address for every `every`-th
    qualification (its second revision, published after the first)."""
    out: dict[Province, list[records_pb2.Record]] = {}
    for province, records in by_province.items():
        qualifications = [r for r in records if r.WhichOneof("body") == "qualification"]
        changed = []
        for record in qualifications[::every]:
            moved = records_pb2.Record()
            moved.CopyFrom(record)
            moved.qualification.address += "（新址）"
            changed.append(moved)
        out[province] = [*records, *changed]
    return out


class Oracle:
    """The versions the registry must hold: for each record acknowledged, its
    content as the domain normalises it, and the revision that the order of
    distinct contents gives (the first is 1; sending the same again is not a
    new one)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._versions: dict[tuple[str, str], list[bytes]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def normalised(province: Province, record: records_pb2.Record) -> bytes | None:
        parsed = record_fields(record)
        if parsed is None:
            return None
        verdict = validate_record(*parsed, province)
        if isinstance(verdict, Refused):
            return None
        return to_record_pb(verdict.record).SerializeToString(deterministic=True)

    def acknowledged(self, province: Province, key: str, revision: int, body: bytes) -> None:
        with self._lock:
            seen = self._versions.setdefault((province.value, key), [])
            if not seen or seen[-1] != body:
                seen.append(body)
            if revision != len(seen):
                self.problems.append(
                    f"{province.value} {key}: the exchange acknowledged revision {revision}, "
                    f"the oracle expects {len(seen)}"
                )

    def lines(self) -> list[str]:
        return [
            content_line(p, key, revision, body)
            for (p, key), bodies in self._versions.items()
            for revision, body in enumerate(bodies, start=1)
        ]

    def versions_per_province(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for (p, _), bodies in self._versions.items():
            counts[p] += len(bodies)
        return dict(counts)

    def differences(self, registry_lines: Sequence[str], show: int = 5) -> list[str]:
        """What the registry lacks and what it holds beyond the oracle (a few of each)."""
        expected = Counter(self.lines())
        held = Counter(registry_lines)
        missing = list((expected - held).elements())
        extra = list((held - expected).elements())
        return [
            f"the registry lacks {len(missing)} acknowledged versions, e.g. {missing[:show]}",
            f"the registry holds {len(extra)} versions beyond them, e.g. {extra[:show]}",
        ]


class SyncLoad:
    """Each province's system publishes its records on a thread of its own."""

    def __init__(
        self,
        hub: Hub,
        records: Mapping[Province, Sequence[records_pb2.Record]],
        oracle: Oracle,
        log: Log,
    ) -> None:
        self.failures: list[str] = []
        self.retries: Counter[str] = Counter()
        self._hub = hub
        self._oracle = oracle
        self._log = log
        self._threads = [
            threading.Thread(target=self._publish, args=(p, rs), name=f"sync-{p.value}")
            for p, rs in records.items()
        ]

    def __enter__(self) -> SyncLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.wait()

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()

    def _publish(self, province: Province, records: Sequence[records_pb2.Record]) -> None:
        stub = client.exchange_stub(self._hub.exchanges[province].address)
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            reply = self._until_answered(province, stub, batch)
            if reply is None:
                return
            for record, result in zip(batch, reply.results, strict=True):
                if result.outcome not in _ACKNOWLEDGED:
                    continue
                body = self._oracle.normalised(province, record)
                if body is None:
                    self.failures.append(
                        f"{province.value}: {result.record_key} was acknowledged, "
                        "but the domain refuses it"
                    )
                    continue
                self._oracle.acknowledged(province, result.record_key, result.revision, body)
        self._log(f"  {province.value}: {len(records):,} records sent and acknowledged")

    def _until_answered(
        self, province: Province, stub: Any, batch: Sequence[records_pb2.Record]
    ) -> Any:
        request = exchange_pb2.PublishRecordsRequest(records=batch)
        delay = 0.2
        while True:
            try:
                return stub.PublishRecords(request, timeout=30)
            except grpc.RpcError as exc:
                code = exc.code()
                if code not in RETRYABLE:
                    self.failures.append(f"{province.value}: {code.name}: {exc.details()}")
                    return None
                self.retries[code.name] += 1
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
