"""`yrdhub bench` options to a run, a table and a JSON file."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from rich.console import Console

from bench.postgres import PostgresDatabases
from bench.report import machine, results_table
from bench.run import BenchSettings, run_bench, write_json


def run_from_args(args: argparse.Namespace, console: Console) -> None:
    pg: PostgresDatabases | None = None
    if args.db == "postgres":
        dsn = args.pg_dsn or os.environ.get("YRDHUB_TEST_PG_DSN")
        if not dsn:
            raise SystemExit(
                "--db postgres needs --pg-dsn or YRDHUB_TEST_PG_DSN (see scripts/postgres.sh)"
            )
        pg = PostgresDatabases(dsn)
    settings = BenchSettings(quick=args.quick, db_url_for=pg.url if pg else None)
    try:
        results: dict[str, Any] = run_bench(settings, console.log)
        results["machine"] = machine()
        results["db"] = args.db
        if args.scale:
            from bench.scale import run_scale, write_chart

            rows = run_scale(console.log)
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
