"""How many connections each client address may hold open on the verify page
at once: one address past its share is refused at once, so it cannot take the
server's whole bound of connections from everyone else.

A client is its peer address (an IPv6 address by its /64, the block one
subscriber is given). A trusted proxy carries many clients on its
connections, and its own bound is its business: it is not counted (the server's
bound still holds). X-Forwarded-For is read per request, after the connection
is taken, so it plays no part here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from services.registry.checks.verify_page import IPNetwork

# Connections one client address may hold open at once, by default: far more
# than a browser opens (six or so) or a shared NAT's visitors need at a time.
PER_CLIENT = 64


class ClientSlots:
    """The open connections of each client, counted on the server's one event
    loop (no lock)."""

    def __init__(self, per_client: int, trusted: Sequence[IPNetwork] = ()) -> None:
        self._per_client = per_client
        self._trusted = tuple(trusted)
        self._open: dict[str, int] = {}

    def take(self, peer: str) -> str | None:
        """The key the connection from `peer` is counted under ("" for a
        trusted proxy, not counted), or None when that client has its share
        open already: refuse it."""
        key = self._client(peer)
        if not key:
            return ""
        held = self._open.get(key, 0)
        if held >= self._per_client:
            return None
        self._open[key] = held + 1
        return key

    def give_back(self, key: str) -> None:
        """A connection counted under `key` closed."""
        if not key:
            return
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)

    def _client(self, peer: str) -> str:
        try:
            ip = ipaddress.ip_address(peer)
        except ValueError:
            return peer
        if any(ip in n for n in self._trusted):
            return ""
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)  # a dual-stack socket's IPv4 client
        if ip.version == 6:
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return str(ip)
