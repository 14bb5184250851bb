"""`yrdhub bench` options to a run, a table and a JSON file.

`yrdhub bench ...` runs `python -m bench ...`, so the hub's CLI never imports
this package; the options are defined here only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.postgres import PostgresDatabases
from bench.report import chaos_table, machine, results_table, soak_table
from bench.run import BenchSettings, run_bench, write_json

BENCH_EXTRA_HINT = "yrdhub bench needs the bench extra: pip install -e '.[bench]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a smaller run, under 3 minutes")
    parser.add_argument("--json", type=Path, help="write the figures here")
    # Smaller than --quick for a smoke test of the bench itself: such a run's
    # figures are not comparable with --quick's.
    sizes = parser.add_argument_group("sizes (default: those of the run, --quick or full)")
    sizes.add_argument("--institutions", type=int, default=0, help="institutions per province")
    sizes.add_argument(
        "--check-calls", type=int, default=0, help="single checks to each side of the comparison"
    )
    sizes.add_argument("--samples", type=int, default=0, help="status changes timed end to end")
    sizes.add_argument("--draws", type=int, default=0, help="team draws timed")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pg-dsn", help="admin DSN for --db postgres (default: $YRDHUB_TEST_PG_DSN)"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="also fill one hub to 10k, 100k, 1M and 10M records (about two hours, 60 GB of disk)",
    )
    parser.add_argument(
        "--scale-upto",
        type=int,
        default=10_000_000,
        metavar="RECORDS",
        help="stop --scale at this size (e.g. 1000000)",
    )
    parser.add_argument("--chart", type=Path, default=Path("bench/results/scale.png"))
    # The long modes, each instead of the figures.
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--chaos",
        type=int,
        metavar="RUNS",
        help="instead of the figures: RUNS seeded fault runs (processes and brokers killed "
        "and paused during a sync), each judged against an oracle (bench/chaos.py)",
    )
    parser.add_argument(
        "--chaos-records", type=int, default=100_000, help="records a chaos run syncs"
    )
    parser.add_argument(
        "--seed", type=int, help="the first chaos run's seed (the next ones follow it)"
    )
    modes.add_argument(
        "--soak",
        type=float,
        metavar="MINUTES",
        help="instead of the figures: a mixed load for MINUTES at half the mixed maximum, "
        "with zero errors and flat memory in every process (bench/soak.py)",
    )
    parser.add_argument(
        "--soak-load", type=float, default=0.5, help="the soak's share of the mixed maximum"
    )
    parser.add_argument(
        "--soak-chart",
        type=Path,
        default=Path("bench/results/soak.png"),
        help="where the soak's chart of memory over time goes",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="yrdhub bench", description="benchmarks beside baselines measured in the same run"
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.scale and importlib.util.find_spec("matplotlib") is None:
        print(BENCH_EXTRA_HINT, file=sys.stderr)
        raise SystemExit(2)
    run_from_args(args, Console())


def run_from_args(args: argparse.Namespace, console: Console) -> None:
    if args.chaos is not None:
        run_chaos_from_args(args, console)
        return
    if args.soak is not None:
        run_soak_from_args(args, console)
        return
    pg: PostgresDatabases | None = None
    if args.db == "postgres":
        dsn = args.pg_dsn or os.environ.get("YRDHUB_TEST_PG_DSN")
        if not dsn:
            raise SystemExit(
                "--db postgres needs --pg-dsn or YRDHUB_TEST_PG_DSN (see scripts/postgres.sh)"
            )
        pg = PostgresDatabases(dsn)
    if min(args.institutions, args.check_calls, args.samples, args.draws) < 0:
        raise SystemExit("sizes are counts: 0 (the run's default) or more")
    settings = BenchSettings(
        quick=args.quick,
        db_url_for=pg.url if pg else None,
        institutions=args.institutions,
        check_calls=args.check_calls,
        propagation_samples=args.samples,
        draws=args.draws,
    )
    try:
        results: dict[str, Any] = run_bench(settings, console.log)
        results["machine"] = machine()
        results["db"] = args.db
        if args.scale:
            from bench.scale import SIZES, run_scale, write_chart

            rows = run_scale(console.log, sizes=tuple(n for n in SIZES if n <= args.scale_upto))
            results["scale"] = rows
            args.chart.parent.mkdir(parents=True, exist_ok=True)
            write_chart(rows, args.chart)
            console.log(f"chart written to {args.chart}")
    finally:
        if pg is not None:
            pg.drop_all()
    console.print(results_table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_json(results, args.json)
        console.log(f"figures written to {args.json}")
    else:
        console.print_json(json.dumps(results))


def run_chaos_from_args(args: argparse.Namespace, console: Console) -> None:
    """Exits 1 unless every run's registry equals its oracle."""
    from bench.chaos import run_chaos_series

    if args.chaos < 1 or args.chaos_records < 100:
        raise SystemExit("--chaos takes at least 1 run, --chaos-records at least 100")
    reports = run_chaos_series(args.chaos, args.seed, args.chaos_records, console.log)
    console.print(chaos_table(reports))
    _write_long_mode(args.json, {"chaos": [r.as_dict() for r in reports], "machine": machine()})
    for report in reports:
        for problem in [*report.problems, *report.failed_restarts]:
            console.print(f"seed {report.seed}: {problem}")
    if not all(r.ok for r in reports):
        raise SystemExit(1)


def run_soak_from_args(args: argparse.Namespace, console: Console) -> None:
    """Exits 1 on any error, memory that grows, or a registry left behind."""
    from bench.soak import SoakSettings, run_soak, soak_ok, write_chart

    if args.soak <= 0 or not 0 < args.soak_load <= 1:
        raise SystemExit("--soak takes minutes above 0, --soak-load a share in (0, 1]")
    if importlib.util.find_spec("matplotlib") is None:
        print(BENCH_EXTRA_HINT, file=sys.stderr)
        raise SystemExit(2)
    results = run_soak(SoakSettings(args.soak, args.soak_load), console.log)
    results["machine"] = machine()
    args.soak_chart.parent.mkdir(parents=True, exist_ok=True)
    write_chart(results["samples"], args.soak_chart)
    console.log(f"chart written to {args.soak_chart}")
    console.print(soak_table(results))
    _write_long_mode(args.json, results)
    if not soak_ok(results):
        console.print(f"[red]soak failed[/]: errors {results['errors']} {results['first_errors']}")
        raise SystemExit(1)


def _write_long_mode(path: Path | None, figures: dict[str, Any]) -> None:
    """A long mode's figures as JSON (the bench's own keys do not apply)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
