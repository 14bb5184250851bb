"""A program finds a running hub without scraping its console: `yrdhub up`
writes every address to <workdir>/hub.json, prints them as environment
variables with --print-env, and removes the file when it stops."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

pytestmark = pytest.mark.e2e


def _env_lines(proc: subprocess.Popen[str], timeout: float = 120) -> dict[str, str]:
    """The export lines `up --print-env` prints once the hub is up."""
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout or ():
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while "YRDHUB_HOME_AH" not in found:  # the last line printed
        if time.monotonic() > deadline or proc.poll() is not None:
            pytest.fail(f"no addresses from yrdhub up (exit {proc.poll()}): {found}")
        try:
            line = lines.get(timeout=1).strip()
        except queue.Empty:
            continue
        assert line.startswith("export "), f"stdout carries only export lines, not {line!r}"
        name, _, value = shlex.split(line)[1].partition("=")
        found[name] = value
    return found


def _serving(address: str, certificates: Path, as_operator: bool = True) -> bool:
    """Health over TLS: as the operator, or (the public endpoint) with no certificate."""
    ca = (certificates / "ca.pem").read_bytes()
    credentials = (
        grpc.ssl_channel_credentials(
            ca,
            (certificates / "operator.key").read_bytes(),
            (certificates / "operator.pem").read_bytes(),
        )
        if as_operator
        else grpc.ssl_channel_credentials(ca)
    )
    deadline = time.monotonic() + 15
    with grpc.secure_channel(address, credentials) as channel:
        while True:  # ready once its feeds have read their topics (a moment)
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def test_up_writes_hub_json_and_prints_the_same_addresses(
    tmp_path: Path, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    workdir = tmp_path / "hub"
    up = ["up", "--workdir", str(workdir), "--kafka", kafka_bootstrap, "--print-env"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.hub.cli", *up, "--topic-prefix", unique_topic_prefix],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        env = _env_lines(proc)
        hub = json.loads((workdir / "hub.json").read_text())
        assert env["YRDHUB_HUB_FILE"] == str((workdir / "hub.json").resolve())
        assert hub["pid"] == proc.pid
        assert env["YRDHUB_KAFKA"] == hub["kafka"]["bootstrap"] == kafka_bootstrap
        assert env["YRDHUB_TOPIC_PREFIX"] == hub["kafka"]["topic_prefix"] == unique_topic_prefix
        # A broker given by address is taken as it is (plaintext here).
        assert env["YRDHUB_KAFKA_TLS"] == "0" and hub["kafka"]["tls"] is False
        assert env["YRDHUB_REGISTRY"] == hub["registry"]["grpc"]
        assert env["YRDHUB_VERIFY_URL"] == hub["registry"]["verify_page"]
        assert set(hub["exchanges"]) == {"SH", "JS", "ZJ", "AH"}
        certificates = Path(hub["tls"]["certificates"])
        assert hub["tls"]["enabled"] and env["YRDHUB_TLS_DIR"] == str(certificates)
        assert (certificates / "ca.pem").exists()
        for province, exchange in hub["exchanges"].items():
            assert env[f"YRDHUB_EXCHANGE_{province}"] == exchange["grpc"]
            assert env[f"YRDHUB_HOME_{province}"] == exchange["home"] != exchange["grpc"]
            assert _serving(exchange["grpc"], certificates)
            assert _serving(exchange["home"], certificates)
        assert _serving(hub["registry"]["grpc"], certificates)
        assert env["YRDHUB_REGISTRY_PUBLIC"] == hub["registry"]["public"]
        assert _serving(hub["registry"]["public"], certificates, as_operator=False)
        with urllib.request.urlopen(f"{hub['registry']['verify_page']}/healthz") as page:
            assert page.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
    assert code == 0
    assert not (workdir / "hub.json").exists()  # a hub that stopped leaves no address behind
