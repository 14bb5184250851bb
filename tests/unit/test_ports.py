"""The local hub's fixed ports: chosen where no outgoing connection can take
them before the service binds, and never handed out twice."""

from __future__ import annotations

import socket
from pathlib import Path

from services.hub.ports import free_port


def _ephemeral_low() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_ports_lie_below_the_range_outgoing_connections_take_theirs_from() -> None:
    low = _ephemeral_low()
    ports = [free_port() for _ in range(50)]
    assert all(port < low for port in ports)


def test_a_port_is_never_handed_out_twice_and_can_be_bound() -> None:
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))
