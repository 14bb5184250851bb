"""`yrdhub status` against a running hub, as an operator runs it: found by
its hub file, asking over mutual TLS, as a table and as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from devtools.datagen import generate
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub
from tests.e2e.conftest import TWO
from yrdhub.v1 import exchange_pb2


def _status(hub: Hub, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "services.hub.cli",
            "status",
            "--hub-file",
            str(hub.hub_file),
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _json(hub: Hub) -> tuple[int, dict[str, Any]]:
    done = _status(hub, "--json")
    return done.returncode, json.loads(done.stdout)


def test_status_reports_backlog_lag_feeds_and_health_and_fails_when_a_service_does(
    hub: Hub,
) -> None:
    data = generate(20, seed=41)
    published = 0
    for province in TWO:
        stub = client.exchange_stub(hub.exchanges[province].address)
        published += stub.PublishRecords(
            exchange_pb2.PublishRecordsRequest(records=data.by_province[province]), timeout=60
        ).accepted
    client.wait_until_applied(
        client.registry_stub(hub.registry.address),
        client.published_counts({p: client.exchange_stub(hub.exchanges[p].address) for p in TWO}),
        timeout=60,
    )

    code, report = _json(hub)
    assert code == 0, report
    assert report["healthy"] is True
    assert set(report["exchanges"]) == {p.value for p in TWO}
    for exchange in report["exchanges"].values():
        assert exchange["ready"] is True
        assert int(exchange.get("events_pending", 0)) == 0
    registry = report["registry"]
    assert int(registry["events_applied"]) == published
    # A feed for each province; those without an exchange here have applied nothing.
    assert {f["province"] for f in registry["feeds"]} == {f"PROVINCE_{p.value}" for p in Province}
    assert {f["province"] for f in registry["feeds"] if int(f.get("events_applied", 0))} == {
        f"PROVINCE_{p.value}" for p in TWO
    }
    assert int(registry.get("dead_letters", 0)) == 0

    table = _status(hub)
    assert table.returncode == 0, table.stderr
    for expected in ("exchange SH", "exchange JS", "registry", "ready", "dead letters"):
        assert expected in table.stdout, table.stdout

    # One exchange down: named, and the status fails.
    hub.exchanges[Province.JS].stop()
    code, report = _json(hub)
    assert code == 1
    assert report["healthy"] is False
    assert "UNAVAILABLE" in report["exchanges"]["JS"]["error"]
    assert report["exchanges"]["SH"]["ready"] is True
