"""How Linux weighs a process's CPU, read from /proc (services/hub/processes.py sets it)."""

from __future__ import annotations

import os
from pathlib import Path


def niceness(pid: int) -> tuple[int, int | None]:
    """A process's nice value, and its session's autogroup's where Linux has them."""
    own = os.getpriority(os.PRIO_PROCESS, pid)
    try:
        # "/autogroup-123 nice 10"; empty for a session left in the default group
        # (one that has not called setsid since boot, as a container's first process)
        fields = Path(f"/proc/{pid}/autogroup").read_text().split()
    except OSError:
        return own, None
    return own, int(fields[-1]) if fields else None
