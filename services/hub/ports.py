"""Ports for the processes the local hub starts, chosen before they start.

The hub gives each service a fixed port so that a service it restarts is
where it was. A port the kernel hands out for "any free port" comes from its
ephemeral range, which is also where every outgoing connection (Kafka
clients, gRPC channels) takes its local port: between the pick and the
child's bind, a connection could take it, and the child would fail to start.
So ports are picked below that range, where only listeners bind, and never
handed out twice by one process.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000
_handed_out: set[int] = set()
_lock = threading.Lock()


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _any_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on, outside the ephemeral range."""
    top = _ephemeral_low()
    with _lock:
        if top - _LOWEST >= 1_000:
            for _ in range(200):
                port = random.randrange(_LOWEST, top)
                if port not in _handed_out and _bindable(port):
                    _handed_out.add(port)
                    return port
        # A machine whose ephemeral range leaves no room below it.
        port = _any_free_port()
        _handed_out.add(port)
        return port
