"""The exchange's answer to a publish, as its servicer maps the use case's
results (services/exchange/servicer.py), with a publisher that stands in."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from services.core.errors import Violation
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher, RecordResult
from services.exchange.servicer import ExchangeServicer
from yrdhub.v1 import exchange_pb2

PSEUDONYM = "Ab3dEf6hIj9kLm2nOp5qRs8tUv"


class _Publisher:
    def publish(self, records: Any, request_id: str, caller: Any, retryable: bool) -> list[Any]:
        key = f"assessor/{PSEUDONYM}"
        return [
            RecordResult(0, Outcome.ACCEPTED, key, 1, "e-1"),
            RecordResult(1, Outcome.REJECTED, key, violations=[Violation("record", "too large")]),
        ]


class _Context:
    """A plaintext call with no metadata."""

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}

    def invocation_metadata(self) -> tuple[()]:
        return ()

    def set_trailing_metadata(self, metadata: Any) -> None:
        pass


def test_a_refused_assessor_names_its_key_but_no_id_published_under() -> None:
    """A refused record now names its key; its assessor_id is the id "the
    record is published under" (the contract), and a refused one is not."""
    servicer = ExchangeServicer(Province.SH, cast(Publisher, _Publisher()), cast(Outbox, None))
    reply = asyncio.run(
        servicer.PublishRecords(exchange_pb2.PublishRecordsRequest(), cast(Any, _Context()))
    )
    accepted, refused = reply.results
    assert accepted.assessor_id == PSEUDONYM
    assert refused.record_key == f"assessor/{PSEUDONYM}" and refused.assessor_id == ""
