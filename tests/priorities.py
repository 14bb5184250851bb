"""How Linux weighs a process's CPU, read from /proc (services/hub/processes.py sets it)."""

from __future__ import annotations

import os
from pathlib import Path


def niceness(pid: int) -> tuple[int, int | None]:
    """A process's nice value, and its session's autogroup's where Linux has them."""
    own = os.getpriority(os.PRIO_PROCESS, pid)
    try:
        group = Path(f"/proc/{pid}/autogroup").read_text()  # "/autogroup-123 nice 10"
    except OSError:
        return own, None
    return own, int(group.split()[-1])
