"""The public verify page under abuse, on a real socket: a client that sends
nothing is cut off, connections beyond the bound get 503 at once, and the rate
limit counts the real client behind a trusted proxy while nobody can spoof it
without one."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import cast

import pytest

from services.common.rate_limit import RateLimiter
from services.registry.checks.labels import LabelQueries
from services.registry.checks.verify_page import client_of, networks
from services.registry.checks.verify_server import VerifyServer


def _serve(**options: object) -> VerifyServer:
    # /healthz and the rate limit need no label queries.
    server = VerifyServer(
        "127.0.0.1:0",
        cast(LabelQueries, None),
        RateLimiter(rate=0.0, burst=2),
        **options,  # type: ignore[arg-type]
    )
    server.start()
    return server


@pytest.fixture
def page() -> Iterator[VerifyServer]:
    server = _serve(max_connections=2)
    try:
        yield server
    finally:
        server.stop()


def _status(port: int, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_connections_beyond_the_bound_are_answered_busy_at_once(page: VerifyServer) -> None:
    idle = [socket.create_connection(("127.0.0.1", page.port)) for _ in range(2)]
    try:
        time.sleep(0.2)  # both taken by threads, waiting for a request line
        started = time.monotonic()
        assert _status(page.port) == 503
        assert time.monotonic() - started < 2
    finally:
        for s in idle:
            s.close()
    time.sleep(0.2)
    assert _status(page.port) == 200


def test_a_client_that_sends_nothing_is_cut_off(page: VerifyServer) -> None:
    with socket.create_connection(("127.0.0.1", page.port)) as silent:
        silent.settimeout(20)
        started = time.monotonic()
        assert silent.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 15


def test_a_client_that_trickles_its_request_is_cut_off_all_the_same(page: VerifyServer) -> None:
    """A byte every few seconds keeps each read short but not the request."""
    with socket.create_connection(("127.0.0.1", page.port)) as slow:
        slow.settimeout(1)
        started = time.monotonic()
        closed = False
        for char in b"GET /healthz HTTP/1.0\r\nX-Slow: " + b"a" * 40:
            try:
                slow.sendall(bytes([char]))
                if slow.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue  # nothing from the server yet: one more byte
            except OSError:
                closed = True
                break
        assert closed and time.monotonic() - started < 20


def test_without_a_trusted_proxy_forwarded_for_cannot_buy_a_fresh_allowance(
    page: VerifyServer,
) -> None:
    statuses = [_status(page.port, {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(4)]
    assert statuses[:2] == [200, 200] and statuses[2:] == [429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_allowance() -> None:
    server = _serve(trusted_proxies=["127.0.0.0/8"])
    try:
        first = [_status(server.port, {"X-Forwarded-For": "203.0.113.7"}) for _ in range(3)]
        other = _status(server.port, {"X-Forwarded-For": "203.0.113.8"})
        # The client writes the left of the header: a spoofed hop changes nothing.
        spoofed = _status(server.port, {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})
    finally:
        server.stop()
    assert first == [200, 200, 429] and other == 200 and spoofed == 429


def test_the_client_is_the_nearest_untrusted_hop() -> None:
    proxies = [ipaddress.ip_network("10.0.0.0/8")]
    assert client_of("10.0.0.5", "1.2.3.4, 10.0.0.9", proxies) == "1.2.3.4"
    assert client_of("10.0.0.5", "evil, 5.6.7.8", proxies) == "5.6.7.8"
    assert client_of("8.8.8.8", "1.2.3.4", proxies) == "8.8.8.8"
    assert client_of("10.0.0.5", None, proxies) == "10.0.0.5"
    assert client_of("10.0.0.5", "1.2.3.4", []) == "10.0.0.5"


def test_a_proxy_named_by_an_address_in_its_network_names_the_network() -> None:
    # --trusted-proxy 10.244.0.1/16 (host bits set) trusts 10.244.0.0/16,
    # rather than stopping the registry at start.
    assert networks(["10.244.0.1/16"]) == [ipaddress.ip_network("10.244.0.0/16")]


def test_answers_carry_an_etag_a_phone_can_check_again_with_on_one_connection() -> None:
    statuses: list[int] = []
    server = _serve(on_response=statuses.append)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request("GET", "/")
        first = connection.getresponse()
        first.read()
        etag = first.getheader("ETag")
        assert first.status == 200 and etag
        assert first.getheader("Cache-Control") == "public, max-age=30"
        # Kept alive: the same connection asks again, with the ETag.
        connection.request("GET", "/", headers={"If-None-Match": etag})
        again = connection.getresponse()
        assert again.status == 304 and again.read() == b""
        connection.request("POST", "/", body=b"x")
        posted = connection.getresponse()
        posted.read()
        assert posted.status == 405
        connection.close()
    finally:
        server.stop()
    assert statuses == [200, 304, 405]


def test_health_and_refusals_are_never_cached(page: VerifyServer) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{page.port}/healthz", timeout=5) as reply:
        assert reply.headers["Cache-Control"] == "no-store"
