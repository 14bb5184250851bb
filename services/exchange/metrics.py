"""The exchange's own metrics, beside what every service exposes
(services/common/metrics.py): its outbox's backlog, read at each scrape."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from services.common.metrics import ReadAtScrape
from services.core.provenance import as_utc, utcnow
from services.exchange.outbox import Outbox


def outbox_backlog(outbox: Outbox) -> ReadAtScrape:
    def read() -> Iterable[Metric]:
        status = outbox.status()
        pending = GaugeMetricFamily(
            "yrdhub_outbox_pending_events",
            "events stored and acknowledged that Kafka has not yet acknowledged",
        )
        pending.add_metric([], status.last_sequence - status.last_published_sequence)
        oldest = GaugeMetricFamily(
            "yrdhub_outbox_oldest_pending_seconds",
            "age of the oldest event waiting for Kafka (0: none waits)",
        )
        waiting = status.oldest_pending_at
        oldest.add_metric(
            [], 0.0 if waiting is None else max(0.0, (utcnow() - as_utc(waiting)).total_seconds())
        )
        return [pending, oldest]

    return ReadAtScrape(read)
