"""What every service process shares: its common flags and its start-up."""

from __future__ import annotations

import argparse
import asyncio
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
    asyncio.run(main)
