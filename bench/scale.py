"""`yrdhub bench --scale`: how cost grows from 10k to 10M records."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.load import drive_unary
from bench.measures import CHECK_METHOD, check_payloads, ingest, measure_batch_checks, replay
from bench.memory import peak_rss_mb, private_mb
from bench.run import Log
from devtools.datagen import generate_chunks
from services.core.provinces import Province
from services.hub.kafka_broker import KafkaBroker
from services.hub.supervisor import Hub, HubConfig
from yrdhub.v1 import records_pb2

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
# Institutions per province in a chunk of the data set: about 290,000 records,
# 850 MB to draw; the run holds one chunk at a time, never the whole set.
CHUNK_INSTITUTIONS = 20_000
# Records sent between two looks at the registry: a step's rate is over all of them.
PIECE = 250_000

# Batch checks at each size: 1,000 labels a call, as `--quick` sends.
BATCH_CALLS = 100

Records = dict[Province, list[records_pb2.Record]]


class _Feed:
    """The run's records, drawn a chunk at a time and handed out in the
    provinces' proportions, each record once."""

    def __init__(self, seed: int, log: Log, institutions: int) -> None:
        self._chunks = generate_chunks(institutions, 1 << 30, seed=seed)
        self._pending: Records = {p: [] for p in Province}
        self._log = log
        self._drawn = 0

    def take(self, count: int) -> Records:
        while sum(len(rs) for rs in self._pending.values()) < count:
            chunk = next(self._chunks)
            for p, rs in chunk.by_province.items():
                self._pending[p].extend(rs)
            self._drawn += chunk.total()
            self._log(f"drew {self._drawn:,} records so far")
        # Exactly `count`: each province its share rounded down, then one more
        # to those with the largest remainders (rounding each could miss by one).
        share = count / sum(len(rs) for rs in self._pending.values())
        exact = {p: len(rs) * share for p, rs in self._pending.items()}
        cuts = {p: int(x) for p, x in exact.items()}
        by_remainder = sorted(exact, key=lambda p: exact[p] - cuts[p], reverse=True)
        for p in by_remainder[: count - sum(cuts.values())]:
            cuts[p] += 1
        taken: Records = {}
        for p, rs in self._pending.items():
            taken[p], self._pending[p] = rs[: cuts[p]], rs[cuts[p] :]
        return taken


def run_scale(
    log: Log,
    sizes: tuple[int, ...] = SIZES,
    check_calls: int = 5_000,
    batch_calls: int = BATCH_CALLS,
) -> list[dict[str, Any]]:
    """Fills one hub step by step to each size; at each: ingest rate of the
    step, single-check latency, batch checks, the registry's memory, and how
    long a new registry takes to rebuild itself from offset zero of the topics."""
    rows: list[dict[str, Any]] = []
    # A small run draws small chunks (about 14 records per institution and province).
    feed = _Feed(seed=99, log=log, institutions=min(CHUNK_INSTITUTIONS, max(sizes) // 14 + 1))
    with tempfile.TemporaryDirectory(prefix="yrdhub-scale-") as tmp:
        root = Path(tmp)
        with KafkaBroker(root / "kafka") as broker:
            config = HubConfig(workdir=root / "hub", kafka=broker.bootstrap, topic_prefix="scale.")
            with Hub(config, progress=log).running() as hub:
                filled = 0
                for size in sorted(sizes):
                    log(f"filling to {size:,} records")
                    moved, seconds, last = 0, 0.0, {}
                    while filled + moved < size:
                        last = feed.take(min(PIECE, size - filled - moved))
                        done = ingest(hub, last)
                        moved += done.records
                        seconds += done.served_s
                    filled += moved
                    row = {
                        "records": filled,
                        "ingest_rps": moved / seconds,
                        **_checks(hub, last, check_calls, batch_calls),
                        "registry_rss_mb": peak_rss_mb(hub.registry.pid or 0),
                        "registry_private_mb": private_mb(hub.registry.pid or 0),
                    }
                    log(f"{size:,}: {row}; rebuilding a registry from offset zero")
                    rows.append({**row, **_rebuild(hub, root, filled)})
                    log(f"{size:,}: {rows[-1]}")
    return rows


def _checks(hub: Hub, sample: Records, calls: int, batch_calls: int) -> dict[str, float]:
    """Saturated (32 in flight: latency is mostly queueing, so it follows
    throughput) and one at a time (the cost of a check), over codes of the
    records sent last; and batch label checks over their labels."""
    payloads = check_payloads(sample, 2000)
    stats = drive_unary(hub.registry.address, CHECK_METHOD, payloads, calls=calls)
    alone = drive_unary(hub.registry.address, CHECK_METHOD, payloads, calls=2000, concurrency=1)
    return {
        "check_rps": stats.rps,
        "check_p50_ms": stats.percentile(50),
        "check_p99_ms": stats.percentile(99),
        "check_alone_p50_ms": alone.percentile(50),
        "check_alone_p99_ms": alone.percentile(99),
        **measure_batch_checks(hub, sample, batch_calls).figures(),
    }


def _rebuild(hub: Hub, root: Path, events: int) -> dict[str, float]:
    """A new registry on an empty database reads the topics from offset zero:
    seconds from its start until it has applied every event, and its memory."""
    folder = root / f"rebuild-{events}"
    folder.mkdir()
    started = time.perf_counter()
    try:
        done = replay(hub, folder, f"sqlite:///{folder / 'registry.db'}", events)
    finally:
        shutil.rmtree(folder)  # gigabytes at 10M, and the next size builds its own
    return {
        "rebuild_s": time.perf_counter() - started,
        "rebuild_eps": done.rate,
        "rebuild_rss_mb": done.peak_rss_mb,
    }


def write_chart(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["records"] for r in rows]
    fig, (ingest, check, alone, batch, rss, rebuild) = plt.subplots(1, 6, figsize=(25, 4))
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
    batch.plot(sizes, [r["batch_check_lps"] for r in rows], marker="o", label="asked again")
    batch.plot(
        sizes, [r["batch_check_after_commit_lps"] for r in rows], marker="o", label="after a commit"
    )
    batch.plot(sizes, [r["batch_check_cold_lps"] for r in rows], marker="o", label="first asked")
    batch.legend()
    batch.set_title("batch checks, 1,000 labels a call (labels/s)")
    rss.plot(sizes, [r["registry_rss_mb"] for r in rows], marker="o", label="peak RSS")
    rss.plot(sizes, [r["registry_private_mb"] for r in rows], marker="o", label="private, after")
    rss.set_title("registry memory (MB)")
    rss.legend()
    rebuild.plot(sizes, [r["rebuild_s"] for r in rows], marker="o")
    rebuild.set_title("a new registry rebuilt from offset zero (s)")
    rebuild.set_yscale("log")
    for ax in (ingest, check, alone, batch, rss, rebuild):
        ax.set_xscale("log")
        ax.set_xlabel("records in the hub")
        if ax is not rebuild:
            ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    fig.suptitle("yrdhub: cost as the hub grows (same machine, same run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
