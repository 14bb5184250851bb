"""The registry's own metrics, beside what every service exposes
(services/common/metrics.py): what it holds aside (quarantined events and dead
letters) and how fresh each province's feed is, read at each scrape."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from services.common.metrics import ReadAtScrape, ServiceMetrics
from services.core.draws import DrawKind, DrawState
from services.core.provenance import as_utc, utcnow
from services.core.provinces import Province
from services.registry.records.queries import RegistryQueries


def held_aside(queries: RegistryQueries) -> ReadAtScrape:
    def read() -> Iterable[Metric]:
        aside = queries.held_aside()
        quarantined = GaugeMetricFamily(
            "yrdhub_registry_quarantined_events",
            "events and checkpoints a province's chain did not vouch for, held in quarantine",
            labels=["province"],
        )
        # Every province, zero included: alerts see a series from the start.
        for province in Province:
            quarantined.add_metric([province.value], aside.quarantined.get(province.value, 0))
        dead = GaugeMetricFamily(
            "yrdhub_registry_dead_letters",
            "events the registry could not read, kept aside (they never block a feed)",
        )
        dead.add_metric([], aside.dead_letters)
        freshness = GaugeMetricFamily(
            "yrdhub_registry_feed_age_seconds",
            "seconds since the newest event the registry applied from a province was accepted",
            labels=["province"],
        )
        now = utcnow()
        for feed in queries.feeds():
            if feed.last_accepted_at is not None:
                age = (now - as_utc(feed.last_accepted_at)).total_seconds()
                freshness.add_metric([feed.province], age)
        return [quarantined, dead, freshness]

    return ReadAtScrape(read)


class RegistryMetrics:
    """The registry's metrics: ServiceMetrics with what it holds aside, its
    pool's draws and its verify page's answers."""

    def __init__(self, queries: RegistryQueries) -> None:
        self.service = ServiceMetrics()
        self.service.add(held_aside(queries))
        self._draws = self.service.counter(
            "yrdhub_pool_draws",
            "draws the assessor pool made, by kind and end state",
            ["kind", "state"],
        )
        self._answers = self.service.counter(
            "yrdhub_verify_page_responses",
            "answers of the public verify page, by HTTP status (429: rate-limited)",
            ["status"],
        )

    def drawn(self, kind: DrawKind, state: DrawState) -> None:
        self._draws.labels(kind.value, state.value).inc()

    def answered(self, status: int) -> None:
        self._answers.labels(str(status)).inc()
