"""How many calls and streams one caller may have in progress on a server.

A server's own limit (ServerLimits.concurrent_rpcs) is shared by everyone:
without a share per caller, one province's regulators opening change streams
in a loop would leave none for the others. Callers are told apart by the
identity in their client certificate; anonymous callers (the public
endpoint) have only the server's limit, and the verify page its own.

Counted on the event loop that runs every handler, so no lock is needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from services.core.errors import ResourceExhausted
from services.core.identity import Identity


class CallerQuota:
    def __init__(self, calls: int, streams: int) -> None:
        """`calls`: calls in progress per caller (streams included); `streams`:
        of which server streams (each may stay open for hours)."""
        self._call_limit = calls
        self._stream_limit = streams
        self._calls: Counter[Identity] = Counter()
        self._streams: Counter[Identity] = Counter()

    @contextmanager
    def hold(self, caller: Identity, stream: bool) -> Iterator[None]:
        """Counts a call of `caller` while it runs, or raises ResourceExhausted
        when the caller has its share in progress already."""
        counts = [(self._calls, self._call_limit, "calls")]
        if stream:
            counts.append((self._streams, self._stream_limit, "streams"))
        for counter, limit, what in counts:
            if counter[caller] >= limit:
                raise ResourceExhausted(
                    f"{caller.uri} has {counter[caller]} {what} in progress on this server, "
                    "the most one caller may have: retry when one ends"
                )
        for counter, _, _ in counts:
            counter[caller] += 1
        try:
            yield
        finally:
            for counter, _, _ in counts:
                counter[caller] -= 1
                if not counter[caller]:
                    del counter[caller]
