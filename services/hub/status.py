"""`yrdhub status`: how a running hub or a deployment fares, from each
service's status RPC (as the operator, over mutual TLS when the hub has it):
each exchange's backlog and oldest pending age, the registry's lag and each
province's feed freshness, what the registry holds aside, and readiness.

Addresses come from flags, else the environment (`yrdhub up --print-env`
names: YRDHUB_REGISTRY, YRDHUB_EXCHANGE_SH, ..., YRDHUB_TLS_DIR), else a hub
file (`<workdir>/hub.json` of `yrdhub up`). Exit status 0 when every service
answered and is ready, 1 otherwise (for scripts and cron jobs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict
from rich.console import Console
from rich.table import Table

from services.core.identity import Identity, Role
from services.core.provenance import utcnow
from services.core.provinces import Province
from services.hub import client
from services.hub.cli_errors import CliInputError, province_arg
from services.hub.discovery import HUB_FILE
from yrdhub.v1 import (
    common_pb2,
    exchange_pb2,
    exchange_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
)

# A status call is a few reads; a service that takes longer is reported as such.
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Targets:
    registry: str
    exchanges: dict[Province, str]
    tls_dir: Path | None


@dataclass
class Report:
    """Each service's status reply, or why there is none."""

    exchanges: dict[Province, exchange_pb2.GetExchangeStatusResponse | str] = field(
        default_factory=dict
    )
    # None: not asked (a province's site may name its exchange alone).
    registry: registry_pb2.GetRegistryStatusResponse | str | None = None

    @property
    def healthy(self) -> bool:
        replies = [*self.exchanges.values(), *([] if self.registry is None else [self.registry])]
        return all(not isinstance(r, str) and r.ready for r in replies)


def targets(args: argparse.Namespace, env: dict[str, str] | None = None) -> Targets:
    """Flags first, then the environment, then the hub file."""
    env = dict(os.environ) if env is None else env
    described: dict[str, Any] = {}
    hub_file = args.hub_file or env.get("YRDHUB_HUB_FILE") or ""
    gone = ""  # the environment's hub file, removed when its hub stopped
    if not args.hub_file and hub_file and not Path(hub_file).exists():
        gone, hub_file = hub_file, ""
    path = Path(hub_file) if hub_file else args.workdir / HUB_FILE
    read = bool(hub_file) or path.exists()
    if read:
        try:
            described = json.loads(path.read_text())
        except ValueError as exc:
            raise CliInputError(f"{path}: not a hub file ({exc})") from None
        problems = hub_file_problems(described)
        if problems:
            raise CliInputError(f"{path}: not a hub file: {'; '.join(problems)}")
    exchanges: dict[Province, str] = {}
    for province in Province:
        address = (
            dict(args.exchange or []).get(province.value)
            or env.get(f"YRDHUB_EXCHANGE_{province.value}")
            or described.get("exchanges", {}).get(province.value, {}).get("grpc")
        )
        if address:
            exchanges[province] = address
    registry = (
        args.registry or env.get("YRDHUB_REGISTRY") or described.get("registry", {}).get("grpc")
    )
    if not registry and not exchanges and gone:
        raise CliInputError(
            f"YRDHUB_HUB_FILE names {gone}, which is gone: that hub is not running "
            "(`yrdhub up` removes it when it stops)"
        )
    if not registry and not exchanges and read:
        raise CliInputError(f"{path}: names no registry and no exchange to ask")
    if not registry and not exchanges:
        raise CliInputError(
            "no hub to ask: give --registry and --exchange SH=host:port ..., set "
            "YRDHUB_REGISTRY and YRDHUB_EXCHANGE_<province> (yrdhub up --print-env), "
            f"or point --hub-file at a hub's {HUB_FILE}"
        )
    certificates = described.get("tls", {}).get("certificates") or None
    tls_dir = args.tls_dir or env.get("YRDHUB_TLS_DIR") or certificates
    return Targets(registry or "", exchanges, Path(tls_dir) if tls_dir else None)


def hub_file_problems(described: Any) -> list[str]:
    """What in a hub file's JSON status cannot read, by field (none: readable;
    a part left out is only a service the file does not name)."""
    if not isinstance(described, dict):
        return [f"a JSON object as `yrdhub up` writes it, not {_text(described)}"]
    problems = []
    exchanges = described.get("exchanges", {})
    parts = {"registry": described.get("registry", {}), "tls": described.get("tls", {})}
    if isinstance(exchanges, dict):
        parts |= {f"exchanges.{p}": exchanges.get(p.value, {}) for p in Province}
    else:
        problems.append(f"exchanges: a JSON object by province, not {_text(exchanges)}")
    for name, part in parts.items():
        inner = "certificates" if name == "tls" else "grpc"
        if not isinstance(part, dict):
            problems.append(f"{name}: a JSON object, not {_text(part)}")
        elif not isinstance(part.get(inner, ""), str | None):
            wanted = "a folder" if name == "tls" else "host:port"
            problems.append(f"{name}.{inner}: {wanted} as a string, not {_text(part[inner])}")
    return problems


def _text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def collect(where: Targets) -> Report:
    if where.tls_dir is not None:
        client.use_tls(client.ClientTls(where.tls_dir, {}, Identity(Role.OPERATOR)))
    report = Report()
    operator = Identity(Role.OPERATOR)
    for province, address in where.exchanges.items():
        exchange = exchange_pb2_grpc.ExchangeServiceStub(  # type: ignore[no-untyped-call]
            client.channel(address, operator, retry=False)
        )
        report.exchanges[province] = _asked(
            exchange.GetExchangeStatus, exchange_pb2.GetExchangeStatusRequest(), address
        )
    if where.registry:
        registry = registry_pb2_grpc.RegistryServiceStub(  # type: ignore[no-untyped-call]
            client.channel(where.registry, operator, retry=False)
        )
        report.registry = _asked(
            registry.GetRegistryStatus, registry_pb2.GetRegistryStatusRequest(), where.registry
        )
    return report


