"""Memory and CPU time of a process, from the kernel's own account."""

from __future__ import annotations

import os
from collections.abc import Callable
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


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command's ")" (field 3 on)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used, all its threads together."""
    fields = _stat(pid)  # utime and stime: fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parent_pid(pid: int) -> int:
    return int(_stat(pid)[1])


def server_cpu_seconds(pid: int, part_of: Callable[[str], str], ended: str) -> dict[str, float]:
    """CPU time of a server that works in child processes (PostgreSQL's
    postmaster and its backends), by part: each live child's under
    `part_of` its command line (where PostgreSQL shows a backend's
    database), and the server's own with its ended children's (cutime and
    cstime, fields 16 and 17) under `ended`."""
    tick = os.sysconf("SC_CLK_TCK")
    parts = {ended: sum(int(f) for f in _stat(pid)[11:15]) / tick}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        # A child that ends while this runs is missed in this reading (its
        # time was not yet in the server's cutime above); one gone is skipped.
        try:
            child = int(entry.name)
            if parent_pid(child) != pid:
                continue
            part = part_of(Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"))
            parts[part] = parts.get(part, 0.0) + cpu_seconds(child)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return parts
