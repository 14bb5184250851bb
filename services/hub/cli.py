"""The `yrdhub` command: run the embedded hub, the demo, and operator tools."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from rich.console import Console

from services.hub.supervisor import Hub, HubConfig


def _up(args: argparse.Namespace, console: Console) -> None:
    hub = Hub(HubConfig(workdir=args.workdir), progress=console.log)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with hub.running():
        for name, address in hub.endpoints().items():
            console.print(f"  {name:<12} {address}")
        console.print(f"data in {args.workdir}; Ctrl-C stops everything")
        stop.wait()
        console.log("stopping")
    console.log("stopped")


def _demo(args: argparse.Namespace, console: Console) -> None:
    from services.hub.demo import run_demo

    run_demo(args.institutions, args.workdir, console)


def _bench(args: argparse.Namespace, console: Console) -> None:
    from bench.cli import run_from_args

    run_from_args(args, console)


def _label_qr(args: argparse.Namespace, console: Console) -> None:
    from services.hub.qr import write_label_qr

    payload = write_label_qr(args.code, args.out, base_url=args.base_url, scale=args.scale)
    console.print(f"{args.out}: QR code for {payload}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yrdhub", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="run Kafka, the four exchanges and the registry until Ctrl-C")
    up.add_argument("--workdir", type=Path, default=Path("var/hub"), help="data folder")
    up.set_defaults(run=_up)
    demo = sub.add_parser("demo", help="bring the hub up, publish a realistic data set, query it")
    demo.add_argument("--institutions", type=int, default=1000, help="per province")
    demo.add_argument("--workdir", type=Path, help="keep data here (default: a temp folder)")
    demo.set_defaults(run=_demo)
    bench = sub.add_parser("bench", help="benchmarks beside baselines measured in the same run")
    bench.add_argument("--quick", action="store_true", help="a smaller run, under 3 minutes")
    bench.add_argument("--json", type=Path, help="write the figures here")
    bench.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    bench.add_argument(
        "--pg-dsn", help="admin DSN for --db postgres (default: $YRDHUB_TEST_PG_DSN)"
    )
    bench.add_argument("--scale", action="store_true", help="also fill to 10k, 100k and 1M records")
    bench.add_argument("--chart", type=Path, default=Path("bench/results/scale.png"))
    bench.set_defaults(run=_bench)
    qr = sub.add_parser("label-qr", help="write the QR image for a green-product label")
    qr.add_argument("code", help="the label code")
    qr.add_argument("--out", type=Path, required=True, help="image file (.png or .svg)")
    qr.add_argument(
        "--base-url", default="http://127.0.0.1:8080", help="where the public verify page is served"
    )
    qr.add_argument("--scale", type=int, default=8, help="pixels per module")
    qr.set_defaults(run=_label_qr)
    from services.hub import verify_draw

    verify_draw.add_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    console = Console()
    args.run(args, console)


if __name__ == "__main__":
    main()
