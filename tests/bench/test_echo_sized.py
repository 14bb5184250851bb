"""The check's floor in the benchmark: the echo server answers a Sized call
with as many bytes as asked (the size of the registry's answer to a check)."""

from __future__ import annotations

from pathlib import Path

import grpc

from bench.echo import ECHO_METHOD, MAX_SIZED, SIZED_METHOD, sized_request
from services.hub.processes import ServiceProcess


def _same(data: bytes) -> bytes:
    return data


def test_sized_answers_as_many_bytes_as_asked_and_echo_what_it_was_sent(tmp_path: Path) -> None:
    echo = ServiceProcess("echo", "bench.echo", [], tmp_path)
    echo.start()
    try:
        echo.wait_ready()
        with grpc.insecure_channel(echo.address) as channel:
            sized = channel.unary_unary(
                SIZED_METHOD, request_serializer=_same, response_deserializer=_same
            )
            sizes = [0, 1, 713, 5_000]
            assert [len(sized(sized_request(n), timeout=10)) for n in sizes] == sizes
            assert len(sized(sized_request(MAX_SIZED * 2), timeout=10)) == MAX_SIZED
            plain = channel.unary_unary(
                ECHO_METHOD, request_serializer=_same, response_deserializer=_same
            )
            assert plain(b"a check's request", timeout=10) == b"a check's request"
    finally:
        echo.stop()
