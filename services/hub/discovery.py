"""How programs find a running hub: `<workdir>/hub.json`, or the same as
environment variables (`yrdhub up --print-env`), instead of scraping stdout.

The file is written atomically once the hub is up and removed when it stops,
so a file that exists describes a hub that runs (its `pid` says which process).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
from pathlib import Path
from typing import Any

HUB_FILE = "hub.json"
FORMAT_VERSION = 1


def hub_description(
    *,
    kafka: str,
    topic_prefix: str,
    registry: str,
    verify_url: str,
    exchanges: dict[str, str],
    workdir: Path,
    homes: dict[str, str] | None = None,
    public: str = "",
    tls_dir: Path | None = None,
    kafka_tls: bool = False,
    metrics: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What hub.json holds: every address, by service. Exchanges are keyed by
    province code (SH, JS, ZJ, AH); each serves ExchangeService (`grpc`) and,
    on a listener of its own (`home`), its HomeAssignmentService; the registry serves RegistryService, LabelService and
    AssessorPoolService; every gRPC address offers health and reflection. With
    TLS (`tls.certificates`, as `yrdhub certs` lays them out) every gRPC address
    needs a client certificate but `registry.public`, which serves the checks
    to anyone; `kafka.tls` says whether Kafka wants a client certificate too
    (the identities and ACLs of services/hub/kafka_acls.py). `metrics`: where
    each service (by process name: registry, exchange-sh, ...) serves
    Prometheus metrics over plain HTTP, under `metrics` of its entry."""
    metrics = metrics or {}
    return {
        "format": FORMAT_VERSION,
        "pid": os.getpid(),
        "workdir": str(workdir.resolve()),
        "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "kafka": {"bootstrap": kafka, "topic_prefix": topic_prefix, "tls": kafka_tls},
        "registry": {
            "grpc": registry,
            "public": public,
            "verify_page": verify_url,
            "metrics": metrics.get("registry", ""),
        },
        "exchanges": {
            province: {
                "grpc": address,
                "home": (homes or {}).get(province, address),
                "metrics": metrics.get(f"exchange-{province.lower()}", ""),
            }
            for province, address in exchanges.items()
        },
        "tls": {
            "enabled": tls_dir is not None,
            "certificates": "" if tls_dir is None else str(tls_dir.resolve()),
        },
    }


def write_hub_file(workdir: Path, description: dict[str, Any]) -> Path:
    path = workdir / HUB_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(description, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)  # readers see the old file or the new one, never half of one
    return path


def remove_hub_file(workdir: Path) -> None:
    (workdir / HUB_FILE).unlink(missing_ok=True)


def environment(description: dict[str, Any], hub_file: Path) -> dict[str, str]:
    """The same addresses as environment variables (the names the services and
    clients read: YRDHUB_KAFKA and YRDHUB_TOPIC_PREFIX as the services do)."""
    env = {
        "YRDHUB_HUB_FILE": str(hub_file.resolve()),
        "YRDHUB_KAFKA": description["kafka"]["bootstrap"],
        "YRDHUB_TOPIC_PREFIX": description["kafka"]["topic_prefix"],
        "YRDHUB_REGISTRY": description["registry"]["grpc"],
        "YRDHUB_VERIFY_URL": description["registry"]["verify_page"],
        "YRDHUB_REGISTRY_PUBLIC": description["registry"]["public"],
        "YRDHUB_TLS_DIR": description["tls"]["certificates"],
        "YRDHUB_KAFKA_TLS": "1" if description["kafka"].get("tls") else "0",
    }
    for province, exchange in description["exchanges"].items():
        env[f"YRDHUB_EXCHANGE_{province}"] = exchange["grpc"]
        env[f"YRDHUB_HOME_{province}"] = exchange["home"]
        env[f"YRDHUB_METRICS_{province}"] = exchange.get("metrics", "")
    env["YRDHUB_METRICS_REGISTRY"] = description["registry"].get("metrics", "")
    return env


def shell_lines(env: dict[str, str]) -> list[str]:
    """`export NAME=value` lines, quoted for `eval "$(...)"` in a POSIX shell."""
    return [f"export {name}={shlex.quote(value)}" for name, value in env.items()]
