"""The public verify page under abuse, on a real socket: a client that sends
nothing is cut off, connections beyond the bound (or beyond one address's
share of it) get 503 at once, and the rate
limit counts the real client behind a trusted proxy while nobody can spoof it
without one."""

from __future__ import annotations

import http.client
import ipaddress
import itertools
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import cast

import pytest

from services.common.rate_limit import RateLimiter
from services.registry.checks.client_slots import ClientSlots
from services.registry.checks.labels import LabelQueries
from services.registry.checks.verify_page import client_of, networks
from services.registry.checks.verify_server import VerifyServer
from services.registry.reconciliation.reports import report_query


def _serve(burst: int = 2, **options: object) -> VerifyServer:
    # /healthz and the rate limit need no label queries.
    server = VerifyServer(
        "127.0.0.1:0",
        cast(LabelQueries, None),
        RateLimiter(rate=0.0, burst=burst),
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


def _status(port: int, headers: dict[str, str] | None = None, path: str = "/") -> int:
    """The status of a GET of `path` (the form page: rate-limited, no label queries)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
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


def test_the_probes_are_answered_past_a_clients_allowance(page: VerifyServer) -> None:
    """/healthz shared the page's rate limit: a flood of page requests from
    the probing node's address failed the liveness probe, and the pod would be
    restarted in the middle of the flood."""
    assert [_status(page.port) for _ in range(3)] == [200, 200, 429]
    for _ in range(3):
        assert _status(page.port, path="/healthz") == 200
        assert _status(page.port, path="/readyz") == 200
    assert _status(page.port) == 429


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


def test_a_report_verdict_keeps_its_etag_while_only_its_instant_changes() -> None:
    """A report's page and JSON carried an ETag over a body whose as_of moved
    every second, so asking again rarely got 304; and a report number with a
    control character was looked up and echoed, where the label page refuses it."""
    asked = itertools.count()

    def verdict(cma: str, number: str, sha256: str) -> dict[str, object]:
        report_query(cma, number, sha256)  # the registry's own rule for a reference
        instant = f"2026-12-08T09:00:{next(asked):02d}Z"
        # Not registered: the page needs nothing of the report itself.
        return {
            "registered": False,
            "outcome": "RECOGNITION_OUTCOME_NOT_RECOGNIZED",
            "decided_at": instant,
            "as_of": {"valid_on": "2026-11-02", "known_at": instant},
        }

    server = _serve(burst=10, reports=verdict)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for path in ("/r/231112000123/ZJ-2026-000123", "/api/v1/reports/231112000123/ZJ-1"):
            connection.request("GET", path)
            first = connection.getresponse()
            first.read()
            etag = first.getheader("ETag")
            assert first.status == 404 and etag, path
            connection.request("GET", path, headers={"If-None-Match": etag})
            again = connection.getresponse()
            assert again.read() == b"" and again.status == 304, path
        connection.request("GET", "/api/v1/reports/231112000123/ZJ-%00-1")
        refused = connection.getresponse()
        body = json.loads(refused.read())
        assert refused.status == 400
        assert [v["field"] for v in body["violations"]] == ["report_number"]
        connection.close()
    finally:
        server.stop()


def test_a_report_link_with_a_trailing_slash_or_the_query_form_finds_the_report() -> None:
    """/r/CMA/NUMBER/ and /api/v1/reports/CMA/NUMBER/ were 404 "not found: /r/
    | /" while label links took the slash; /api/v1/reports?cma=&number= was
    404 though the page took /r?cma=&number=; and the JSON's 404 named the
    page's route."""
    asked: list[tuple[str, str]] = []

    def verdict(cma: str, number: str, sha256: str) -> dict[str, object]:
        asked.append((cma, number))
        return {"registered": False, "outcome": "RECOGNITION_OUTCOME_NOT_RECOGNIZED"}

    server = _serve(burst=10, reports=verdict)
    try:
        for path in (
            "/r/231112000123/ZJ-1/",
            "/api/v1/reports/231112000123/ZJ-1/",
            "/api/v1/reports?cma=231112000123&number=ZJ-1",
        ):
            assert _status(server.port, path=path) == 404, path  # not registered
        assert asked == [("231112000123", "ZJ-1")] * 3
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/api/v1/reports/x", timeout=5)
        except urllib.error.HTTPError as missing:
            assert missing.headers["Content-Type"].startswith("application/json")
            assert json.loads(missing.read())["error"].startswith("not found: /api/v1/reports/")
    finally:
        server.stop()


def test_a_machine_past_its_allowance_reads_json_on_the_api(page: VerifyServer) -> None:
    """The JSON API's 429 was plain text, where its other refusals are JSON."""
    url = f"http://127.0.0.1:{page.port}/api/v1/reports/x"  # 404 until refused
    for _ in range(3):
        try:
            urllib.request.urlopen(url, timeout=5)
        except urllib.error.HTTPError as refused:
            if refused.code == 429:
                assert refused.headers["Content-Type"].startswith("application/json")
                assert refused.headers["Retry-After"] == "1"
                assert "Too many requests" in json.loads(refused.read())["error"]
                return
    raise AssertionError("never refused")


def test_health_and_refusals_are_never_cached(page: VerifyServer) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{page.port}/healthz", timeout=5) as reply:
        assert reply.headers["Cache-Control"] == "no-store"


def _ask(conn: socket.socket) -> bytes:
    """/healthz on an open connection, read to the server's close."""
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: verify\r\nConnection: close\r\n\r\n")
    return _read_to_close(conn)


def _read_to_close(conn: socket.socket) -> bytes:
    conn.settimeout(10)
    data = b""
    while chunk := conn.recv(4096):
        data += chunk
    return data


def _served_again(port: int) -> bool:
    """Whether a new connection from 127.0.0.1 is served, once the server has
    heard of the ones closed (it hears on its own loop)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.create_connection(("127.0.0.1", port)) as conn:
            try:
                if _ask(conn).startswith(b"HTTP/1.1 200"):
                    return True
            except ConnectionResetError:
                pass
        time.sleep(0.05)
    return False


def test_one_address_past_its_share_is_refused_at_once_and_others_are_served() -> None:
    """Idle connections from one address (a client sending nothing, reopening
    them before the head timeout) hold its own share, never the server's bound:
    its next connection is answered 503 and closed without waiting for a
    request, while another address and its open connections are served."""
    statuses: list[int] = []
    server = _serve(max_connections=8, max_connections_per_client=3, on_response=statuses.append)
    port = server.port
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    try:
        with socket.create_connection(("127.0.0.1", port)) as extra:
            refused = _read_to_close(extra)  # closed by the server, nothing sent
        assert refused.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in refused.title()
        # Another address (all of 127.0.0.0/8 is this host) has its own share.
        other = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=10, source_address=("127.0.0.2", 0)
        )
        other.request("GET", "/healthz")
        assert other.getresponse().status == 200
        other.close()
        # The address's own connections still work, and closed ones free its share.
        assert _ask(held[0]).startswith(b"HTTP/1.1 200")
    finally:
        for s in held:
            s.close()
    try:
        assert _served_again(port)
    finally:
        server.stop()
    assert statuses[:3] == [503, 200, 200]


def test_a_trusted_proxys_connections_are_not_counted_as_one_clients() -> None:
    """Behind a proxy every client shares the proxy's address: a trusted proxy
    may hold more than one client's share (the server's bound still holds)."""
    server = _serve(
        max_connections=8, max_connections_per_client=1, trusted_proxies=["127.0.0.0/8"]
    )
    # Two: the rate limit's burst is two.
    held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
    try:
        assert [_ask(s).startswith(b"HTTP/1.1 200") for s in held] == [True, True]
    finally:
        for s in held:
            s.close()
        server.stop()


def test_a_client_is_its_address_an_ipv6_one_by_its_64() -> None:
    slots = ClientSlots(1, networks(["10.0.0.0/8"]))
    assert slots.take("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert slots.take("2001:db8:1:2::ffff") is None  # the same subscriber's block
    assert slots.take("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert slots.take("::ffff:192.0.2.1") == "192.0.2.1"  # IPv4 on a dual-stack socket
    assert slots.take("192.0.2.1") is None
    assert slots.take("10.1.2.3") == slots.take("10.1.2.3") == ""  # a trusted proxy
    slots.give_back("192.0.2.1")
    assert slots.take("192.0.2.1") == "192.0.2.1"
