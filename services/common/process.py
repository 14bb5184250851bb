"""What every service process shares: its common flags and its start-up."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import logging
import os
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.common import logs
from services.common.green_label import load_green_label_format
from services.common.kafka_io import TopicsMisconfigured
from services.common.readiness import DEFAULT_READINESS, ReadinessPolicy
from services.common.status_rules import load_status_rules
from services.common.tls import TlsFiles
from services.common.topics import LOCAL, TopicPolicy
from services.core.label_format import GreenLabelFormat, LabelFormatError
from services.core.transitions import StatusRules, StatusRulesError


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    """What every service is told by the options of service_arguments(): each
    service's settings add their own to these."""

    kafka: str
    listen: str = "127.0.0.1:0"
    topic_prefix: str = ""
    ready_file: Path | None = None
    # Certificates (`yrdhub certs`); None: plaintext, asked for by name.
    tls_dir: Path | None = None
    # Kafka with TLS and a client certificate; None: plaintext.
    kafka_tls: TlsFiles | None = None
    # The provinces' signing keys (services/common/signing.py); None: a
    # development service that neither signs nor verifies.
    signing_dir: Path | None = None
    # How its topics are made and checked (services/common/topics.py).
    topics: TopicPolicy = LOCAL
    # When it reports ready (services/common/readiness.py).
    readiness: ReadinessPolicy = DEFAULT_READINESS
    # Where Prometheus scrapes /metrics (services/common/metrics.py); None: not served.
    metrics_listen: str | None = None
    # text or json (services/common/logs.py).
    log_format: str = "text"
    # Plaintext grpc.health.v1 alone, for probes that speak no TLS; None: not served.
    health_listen: str | None = None
    # Which statuses each certificate kind takes and which are final
    # (core/transitions.py); the shipped rules by default.
    status_rules: StatusRules = field(default_factory=load_status_rules)
    # The national green label's code and QR form, and the lag allowed between
    # provinces' copies (core/label_format.py); the shipped file by default.
    green_labels: GreenLabelFormat = field(default_factory=load_green_label_format)


def service_settings(
    parser: argparse.ArgumentParser, args: argparse.Namespace, kafka_identity: str
) -> dict[str, Any]:
    """ServiceSettings' fields from the parsed options, the Kafka client
    certificate being `kafka_identity`'s."""
    tls_dir = tls_choice(parser, args)
    return {
        "kafka": args.kafka,
        "listen": args.listen,
        "topic_prefix": args.topic_prefix,
        "ready_file": args.ready_file,
        "tls_dir": tls_dir,
        "kafka_tls": kafka_choice(parser, args, tls_dir, kafka_identity),
        "signing_dir": signing_choice(args, tls_dir),
        "topics": topic_policy(parser, args),
        "readiness": readiness_policy(args),
        "metrics_listen": args.metrics_listen,
        "log_format": args.log_format,
        "health_listen": args.health_listen,
        "status_rules": status_rules_choice(parser, args),
        "green_labels": green_label_choice(parser, args),
    }


def service_arguments(
    prog: str, description: str | None, default_listen: str
) -> argparse.ArgumentParser:
    """The flags every service takes; each also reads an environment variable."""
    env = os.environ.get
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--kafka", default=env("YRDHUB_KAFKA", "127.0.0.1:9092"))
    p.add_argument("--listen", default=env("YRDHUB_LISTEN", default_listen))
    p.add_argument("--topic-prefix", default=env("YRDHUB_TOPIC_PREFIX", ""))
    p.add_argument(
        "--health-listen",
        default=env("YRDHUB_HEALTH_LISTEN"),
        help="host:port to serve gRPC health alone on, in plaintext (a kubelet gRPC probe); "
        "default: none",
    )
    p.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default=env("YRDHUB_LOG_FORMAT", "text"),
        help="json: one JSON object per log line on stdout (production); text: readable lines",
    )
    p.add_argument(
        "--metrics-listen",
        default=env("YRDHUB_METRICS_LISTEN"),
        help="host:port to serve Prometheus metrics on (/metrics); default: none",
    )
    p.add_argument("--ready-file", type=Path, help="write the bound port here once serving")
    p.add_argument(
        "--tls-dir",
        type=Path,
        default=env("YRDHUB_TLS_DIR"),
        help="certificates as `yrdhub certs` writes them: serve mutual TLS (required)",
    )
    p.add_argument(
        "--insecure-plaintext",
        action="store_true",
        default=env("YRDHUB_INSECURE_PLAINTEXT") == "1",
        help="DEVELOPMENT ONLY: serve plaintext gRPC with no authentication or authorization, "
        "and neither sign nor verify events",
    )
    p.add_argument(
        "--kafka-tls",
        action="store_true",
        default=env("YRDHUB_KAFKA_TLS") == "1",
        help="connect to Kafka with TLS and this service's certificate from --tls-dir "
        "(a broker that wants client certificates and enforces ACLs)",
    )
    p.add_argument(
        "--kafka-tls-dir",
        type=Path,
        default=env("YRDHUB_KAFKA_TLS_DIR"),
        help="with --kafka-tls: the Kafka client certificate, key and CA in this folder, "
        "named as in --tls-dir (e.g. a Strimzi KafkaUser's); default: --tls-dir",
    )
    add_topic_arguments(p)
    p.add_argument(
        "--unready-after",
        type=float,
        default=float(env("YRDHUB_UNREADY_AFTER", "10")),
        help="seconds a feed or relay may fail before the service reports not ready",
    )
    p.add_argument(
        "--ready-max-lag",
        type=int,
        default=int(env("YRDHUB_READY_MAX_LAG", "1000")),
        help="events a feed may be behind its topics and the service still be ready",
    )
    p.add_argument(
        "--status-rules",
        type=Path,
        default=env("YRDHUB_STATUS_RULES"),
        help="TOML file of the statuses each certificate kind takes and which are final "
        "(default: services/common/policy/status-rules-v1.toml)",
    )
    p.add_argument(
        "--green-label-format",
        type=Path,
        default=env("YRDHUB_GREEN_LABEL_FORMAT"),
        help="TOML file of the national green label's code and QR form and the lag allowed "
        "between provinces' copies (default: services/common/policy/green-label-v1.toml)",
    )
    p.add_argument(
        "--signing-dir",
        type=Path,
        default=env("YRDHUB_SIGNING_DIR"),
        help="the provinces' signing keys (keyset.json, <key id>.key); "
        "default: the signing/ folder of --tls-dir",
    )
    return p


