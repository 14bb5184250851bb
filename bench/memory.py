"""Peak memory of a process, from the kernel's own account."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the high-water mark of resident memory since the process started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")
