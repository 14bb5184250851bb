"""`yrdhub bench --scale`: how cost grows from 10k to 1M records."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.load import drive_unary
from bench.measures import CHECK_METHOD, check_payloads, measure_ingest
from bench.memory import peak_rss_mb, private_mb
from bench.run import Log, _valid
from devtools.datagen import generate
from services.core.provinces import Province
from services.hub.kafka_broker import KafkaBroker
from services.hub.supervisor import Hub, HubConfig
from yrdhub.v1 import records_pb2

SIZES = (10_000, 100_000, 1_000_000)
RECORDS_PER_INSTITUTION = 2.95 * len(Province)  # what datagen yields per institution and province


def _slice(
    records: dict[Province, list[records_pb2.Record]], start: float, end: float
) -> dict[Province, list[records_pb2.Record]]:
    return {p: rs[int(len(rs) * start) : int(len(rs) * end)] for p, rs in records.items()}


def run_scale(
    log: Log, sizes: tuple[int, ...] = SIZES, check_calls: int = 5_000
) -> list[dict[str, Any]]:
    """Fills one hub step by step to each size; at each: ingest rate of the step,
    single-check latency and the registry's memory."""
    largest = max(sizes)
    log(f"generating about {largest:,} records")
    data = generate(int(largest / RECORDS_PER_INSTITUTION) + 1, seed=99, invalid_ratio=0.0)
    records = _valid(data)
    total = sum(len(rs) for rs in records.values())
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="yrdhub-scale-") as tmp:
        root = Path(tmp)
        with KafkaBroker(root / "kafka") as broker:
            config = HubConfig(workdir=root / "hub", kafka=broker.bootstrap, topic_prefix="scale.")
            with Hub(config, progress=log).running() as hub:
                done = 0.0
                for size in sorted(sizes):
                    upto = min(1.0, size / total)
                    step = _slice(records, done, upto)
                    log(f"filling to {size:,} records")
                    rps, _moved = measure_ingest(hub, step)
                    done = upto
                    filled = _slice(records, 0.0, upto)
                    payloads = check_payloads(filled, 2000)
                    # Saturated (32 in flight: latency is mostly queueing, so it
                    # follows throughput) and one at a time (the cost of a check).
                    stats = drive_unary(
                        hub.registry.address, CHECK_METHOD, payloads, calls=check_calls
                    )
                    alone = drive_unary(
                        hub.registry.address, CHECK_METHOD, payloads, calls=2000, concurrency=1
                    )
                    rows.append(
                        {
                            "records": size,
                            "ingest_rps": rps,
                            "check_rps": stats.rps,
                            "check_p50_ms": stats.percentile(50),
                            "check_p99_ms": stats.percentile(99),
                            "check_alone_p50_ms": alone.percentile(50),
                            "check_alone_p99_ms": alone.percentile(99),
                            "registry_rss_mb": peak_rss_mb(hub.registry.pid or 0),
                            "registry_private_mb": private_mb(hub.registry.pid or 0),
                        }
                    )
                    log(f"{size:,}: {rows[-1]}")
    return rows


def write_chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["records"] for r in rows]
    fig, (ingest, check, alone, rss) = plt.subplots(1, 4, figsize=(17, 4))
    ingest.plot(sizes, [r["ingest_rps"] for r in rows], marker="o")
    ingest.set_title("ingest (records/s)")
    check.plot(sizes, [r["check_p50_ms"] for r in rows], marker="o", label="p50")
    check.plot(sizes, [r["check_p99_ms"] for r in rows], marker="o", label="p99")
    check.set_title("single check latency, 32 in flight (ms)")
    check.legend()
    alone.plot(sizes, [r["check_alone_p50_ms"] for r in rows], marker="o", label="p50")
    alone.plot(sizes, [r["check_alone_p99_ms"] for r in rows], marker="o", label="p99")
    alone.set_title("single check latency, one at a time (ms)")
    alone.legend()
    rss.plot(sizes, [r["registry_rss_mb"] for r in rows], marker="o", label="peak RSS")
    rss.plot(sizes, [r["registry_private_mb"] for r in rows], marker="o", label="private, after")
    rss.set_title("registry memory (MB)")
    rss.legend()
    for ax in (ingest, check, alone, rss):
        ax.set_xscale("log")
        ax.set_xlabel("records in the hub")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    fig.suptitle("yrdhub: cost as the hub grows (same machine, same run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
