"""The `yrdhub` command: run the embedded hub, the demo, and operator tools."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from rich.console import Console

from services.common.process import add_topic_arguments
from services.hub.cli_errors import INPUT_ERRORS, UNREADABLE, CliInputError, said
from services.hub.discovery import environment, shell_lines
from services.hub.processes import exit_on_sigterm
from services.hub.supervisor import Hub, HubConfig


def _up(args: argparse.Namespace, console: Console) -> None:
    if args.print_env:
        # stdout carries only the export lines; progress goes to stderr.
        console = Console(stderr=True)
    config = HubConfig(
        workdir=args.workdir,
        kafka=args.kafka,
        topic_prefix=args.topic_prefix,
        insecure_plaintext=args.insecure_plaintext,
        brokers=args.brokers,
    )
    hub = Hub(config, progress=console.log)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with hub.running():
        for name, address in hub.endpoints().items():
            console.print(f"  {name:<12} {address}")
        console.print(
            f"addresses in {hub.hub_file}; data in {args.workdir}; Ctrl-C stops everything"
        )
        if args.print_env:
            print("\n".join(shell_lines(environment(hub.description(), hub.hub_file))), flush=True)
        ran_well = hub.supervise(stop)
        console.log("stopping")
    if not ran_well:
        console.log("stopped; a process exited while the hub ran (see above): exit status 1")
        raise SystemExit(1)
    console.log("stopped")


def _demo(args: argparse.Namespace, console: Console) -> None:
    from services.hub.demo import run_demo

    exit_on_sigterm()
    run_demo(args.institutions, args.workdir, console)


def _bench(argv: list[str]) -> NoReturn:
    """Hand `yrdhub bench ...` to `python -m bench ...`: the services never import bench."""
    if any(importlib.util.find_spec(name) is None for name in ("bench", "devtools")):
        print("yrdhub bench needs the bench extra: pip install -e '.[bench]'", file=sys.stderr)
        raise SystemExit(2)
    os.execv(sys.executable, [sys.executable, "-m", "bench", *argv])


def _label_qr(args: argparse.Namespace, console: Console) -> None:
    from services.hub.qr import write_label_qr

    with _refused():
        payload = write_label_qr(args.code, args.out, base_url=args.base_url, scale=args.scale)
    console.print(f"{args.out}: QR code for {payload}")


def _report_qr(args: argparse.Namespace, console: Console) -> None:
    from services.hub.qr import write_report_qr

    with _refused():
        payload = write_report_qr(
            args.cma_number, args.report_number, args.out, base_url=args.base_url, scale=args.scale
        )
    console.print(f"{args.out}: QR code for {payload}")


@contextmanager
def _refused() -> Iterator[None]:
    """A QR code the page would refuse is input main() says in one line."""
    from services.core.errors import InvalidRequest

    try:
        yield
    except InvalidRequest as exc:
        said = "; ".join(f"{v.field}: {v.description}" for v in exc.violations)
        raise CliInputError(said or str(exc)) from None


def base_url(text: str) -> str:
    """argparse `type=` for where the verify page is served: an http or https
    URL with a host (a QR code leads a phone there)."""
    try:
        parts = urlsplit(text)
        served = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[x": an unclosed IPv6 literal
        served = False
    if not served:
        raise argparse.ArgumentTypeError(f"{text!r}: an http:// or https:// URL with a host")
    return text


def qr_image(text: str) -> Path:
    """argparse `type=` for a QR image: the suffix names a format it is written in."""
    path = Path(text)
    if path.suffix.lower() not in (".png", ".svg"):
        raise argparse.ArgumentTypeError(f"{text!r}: an image file ending .png or .svg")
    return path


def _qr_options(
    parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace, Console], None]
) -> None:
    parser.add_argument("--out", type=qr_image, required=True, help="image file (.png or .svg)")
    parser.add_argument(
        "--base-url",
        type=base_url,
        default="http://127.0.0.1:8080",
        help="where the public verify page is served",
    )
    parser.add_argument("--scale", type=int, default=8, help="pixels per module")
    parser.set_defaults(run=run)


def _kafka_acls(args: argparse.Namespace, console: Console) -> None:
    from services.common.process import topic_policy
    from services.common.tls import TlsFiles
    from services.core.provinces import Province
    from services.hub.kafka_acls import hub_acls, hub_topics, secure

    provinces = [Province.parse(p) for p in args.provinces.split(",")]
    operator = TlsFiles(args.tls_dir, args.identity)
    secure(
        args.kafka,
        operator,
        args.topic_prefix,
        provinces,
        topic_policy(args.parser, args),
    )
    console.print(
        f"{args.kafka}: {len(hub_topics(args.topic_prefix))} topics, "
        f"{len(hub_acls(args.topic_prefix, provinces))} ACLs in force"
    )


def _certs(args: argparse.Namespace, console: Console) -> None:
    from services.hub.certs import create_all

    issued = create_all(args.out)
    console.print(f"{args.out}: development CA (ca.pem, ca.key) and {len(issued)} certificates:")
    for item in issued:
        console.print(f"  {item.certificate.name:<20} {item.identity.uri}")
    console.print(
        "and a chain signing key per province (signing/<key id>.key; public: signing/keyset.json)."
    )
    console.print("Private keys (*.key) are mode 0600: keep them out of version control.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yrdhub", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="run Kafka, the four exchanges and the registry until Ctrl-C")
    up.add_argument("--workdir", type=Path, default=Path("var/hub"), help="data folder")
    up.add_argument(
        "--print-env",
        action="store_true",
        help="print every address as export lines on stdout (progress goes to stderr)",
    )
    up.add_argument("--kafka", help="use this Kafka bootstrap address instead of starting a broker")
    up.add_argument("--topic-prefix", default="", help="prefix of every topic name")
    up.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="Kafka brokers to run (3: a KRaft cluster whose topics keep 3 replicas, 2 in sync)",
    )
    up.add_argument(
        "--insecure-plaintext",
        action="store_true",
        help="DEVELOPMENT ONLY: no TLS, no authentication (default: mutual TLS with "
        "certificates made in <workdir>/certs)",
    )
    up.set_defaults(run=_up)
    demo = sub.add_parser("demo", help="bring the hub up, publish a realistic data set, query it")
    demo.add_argument("--institutions", type=int, default=1000, help="per province")
    demo.add_argument("--workdir", type=Path, help="keep data here (default: a temp folder)")
    demo.set_defaults(run=_demo)
    # The bench options (and its --help) belong to `python -m bench`, which gets them as they are.
    sub.add_parser(
        "bench",
        help="benchmarks beside baselines measured in the same run (see yrdhub bench --help)",
        add_help=False,
    )
    qr = sub.add_parser("label-qr", help="write the QR image for a green-product label")
    qr.add_argument("code", help="the label code")
    _qr_options(qr, _label_qr)
    report_qr = sub.add_parser(
        "report-qr", help="write the QR image a test report prints (it leads to its verify page)"
    )
    report_qr.add_argument("cma_number", help="the laboratory's CMA number (12 digits)")
    report_qr.add_argument("report_number", help="the report number, as printed")
    _qr_options(report_qr, _report_qr)
    certs = sub.add_parser(
        "certs",
        help="create a development CA and a certificate for every hub identity (mTLS)",
    )
    certs.add_argument(
        "--out", type=Path, required=True, help="folder for the keys and certificates"
    )
    certs.set_defaults(run=_certs)
    acls = sub.add_parser(
        "kafka-acls",
        help="create the hub's topics on a TLS Kafka cluster and grant its ACLs (as a super user)",
    )
    acls.add_argument("--kafka", required=True, help="bootstrap address")
    acls.add_argument(
        "--tls-dir", type=Path, required=True, help="folder with ca.pem and the super user's files"
    )
    acls.add_argument(
        "--identity",
        default="operator",
        help="file stem of the super user's certificate in --tls-dir (default: operator)",
    )
    acls.add_argument("--topic-prefix", default="")
    acls.add_argument("--provinces", default="SH,JS,ZJ,AH", help="comma-separated")
    add_topic_arguments(acls)
    acls.set_defaults(run=_kafka_acls, parser=acls)
    from services.hub import registry_tools, status, verify_chain, verify_draw

    status.add_parser(sub)
    verify_draw.add_parser(sub)
    verify_chain.add_parsers(sub)
    registry_tools.add_parsers(sub)
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        _bench(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    logging.basicConfig(level=logging.WARNING)
    # A tool says in one line what it could not reach; kafka-python's own
    # retries and warnings about it are noise around that line.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    console = Console()
    try:
        args.run(args, console)
    except INPUT_ERRORS as exc:
        # Input or a source that cannot be read: one line, exit status 2. Any
        # other exception is a bug and keeps its traceback.
        command = " ".join(filter(None, (args.command, getattr(args, "registry_command", None))))
        print(f"yrdhub {command}: {said(exc)}", file=sys.stderr)
        raise SystemExit(UNREADABLE) from None


if __name__ == "__main__":
    main()
