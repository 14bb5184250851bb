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
    (
        "ingest_answered_rps",
        "  answered by the exchanges (records/s); ratio: the share of ingest's "
        "time the registry took after the last answer",
        None,
        "ingest_registry_tail",
    ),
    (
        "ingest_cold_rps",
        "  the same, the warm-up before it: a fresh hub and broker (records/s)",
        "baseline_produce_rps",
        "ingest_cold_ratio",
    ),
    ("apply_rps", "apply: Kafka → registry SQL (events/s)", "baseline_consume_rps", "apply_ratio"),
    (
        "apply_floor_rps",
        "  its rows written alone, the most apply can reach (events/s)",
        "baseline_consume_rps",
        "apply_floor_ratio",
    ),
    (
        "ingest_floor_rps",
        "  its rows written alone, then produced raw (records/s)",
        None,
        "ingest_of_floor",
    ),
    (
        "ingest_cpu_ceiling_rps",
        "  what the cores carry if the exchanges cost no CPU, the rest what it did; "
        "ratio: the most ingest_of_floor can reach (records/s)",
        "ingest_floor_rps",
        "ingest_cpu_ceiling_of_floor",
    ),
    ("apply_rps", "  apply against its storage floor", "apply_floor_rps", "apply_of_floor"),
    (
        "apply_rw_floor_rps",
        "  its events read while their rows are written; ratio: the most "
        "apply_of_floor can reach (events/s)",
        "apply_floor_rps",
        "apply_rw_floor_ratio",
    ),
    ("apply_rps", "  apply against that floor", "apply_rw_floor_rps", "apply_of_rw_floor"),
    ("check_rps", "single check (requests/s)", "baseline_echo_rps", "check_ratio"),
    (
        "check_floor_rps",
        "  a second echo server sending the checks' answers' sizes, the most a check "
        "can reach (requests/s)",
        "baseline_echo_rps",
        "check_floor_ratio",
    ),
    ("check_rps", "  single check against that floor", "check_floor_rps", "check_of_floor"),
    ("check_p99_ms", "single check p99 (ms)", None, None),
    (
        "batch_check_lps",
        "batch check, 1,000 per call, labels asked again (labels/s)",
        None,
        None,
    ),
    (
        "batch_labels_per_echo_call",
        "  labels per echo call (the same run's echo server)",
        None,
        None,
    ),
    (
        "batch_check_after_commit_lps",
        "  each label asked once after a commit (labels/s)",
        None,
        None,
    ),
    ("batch_after_commit_labels_per_echo_call", "    labels per echo call", None, None),
    (
        "batch_check_cold_lps",
        "  each label asked once since the registry started (labels/s)",
        None,
        None,
    ),
    ("propagation_p99_ms", "status change → other province's stream (p99 ms)", None, None),
    ("propagation_p99_echo_calls", "  in echo calls", None, None),
    ("propagation_stream_p50_ms", "  its p50 (ms)", None, None),
    ("kafka_round_trip_p50_ms", "  one message through Kafka alone (p50 ms)", None, None),
    ("kafka_round_trip_p99_ms", "  one message through Kafka alone (p99 ms)", None, None),
    ("kafka_round_trip_p99_echo_calls", "    in echo calls", None, None),
    ("team_draw_p99_ms", "team draw, 10,000 assessors (p99 ms)", None, None),
    ("team_draw_p99_echo_calls", "  in echo calls", None, None),
    ("team_draw_floor_p99_ms", "  its writes alone, the floor (p99 ms)", None, None),
    ("team_draw_floor_p99_echo_calls", "    in echo calls", None, None),
    ("team_draw_of_floor", "  the floor's p99 over the draw's", None, None),
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
            ("[green]met[/]" if verdicts[judged] else "[red]missed[/]")
            if judged in verdicts
            else "",
        )
    stages = results["propagation_stage_p50_ms"]
    table.add_row(
        "a status change's way, p50 (ms)",
        f"call and checks {stages['call_and_checks']:.1f} / outbox, relay and Kafka "
        f"{stages['outbox_relay_kafka']:.1f}"
        f" / apply and stream {stages['apply_and_stream']:.1f}",
        "",
        "",
        "",
        "",
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
    columns = ("seed", "faults", "versions expected", "in registry", "failed restarts", "s", "")
    for col in columns:
        table.add_column(col, justify="right")
    for r in reports:
        table.add_row(
            str(r.seed),
            str(len(r.faults)),
            f"{r.versions_expected:,}",
            f"{r.versions_in_registry:,}",
            str(len(r.failed_restarts)),
            f"{r.seconds:.0f}",
            "[green]digest equal[/]" if r.ok else "[red]FAILED[/]",
        )
    return table


def soak_table(results: dict[str, Any]) -> Table:
    table = Table(
        title=f"yrdhub bench --soak {results['minutes']:g} min at {results['load']:g} "
        f"of the mixed maximum, on {machine()}"
    )
    for col in ("", "alone, max /s", "in the soak /s", "calls", "errors"):
        table.add_column(col, justify="right")
    for kind in ("publish", "check", "draw", "change"):
        errors = sum(n for k, n in results["errors"].items() if k.startswith(kind))
        table.add_row(
            {"publish": "records published", "change": "changes streamed"}.get(kind, kind + "s"),
            f"{results['maxima_per_s'][kind]:,.1f}" if kind in results["maxima_per_s"] else "",
            f"{results['rates_per_s'].get(kind, 0):,.1f}",
            f"{results['calls'].get(kind, 0):,}",
            str(errors),
        )
    table.add_row(
        "changes streamed per record published",
        "",
        f"{results['streamed_share']:.3f}",
        "",
        "[green]kept up[/]" if results["streams_kept_up"] else "[red]fell behind[/]",
    )
    for name, m in results["memory_mb"].items():
        rss, own = m["rss"], m["own"]
        table.add_row(
            f"{name} MB start/middle/end",
            f"RSS {rss[0]:.0f}/{rss[1]:.0f}/{rss[2]:.0f}",
            f"own {own[0]:.0f}/{own[1]:.0f}/{own[2]:.0f}",
            "",
            "[green]flat[/]" if m["flat"] else "[red]grows[/]",
        )
    return table
