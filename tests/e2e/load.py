"""Steady publishing load for the fault tests: each province's system sends
batches of fresh qualifications through a client that follows the
contracts' service config, and counts what its exchange acknowledged."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from services.common.record_mapping import to_record_pb
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub
from tests.factories import qualification
from yrdhub.v1 import exchange_pb2

# Each province's exchange takes the CMA numbers of its own issuer.
ISSUERS = {Province.SH: "09", Province.JS: "10", Province.ZJ: "11", Province.AH: "12"}


class PublishingLoad:
    """About 200 records a second per province (batches of 20 every 0.1 s),
    with serials (at most 9,999 per issuer) to last a test of a minute."""

    def __init__(self, hub: Hub, provinces: Sequence[Province]) -> None:
        self.acknowledged: dict[Province, int] = dict.fromkeys(provinces, 0)
        # Any failure a client would see, by province.
        self.failures: list[str] = []
        self._hub = hub
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._publish, args=(p,), daemon=True) for p in provinces
        ]

    def __enter__(self) -> PublishingLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(90)

    def _publish(self, province: Province) -> None:
        stub = client.exchange_stub(self._hub.exchanges[province].address)
        serial = 1
        while not self._stop.wait(0.1) and serial < 9_980:
            batch = [
                to_record_pb(qualification(issuer=ISSUERS[province], serial=serial + i))
                for i in range(20)
            ]
            try:
                reply = stub.PublishRecords(
                    exchange_pb2.PublishRecordsRequest(records=batch), timeout=60
                )
            except Exception as exc:  # any failure a client would see
                self.failures.append(f"{province.value}: {exc}")
                return
            self.acknowledged[province] += reply.accepted
            serial += 20
