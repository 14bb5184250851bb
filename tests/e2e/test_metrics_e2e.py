"""Every service's Prometheus endpoint, scraped after the demo's data set went
through the hub: the series an operator watches are there, with the values
the run gave them."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devtools.datagen import generate
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub
from tests.e2e.conftest import TWO
from tests.factories import uscc
from tests.integration.pool_records import days_ahead
from yrdhub.v1 import assessor_pool_pb2, assessor_pool_pb2_grpc, common_pb2, exchange_pb2

PUBLISH = "/yrdhub.v1.ExchangeService/PublishRecords"
DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana" / "yrdhub.json"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(address: str) -> Samples:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def _named(samples: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


def _eventually(read: Callable[[], Samples], holds: Callable[[Samples], bool]) -> Samples:
    deadline = time.monotonic() + 60
    while True:
        samples = read()
        if holds(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.5)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(autouse=True)
def json_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The services log as in production (before the hub starts them)."""
    monkeypatch.setenv("YRDHUB_LOG_FORMAT", "json")


def _log_lines(hub: Hub, service: str) -> list[dict[str, Any]]:
    """The service's log: every line a JSON object."""
    text = (hub.config.workdir / f"{service}.log").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_each_service_serves_the_series_an_operator_watches_and_logs_json(hub: Hub) -> None:
    data = generate(40, seed=31)
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    accepted: dict[Province, int] = {}
    rejected: dict[Province, int] = {}
    request_ids: dict[Province, str] = {}
    for province in TWO:
        # Shanghai's system names its call; Jiangsu's gets an id made for it.
        reply, call = exchanges[province].PublishRecords.with_call(
            exchange_pb2.PublishRecordsRequest(records=data.by_province[province]),
            metadata=(("x-request-id", "sh-sync-0001"),) if province is Province.SH else (),
            timeout=60,
        )
        accepted[province], rejected[province] = reply.accepted, reply.rejected
        assert reply.rejected > 0  # the data set holds invalid records
        request_ids[province] = dict(call.trailing_metadata())["x-request-id"]
    assert request_ids[Province.SH] == "sh-sync-0001"
    assert len(request_ids[Province.JS]) == 36  # a UUID
    with pytest.raises(grpc.RpcError) as empty:
        exchanges[Province.SH].PublishRecords(exchange_pb2.PublishRecordsRequest(), timeout=10)
    assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    pool = assessor_pool_pb2_grpc.AssessorPoolServiceStub(  # type: ignore[no-untyped-call]
        client.channel(hub.registry.address, Identity(Role.REGULATOR, Province.SH))
    )
    drawn = pool.RequestTeam(
        assessor_pool_pb2.RequestTeamRequest(
            spec=assessor_pool_pb2.TeamSpec(
                institution_uscc=uscc("91310115MA1K4L2X3"),
                institution_province=common_pb2.PROVINCE_SH,
                fields=["04"],
                start_date=days_ahead(14).isoformat(),
                end_date=days_ahead(15).isoformat(),
            )
        ),
        timeout=30,
    ).draw
    # Past the verify page's burst (30 at once per client address): some 429s.
    statuses = [_get(f"{hub.verify_url}/api/v1/labels/none-such") for _ in range(60)]
    assert 429 in statuses and 404 in statuses

    description = hub.description()
    total = sum(accepted.values())
    registry = _eventually(
        lambda: _scrape(description["registry"]["metrics"]),
        # The feed measures its lag every few seconds.
        lambda s: (
            _work(s, "yrdhub_work_items_total").get("registry-ingest", 0) >= total
            and not any(_named(s, "yrdhub_feed_lag_events").values())
        ),
    )
    # Apply rate: events the registry's feed applied, every one published.
    applied = _work(registry, "yrdhub_work_items_total")
    assert applied["registry-ingest"] >= total, applied
    # Lag by partition of each record topic, level once everything is applied.
    lags = _named(registry, "yrdhub_feed_lag_events")
    topics = {dict(labels)["topic"] for labels in lags}
    assert len(topics) >= 3 and all(v == 0 for v in lags.values()), lags
    assert _value(registry, "yrdhub_registry_dead_letters") == 0
    assert _named(registry, "yrdhub_registry_quarantined_events") == {
        (("province", p.value),): 0 for p in Province
    }
    ages = _named(registry, "yrdhub_registry_feed_age_seconds")
    assert {dict(labels)["province"] for labels in ages} == {p.value for p in TWO}
    assert all(0 <= age < 600 for age in ages.values()), ages
    state = assessor_pool_pb2.DrawState.Name(drawn.state).removeprefix("DRAW_STATE_")
    assert _value(registry, "yrdhub_pool_draws_total", kind="TEAM", state=state) == 1
    answers = _named(registry, "yrdhub_verify_page_responses_total")
    assert answers[(("status", "404"),)] == statuses.count(404)
    assert answers[(("status", "429"),)] == statuses.count(429)
    assert (
        _value(
            registry,
            "yrdhub_grpc_requests_total",
            method="/yrdhub.v1.AssessorPoolService/RequestTeam",
            code="OK",
        )
        == 1
    )

    scraped: set[str] = set()
    for province in TWO:
        address = description["exchanges"][province.value]["metrics"]
        exchange = _eventually(
            lambda a=address: _scrape(a),  # type: ignore[misc]
            lambda s: _value(s, "yrdhub_outbox_pending_events") == 0,
        )
        calls = 2 if province is Province.SH else 1
        ok = _value(exchange, "yrdhub_grpc_requests_total", method=PUBLISH, code="OK")
        assert ok == 1
        if province is Province.SH:
            assert (
                _value(
                    exchange, "yrdhub_grpc_requests_total", method=PUBLISH, code="INVALID_ARGUMENT"
                )
                == 1
            )
        assert _value(exchange, "yrdhub_grpc_request_seconds_count", method=PUBLISH) == calls
        # The outbox drained: nothing pending, nothing waiting.
        assert _value(exchange, "yrdhub_outbox_oldest_pending_seconds") == 0
        relayed = _work(exchange, "yrdhub_work_items_total")
        assert relayed["outbox-relay"] >= accepted[province], relayed
        assert _work(exchange, "yrdhub_work_failing") == dict.fromkeys(relayed, 0.0)
        scraped.update(name for name, _ in exchange)
        # Its log: a line per refused record, and the batch's, under the call's id.
        lines = [
            line
            for line in _log_lines(hub, f"exchange-{province.value.lower()}")
            if line.get("request_id") == request_ids[province]
        ]
        refused = [line for line in lines if "record_index" in line]
        assert len(refused) == rejected[province] and all(r["reasons"] for r in refused)
        [batch] = [line for line in lines if "records_accepted" in line]
        assert batch["records_accepted"] == accepted[province]
        assert batch["level"] == "INFO" and batch["logger"] == "services.exchange.publishing"

    # The registry's apply names the calls its events came from (a Kafka header).
    applied_from = {
        request_id
        for line in _log_lines(hub, "registry")
        for request_id in line.get("request_ids", [])
    }
    assert set(request_ids.values()) <= applied_from, applied_from

    # Every series the example Grafana dashboard asks for exists.
    scraped.update(name for name, _ in registry)
    assert _series_of_the_dashboard() <= scraped, _series_of_the_dashboard() - scraped


def _series_of_the_dashboard() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    return set(re.findall(r"\byrdhub_[a-z_]+", " ".join(queries)))


def _work(samples: Samples, name: str) -> dict[str, Any]:
    """A feed's or relay's series, by the work's name."""
    return {dict(labels)["work"]: v for labels, v in _named(samples, name).items()}
