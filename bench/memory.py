"""Memory and CPU time of a process, from the kernel's own account."""

from __future__ import annotations

import os
from pathlib import Path


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for pid {pid}")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the high-water mark of resident memory since the process started.

    It counts pages of files the process maps, such as the registry's SQLite
    database (up to 256 MiB), which the kernel shares and can reclaim.
    """
    return _status_mb(pid, "VmHWM")


def private_mb(pid: int) -> float:
    """RssAnon now: the process's own memory, without mapped files."""
    return _status_mb(pid, "RssAnon")


def rss_mb(pid: int) -> float:
    """VmRSS: resident memory now, mapped files' pages included."""
    return _status_mb(pid, "VmRSS")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used, all its threads together."""
    # Fields 14 and 15 of /proc/PID/stat, counted after the command's ")".
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