def _asked(method: Callable[..., Any], request: Any, address: str) -> Any:
    try:
        # One try, not waiting for a server that is down: that it is down is the answer.
        return method(request, timeout=TIMEOUT_S, wait_for_ready=False)
    except grpc.RpcError as exc:
        return f"{address}: {exc.code().name}: {exc.details()}"


def as_json(report: Report) -> dict[str, Any]:
    def reply(value: Any) -> Any:
        if isinstance(value, str):
            return {"error": value}
        return MessageToDict(value, preserving_proto_field_name=True)

    return {
        "healthy": report.healthy,
        "exchanges": {p.value: reply(r) for p, r in report.exchanges.items()},
        "registry": None if report.registry is None else reply(report.registry),
    }


def _age(stamp: Any, now: dt.datetime) -> str:
    if not stamp.seconds and not stamp.nanos:
        return "–"
    seconds = (now - stamp.ToDatetime(tzinfo=dt.UTC)).total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _health(reply: Any) -> str:
    if reply.ready:
        return "[green]ready[/]"
    return "[red]not ready[/]: " + "; ".join(reply.not_ready_because)


def _work(reply: Any) -> str:
    parts = []
    for work in reply.background_work:
        text = work.name
        if work.lag:
            text += f" lag {work.lag:,}"
        if work.retrying:
            text += f" [red]retrying ({work.last_error}, {work.consecutive_failures}×)[/]"
        parts.append(text)
    return ", ".join(parts)


def tables(report: Report, now: dt.datetime | None = None) -> list[Table]:
    now = now or utcnow()
    services = Table(title="services")
    for column in ("service", "health", "backlog", "oldest pending", "lag", "work"):
        services.add_column(column, justify="right" if column in ("backlog", "lag") else "left")
    for province, reply in report.exchanges.items():
        name = f"exchange {province.value}"
        if isinstance(reply, str):
            services.add_row(name, f"[red]no answer[/]: {reply}", "", "", "", "")
            continue
        services.add_row(
            name,
            _health(reply),
            f"{reply.events_pending:,}",
            _age(reply.oldest_pending_at, now) if reply.events_pending else "–",
            "",
            _work(reply),
        )
    registry = report.registry
    feeds = Table(title="registry feeds, per province")
    if registry is None:
        return [services]
    if isinstance(registry, str):
        services.add_row("registry", f"[red]no answer[/]: {registry}", "", "", "", "")
        return [services]
    lag = sum(w.lag for w in registry.background_work if w.lag > 0)
    services.add_row("registry", _health(registry), "", "", f"{lag:,}", _work(registry))
    for column in ("province", "events applied", "last sequence", "newest accepted", "chain"):
        feeds.add_column(column, justify="left" if column in ("province", "chain") else "right")
    for feed in registry.feeds:
        chain = registry_pb2.ChainState.Name(feed.chain.state).removeprefix("CHAIN_STATE_")
        if feed.chain.problem:
            chain += f": {feed.chain.problem}"
        feeds.add_row(
            common_pb2.Province.Name(feed.province).removeprefix("PROVINCE_"),
            f"{feed.events_applied:,}",
            f"{feed.last_sequence:,}",
            _age(feed.last_accepted_at, now) + " ago",
            chain.lower() if not feed.chain.problem else chain,
        )
    aside = Table(title="registry")
    for column in ("records", "events applied", "quarantined", "dead letters"):
        aside.add_column(column, justify="right")
    aside.add_row(
        f"{registry.records:,}",
        f"{registry.events_applied:,}",
        _flagged(registry.quarantined),
        _flagged(registry.dead_letters),
    )
    return [services, feeds, aside]


def _flagged(count: int) -> str:
    return f"[red]{count:,}[/]" if count else "0"


def _province_address(value: str) -> tuple[str, str]:
    province, sep, address = value.partition("=")
    if not sep or not address:
        raise argparse.ArgumentTypeError(f"expected PROVINCE=host:port, got {value!r}")
    return province_arg(province).value, address


def run(args: argparse.Namespace, console: Console) -> None:
    report = collect(targets(args))
    if args.json:
        print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        for table in tables(report):
            console.print(table)
    if not report.healthy:
        raise SystemExit(1)


def add_parser(sub: Any) -> None:
    status = sub.add_parser(
        "status",
        help="each exchange's backlog, the registry's lag, feeds and what it holds aside, "
        "and health (exit status 1 unless every service is ready)",
    )
    status.add_argument("--registry", help="the registry's gRPC address (host:port)")
    status.add_argument(
        "--exchange",
        action="append",
        type=_province_address,
        metavar="PROVINCE=host:port",
        help="an exchange's gRPC address (repeat per province)",
    )
    status.add_argument(
        "--tls-dir", type=Path, help="certificates (`yrdhub certs`): ask as the operator"
    )
    status.add_argument("--hub-file", help=f"a running hub's {HUB_FILE}")
    status.add_argument(
        "--workdir",
        type=Path,
        default=Path("var/hub"),
        help=f"where `yrdhub up` keeps its {HUB_FILE} (default: var/hub)",
    )
    status.add_argument("--json", action="store_true", help="print JSON instead of tables")
    status.set_defaults(run=run)
