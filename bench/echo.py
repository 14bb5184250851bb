"""A plain gRPC echo server: the baseline for the registry's check RPC.

Same server stack (grpc.aio, one process) and the same client, but no work:
what is left is the cost of gRPC itself on this machine. `Echo` answers
with the request. `Sized` answers with as many bytes as its request asks
(sized_request): asked for the size of the registry's answer to each check,
it is gRPC moving the same answers without the work of finding them, the
floor a check can reach.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import grpc

from services.common.tls import ServerTls, TlsFiles

ECHO_METHOD = "/bench.Echo/Echo"
SIZED_METHOD = "/bench.Echo/Sized"
# Beyond any check's answer; a request asking for more is answered with this.
MAX_SIZED = 1024 * 1024


def sized_request(size: int) -> bytes:
    """A Sized request for an answer of `size` bytes."""
    return min(size, MAX_SIZED).to_bytes(4, "big")


def _identity(data: bytes) -> bytes:
    return data


async def _echo(request: bytes, context: Any) -> bytes:
    return request


async def _sized(request: bytes, context: Any) -> bytes:
    return bytes(min(int.from_bytes(request[:4], "big"), MAX_SIZED))


async def serve(ready_file: Path, tls_dir: Path | None) -> None:
    server = grpc.aio.server()
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            method, request_deserializer=_identity, response_serializer=_identity
        )
        for name, method in (("Echo", _echo), ("Sized", _sized))
    }
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Echo", handlers)])
    if tls_dir is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        # As the registry's endpoint: mutual TLS with its certificate.
        tls = ServerTls(TlsFiles(tls_dir, "registry"))
        port = server.add_secure_port("127.0.0.1:0", tls.credentials())
    await server.start()
    tmp = ready_file.with_suffix(".tmp")
    tmp.write_text(str(port))
    tmp.replace(ready_file)
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--kafka", help="ignored: accepted so the hub's launcher can start it")
    parser.add_argument("--tls-dir", type=Path, help="serve mutual TLS, as the registry does")
    args = parser.parse_args()
    asyncio.run(serve(args.ready_file, args.tls_dir))


if __name__ == "__main__":
    main()
