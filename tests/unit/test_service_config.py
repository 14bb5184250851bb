"""What the contracts' service config (proto/yrdhub/v1/service_config.json)
tells every client about each method: the config a client loads decides
whether its calls wait, retry and time out."""

from __future__ import annotations

import importlib
import json
import pkgutil
from importlib import resources
from pathlib import Path
from typing import Any

from google.protobuf.descriptor import MethodDescriptor

import yrdhub.v1

# Every generated module of the contracts, so a new service is covered too.
_MODULES = [
    importlib.import_module(f"yrdhub.v1.{m.name}")
    for m in pkgutil.iter_modules(yrdhub.v1.__path__)
    if m.name.endswith("_pb2")
]
# A retried draw would be a new draw; a retried cancel could cancel a later one.
_NOT_REPEATABLE = {"RequestTeam", "PlanInspections", "CancelAssignment"}


def _config() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (resources.files("yrdhub.v1") / "service_config.json").read_text()
    )
    return loaded


def _methods() -> list[MethodDescriptor]:
    return [
        method
        for module in _MODULES
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    ]


def _effective(config: dict[str, Any], method: MethodDescriptor) -> dict[str, Any] | None:
    """gRPC's choice: an entry naming the method wins over one naming its service."""
    service = method.containing_service.full_name
    by_service = None
    entries: list[dict[str, Any]] = config["methodConfig"]
    for entry in entries:
        for name in entry["name"]:
            if name["service"] == service and name.get("method") == method.name:
                return entry
            if name["service"] == service and "method" not in name:
                by_service = entry
    return by_service


def test_the_shipped_config_is_the_contracts_config() -> None:
    source = Path(__file__).parents[2] / "proto" / "yrdhub" / "v1" / "service_config.json"
    assert json.loads(source.read_text()) == _config()


def test_every_method_waits_for_a_restarting_server() -> None:
    config = _config()
    for method in _methods():
        if method.name in _NOT_REPEATABLE:
            continue
        entry = _effective(config, method)
        assert entry is not None and entry.get("waitForReady"), method.full_name


def test_server_streams_have_no_deadline_so_a_subscription_outlives_a_minute() -> None:
    config = _config()
    streams = [m for m in _methods() if m.server_streaming]
    assert {m.name for m in streams} >= {"WatchChanges", "ExportChain"}
    for method in streams:
        entry = _effective(config, method)
        assert entry is not None, method.full_name
        assert "timeout" not in entry, f"{method.full_name} would end after {entry['timeout']}"


def test_unary_calls_have_a_deadline() -> None:
    config = _config()
    for method in _methods():
        entry = _effective(config, method)
        if method.server_streaming or entry is None:
            continue
        assert entry.get("timeout"), method.full_name


def test_methods_that_are_not_safe_to_repeat_are_never_retried() -> None:
    config = _config()
    for method in _methods():
        if method.name in _NOT_REPEATABLE:
            entry = _effective(config, method)
            assert entry is None or "retryPolicy" not in entry, method.full_name


def test_retried_methods_retry_a_stopping_servers_answers() -> None:
    """A stopping server answers UNAVAILABLE, and CANCELLED to the calls it had
    received but not yet handled (tests/integration/test_restart_retries.py)."""
    config = _config()
    retried = [
        (method, entry["retryPolicy"])
        for method in _methods()
        if (entry := _effective(config, method)) is not None and "retryPolicy" in entry
    ]
    assert {m.name for m, _ in retried} >= {"PublishRecords", "GetRecord", "WatchChanges"}
    for method, policy in retried:
        assert set(policy["retryableStatusCodes"]) >= {"UNAVAILABLE", "CANCELLED"}, method.full_name
