"""What every service process shares: its common flags and its start-up."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any


def service_arguments(
    prog: str, description: str | None, default_listen: str
) -> argparse.ArgumentParser:
    """The flags every service takes; each also reads an environment variable."""
    env = os.environ.get
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--kafka", default=env("YRDHUB_KAFKA", "127.0.0.1:9092"))
    p.add_argument("--listen", default=env("YRDHUB_LISTEN", default_listen))
    p.add_argument("--topic-prefix", default=env("YRDHUB_TOPIC_PREFIX", ""))
    p.add_argument("--ready-file", type=Path, help="write the bound port here once serving")
    return p


def run_service(main: Coroutine[Any, Any, None]) -> None:
    logging.basicConfig(
        level=os.environ.get("YRDHUB_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    # kafka-python logs every reconnect at INFO.
    logging.getLogger("kafka").setLevel(logging.WARNING)
    tune_garbage_collector()
    asyncio.run(main)


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
