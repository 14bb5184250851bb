"""Reads on the registry's event loop share a snapshot until the registry writes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from pathlib import Path

import pytest

from services.common.db import make_engine
from services.core.provinces import Province
from services.core.status import CertificateStatus
from services.registry.checks import reader as reader_module
from services.registry.checks.reader import SNAPSHOT_SECONDS, PointReader
from tests.conftest import Databases
from tests.factories import AppliedStore, event, green_cert

LABEL = green_cert().label_code


def _statuses(reader: PointReader) -> list[str | None]:
    return [status for _answer, status, _until, _province, _since in reader.answers_by_code(LABEL)]


def test_reads_on_the_loop_see_every_announced_commit(databases: Databases) -> None:
    store = AppliedStore(make_engine(databases.new("registry")))
    store.create_schema()
    reader = PointReader(store._engine)

    def write(revision: int, status: CertificateStatus) -> None:
        with reader.writes():
            store.apply([event(green_cert(status=status), Province.ZJ, revision)], {})

    async def main() -> None:
        assert _statuses(reader) == []
        await asyncio.to_thread(write, 1, CertificateStatus.VALID)
        assert _statuses(reader) == ["VALID"]
        await asyncio.to_thread(write, 2, CertificateStatus.SUSPENDED)
        assert _statuses(reader) == ["SUSPENDED"]

    asyncio.run(main())


def test_a_code_checked_again_before_a_commit_is_answered_without_a_read(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AppliedStore(make_engine(databases.new("registry")))
    store.create_schema()
    reader = PointReader(store._engine)
    with reader.writes():
        store.apply([event(green_cert(status=CertificateStatus.VALID), Province.ZJ, 1)], {})
    first = reader.answers_by_code(LABEL)
    assert reader.answers_by_code(LABEL) is first
    # Past the bound the older half of the kept answers is dropped and read
    # again, still right; the newer are kept.
    monkeypatch.setattr(reader_module, "MAX_CACHED_CODES", 4)
    found = {other: reader.answers_by_code(other) for other in ("GP1", "GP2", "GP3", "GP4")}
    assert found == {"GP1": [], "GP2": [], "GP3": [], "GP4": []}
    assert reader.answers_by_code("GP3") is found["GP3"]  # kept when GP4 came
    again = reader.answers_by_code(LABEL)
    assert again is not first and again == first
    with reader.writes():
        store.apply([event(green_cert(status=CertificateStatus.REVOKED), Province.ZJ, 2)], {})
    assert _statuses(reader) == ["REVOKED"]


def _checkpoint_blocked(path: Path) -> bool:
    """Whether a reader stops a full checkpoint of the write-ahead log now."""
    with contextlib.closing(sqlite3.connect(path, timeout=0)) as conn:
        busy, _log, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy)


def test_a_snapshot_left_by_reads_that_stopped_ends_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    store = AppliedStore(make_engine(f"sqlite:///{path}"))
    store.create_schema()
    store.apply([event(green_cert(), Province.ZJ)], {})
    reader = PointReader(store._engine)

    async def main() -> None:
        assert _statuses(reader) == ["VALID"]
        assert _checkpoint_blocked(path)  # the snapshot is held between reads
        await asyncio.sleep(SNAPSHOT_SECONDS * 3)
        assert not _checkpoint_blocked(path)

    asyncio.run(main())


def _log_reused_while_reading(
    tmp_path: Path, batches: int, per_batch: int, *, between: bool
) -> None:
    """The ingest thread writes `batches` transactions while the loop reads:
    all along, or (`between`) exactly once between two writes, so that each
    write begins and commits while the loop holds the snapshot of that read.
    Either way the log must restart from its beginning instead of growing with
    every commit."""
    path = tmp_path / "registry.db"
    store = AppliedStore(make_engine(f"sqlite:///{path}"))
    store.create_schema()
    reader = PointReader(store._engine)
    done = threading.Event()

    async def read() -> None:
        reader.answers_by_code(LABEL)

    def write(loop: asyncio.AbstractEventLoop) -> None:
        for b in range(batches):
            events = [
                event(
                    green_cert(number=f"CQC2024GP{b:03d}{i:04d}", label=f"GP{b:07d}{i:07d}"),
                    Province.ZJ,
                )
                for i in range(per_batch)
            ]
            with reader.writes():
                store.apply(events, {})
            if between:
                asyncio.run_coroutine_threadsafe(read(), loop).result()
        done.set()

    async def main() -> None:
        writer = asyncio.create_task(asyncio.to_thread(write, asyncio.get_running_loop()))
        while not done.is_set():
            if not between:
                await read()
            await asyncio.sleep(0.0005)
        await writer

    asyncio.run(main())
    # Reused, the log stays near SQLite's checkpoint size (1,000 pages, 4 MiB:
    # 4.7 MB here, beside a 30 MB database); not reused, it holds every commit
    # (40 MB when the snapshot outlived the commits).
    database, log = path.stat().st_size, Path(f"{path}-wal").stat().st_size
    assert log < database / 3, (database, log)


def test_reads_all_along_the_writes_let_the_log_be_reused(tmp_path: Path) -> None:
    _log_reused_while_reading(tmp_path, 60, 300, between=False)


def test_reads_between_the_writes_let_the_log_be_reused(tmp_path: Path) -> None:
    """Only ending the loop's snapshot when a write begins lets the checkpoint
    after each commit finish."""
    _log_reused_while_reading(tmp_path, 60, 300, between=True)
