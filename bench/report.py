"""The benchmark table, as a person reads it."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table

from bench.run import TARGETS, target_verdicts

if TYPE_CHECKING:
    from bench.chaos import ChaosReport

_ROWS = [
    (
        "ingest_rps",
        "ingest: gRPC in → visible in registry (records/s)",
        "baseline_produce_rps",
        "ingest_ratio",
    ),
    ("apply_rps", "apply: Kafka → registry SQL (events/s)", "baseline_consume_rps", "apply_ratio"),
    (
        "apply_floor_rps",
        "  its rows written alone, the most apply can reach (events/s)",
        "baseline_consume_rps",
        "apply_floor_ratio",
    ),
    ("check_rps", "single check (requests/s)", "baseline_echo_rps", "check_ratio"),
    ("check_p99_ms", "single check p99 (ms)", None, None),
    ("batch_check_lps", "batch check, 1,000 per call (labels/s)", None, None),
    ("propagation_p99_ms", "status change → other province's stream (p99 ms)", None, None),
    ("team_draw_p99_ms", "team draw, 10,000 assessors (p99 ms)", None, None),
]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def results_table(results: dict[str, Any]) -> Table:
    verdicts = target_verdicts(results)
    table = Table(title=f"yrdhub bench on {machine()}")
    for col in ("figure", "hub", "baseline (same run)", "ratio", "target", ""):
        table.add_column(col, justify="left" if col == "figure" else "right")
    for key, label, base_key, ratio_key in _ROWS:
        judged = ratio_key or key
        target = TARGETS.get(judged)
        table.add_row(
            label,
            f"{results[key]:,.1f}",
            f"{results[base_key]:,.0f}" if base_key else "",
            f"{results[ratio_key]:.2f}" if ratio_key else "",
            f"{target[0]} {target[1]:,}" if target else "",
            ("[green]ok[/]" if verdicts[judged] else "[red]below[/]") if judged in verdicts else "",
        )
    rss = results["rss_mb"]
    table.add_row(
        "peak RSS (MB)",
        f"exchange {rss['exchange']:.0f} / registry {rss['registry']:.0f}",
        "",
        "",
        "",
        "",
    )
    private = results.get("private_mb")
    if private:
        table.add_row(
            "private memory after (MB)",
            f"exchange {private['exchange']:.0f} / registry {private['registry']:.0f}",
            "",
            "",
            "",
            "",
        )
    return table


def chaos_table(reports: Sequence[ChaosReport]) -> Table:
    table = Table(title=f"yrdhub bench --chaos on {machine()}")
    for col in ("seed", "faults", "versions expected", "in registry", "retries", "s", ""):
        table.add_column(col, justify="right")
    for r in reports:
        table.add_row(
            str(r.seed),
            str(len(r.faults)),
            f"{r.versions_expected:,}",
            f"{r.versions_in_registry:,}",
            f"{sum(r.retries.values()):,}",
            f"{r.seconds:.0f}",
            "[green]digest equal[/]" if r.ok else "[red]FAILED[/]",
        )
    return table
