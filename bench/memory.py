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


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command's ")" (field 3 on)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used, all its threads together."""
    fields = _stat(pid)  # utime and stime: fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parent_pid(pid: int) -> int:
    return int(_stat(pid)[1])


def server_cpu_seconds(pid: int) -> float:
    """CPU time of a server that works in child processes (PostgreSQL's
    postmaster and its backends): its own, its children's that have ended
    (cutime and cstime, fields 16 and 17) and its live children's."""
    fields = _stat(pid)
    ticks = sum(int(f) for f in fields[11:15])
    own = ticks / os.sysconf("SC_CLK_TCK")
    live = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        # A child that ends while this runs is missed or counted twice in
        # this reading (a short-lived backend's time); one gone is skipped.
        try:
            if parent_pid(int(entry.name)) == pid:
                live += cpu_seconds(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return own + live