def add_topic_arguments(p: argparse.ArgumentParser) -> None:
    """How the hub's topics are made and checked (services/common/topics.py)."""
    env = os.environ.get
    p.add_argument("--topic-partitions", type=int, default=int(env("YRDHUB_TOPIC_PARTITIONS", "4")))
    p.add_argument(
        "--topic-replication",
        type=int,
        default=int(env("YRDHUB_TOPIC_REPLICATION", "1")),
        help="replicas of each topic it creates (a cluster: 3)",
    )
    p.add_argument(
        "--topic-min-insync",
        type=int,
        default=int(env("YRDHUB_TOPIC_MIN_INSYNC", "1")),
        help="replicas that must have an event before it is acknowledged (a cluster: 2)",
    )


def status_rules_choice(parser: argparse.ArgumentParser, args: argparse.Namespace) -> StatusRules:
    try:
        return load_status_rules(args.status_rules)
    except (OSError, StatusRulesError) as exc:
        parser.error(f"--status-rules: {exc}")


def green_label_choice(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> GreenLabelFormat:
    try:
        return load_green_label_format(args.green_label_format)
    except (OSError, LabelFormatError) as exc:
        parser.error(f"--green-label-format: {exc}")


def topic_policy(parser: argparse.ArgumentParser, args: argparse.Namespace) -> TopicPolicy:
    try:
        return TopicPolicy(args.topic_partitions, args.topic_replication, args.topic_min_insync)
    except ValueError as exc:
        parser.error(str(exc))


def readiness_policy(args: argparse.Namespace) -> ReadinessPolicy:
    return ReadinessPolicy(dt.timedelta(seconds=args.unready_after), args.ready_max_lag)


def kafka_choice(
    parser: argparse.ArgumentParser, args: argparse.Namespace, tls_dir: Path | None, stem: str
) -> TlsFiles | None:
    """The Kafka client certificate (`stem` in --kafka-tls-dir, else in
    --tls-dir) when --kafka-tls."""
    if not args.kafka_tls:
        return None
    folder = args.kafka_tls_dir or tls_dir
    if folder is None:
        parser.error(
            "--kafka-tls needs --tls-dir or --kafka-tls-dir (the certificate to connect with)"
        )
    return TlsFiles(folder, stem)


def signing_choice(args: argparse.Namespace, tls_dir: Path | None) -> Path | None:
    """Where the signing keys are; None (neither sign nor verify) only on a
    plaintext development service not given any."""
    if args.signing_dir is not None:
        return Path(args.signing_dir)
    return None if tls_dir is None else tls_dir / "signing"


def tls_choice(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Path | None:
    """The TLS folder; None only when plaintext was asked for by name. Neither
    stops the service with the remedy."""
    if args.tls_dir is not None:
        if args.insecure_plaintext:
            parser.error("--tls-dir and --insecure-plaintext exclude each other")
        return Path(args.tls_dir)
    if not args.insecure_plaintext:
        parser.error(
            "no TLS material: pass --tls-dir (create one with `yrdhub certs --out DIR`), "
            "or --insecure-plaintext for development without any authentication"
        )
    logging.getLogger(__name__).warning(
        "INSECURE: serving plaintext gRPC; anyone who can connect may call anything"
    )
    return None


def run_service(main: Coroutine[Any, Any, None], log_format: str = "text") -> None:
    logs.configure(log_format)
    tune_garbage_collector()
    try:
        asyncio.run(main)
    except TopicsMisconfigured as exc:
        # The operator's to fix: said once, with the remedy, not retried.
        logging.getLogger(__name__).error("cannot start: %s", exc)
        raise SystemExit(2) from None


def tune_garbage_collector() -> None:
    """Collects less often than CPython's default, which suits scripts, not servers.

    A batch label check allocates tens of thousands of short-lived tuples; with
    a collection every 700 allocations the collector took a seventh of the
    registry's time, mostly re-walking objects that live as long as the
    process. Those (modules, descriptors, settings) are frozen out of the
    collector's view, and the young generation is collected every 20,000
    allocations instead.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
