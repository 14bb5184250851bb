"""The public verify page's web server: uvicorn (httptools, uvloop) serving a
small ASGI application on a thread and event loop of its own, apart from the
registry's gRPC loop.

What anyone on the internet may do to it is bounded: at most
`max_connections` connections at once (beyond, 503 at once), at most
`max_connections_per_client` of them from one client address (beyond, 503 and
closed at once: client_slots.py), a whole request
head within REQUEST_SECONDS of connecting or of the last answer (a client
that sends nothing, or a byte every few seconds, is cut off), idle
keep-alive connections closed after KEEP_ALIVE_SECONDS, and a rate limit per
client address. Label answers carry a short Cache-Control and an ETag, so a
phone that checks a label again gets 304 Not Modified.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote, unquote

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from services.common.rate_limit import RateLimiter
from services.core.errors import InvalidRequest, quoted
from services.registry.checks.client_slots import PER_CLIENT, ClientSlots
from services.registry.checks.http_reply import Reply, Send
from services.registry.checks.inspection_page import (
    InspectionDocuments,
    render_institution_page,
    render_plan_page,
)
from services.registry.checks.labels import LabelQueries
from services.registry.checks.page_head import refusal_page
from services.registry.checks.report_page import registered_or_404, render_report_page
from services.registry.checks.verify_page import (
    FORM,
    IPNetwork,
    answer_document,
    answer_tag,
    client_of,
    code_in,
    found_or_404,
    networks,
    render_page,
)

# Seconds a connection has to send a whole request head (line and headers).
REQUEST_SECONDS = 10.0
# Seconds an idle kept-alive connection stays open.
KEEP_ALIVE_SECONDS = 5.0
# Threads that read labels from the database (a pooled connection each).
READERS = 8

# A report's verdict as a JSON document, from (CMA number, report number,
# SHA-256 of a copy); app.py hands it over from the reconciliation.
ReportAnswers = Callable[[str, str, str], dict[str, Any]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


# Answered before the rate limit: the orchestrator's probes, never refused.
PROBES = frozenset({"/healthz", "/readyz"})


class _DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a deadline for each request head (uvicorn
    alone waits for ever for a first request, or a trickled one) and a bound
    on open connections whose refusals are counted. A server subclasses it
    with its own bound and counter (protocol_for)."""

    _deadline: asyncio.TimerHandle | None = None
    max_connections = 256
    on_busy: Callable[[], None] = staticmethod(lambda: None)
    slots = ClientSlots(PER_CLIENT)
    _slot: str | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn answers 503 once the open connections reach its limit, the
        # new one counted.
        self.limit_concurrency = self.max_connections + 1
        self._slot = self.slots.take(self.client[0] if self.client else "")
        if self._slot is None:  # this client holds its share: refused at once
            self.on_busy()
            transport.write(_CLIENT_BUSY)
            transport.close()
            return
        self._arm()

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(REQUEST_SECONDS, self._cut_off)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _cut_off(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._disarm()
        if len(self.connections) > self.max_connections:
            self.on_busy()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._disarm()
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._slot is not None:
            self.slots.give_back(self._slot)
            self._slot = None
        super().connection_lost(exc)


_BUSY_TEXT = "此地址连接过多，请稍后再试 Too many connections from your address\n".encode()
_CLIENT_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"cache-control: no-store\r\nretry-after: 1\r\nconnection: close\r\n"
    + f"content-length: {len(_BUSY_TEXT)}\r\n\r\n".encode()
    + _BUSY_TEXT
)


def protocol_for(
    max_connections: int, on_busy: Callable[[], None], slots: ClientSlots
) -> type[_DeadlineProtocol]:
    return type(
        "VerifyProtocol",
        (_DeadlineProtocol,),
        {"max_connections": max_connections, "on_busy": staticmethod(on_busy), "slots": slots},
    )


class VerifyApp:
    """The ASGI application: the page, its JSON, /healthz and /readyz."""

    def __init__(
        self,
        labels: LabelQueries,
        limiter: RateLimiter,
        trusted: Sequence[IPNetwork],
        not_ready_because: Callable[[], list[str]],
        on_response: Callable[[int], None],
        reports: ReportAnswers | None = None,
        inspections: InspectionDocuments | None = None,
    ) -> None:
        self._labels = labels
        self._inspections = inspections
        self._limiter = limiter
        self._trusted = trusted
        self._not_ready_because = not_ready_because
        self._on_response = on_response
        self._reports = reports
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="verify-read")

    def close(self) -> None:
        self._readers.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        peer = scope["client"][0] if scope.get("client") else ""
        reply = Reply(send, self._on_response, headers.get("if-none-match"))
        if scope["method"] not in ("GET", "HEAD"):
            await reply.text(HTTPStatus.METHOD_NOT_ALLOWED, "GET only\n", {"Allow": "GET, HEAD"})
            return
        # The path as sent (percent-encoded): each part is decoded once where it
        # is taken apart, so a code holding "%" or "/" means what it says.
        raw = scope.get("raw_path") or quote(scope["path"]).encode()
        path = raw.decode("latin-1")
        if path in PROBES:  # a flood of page requests must not fail the probes
            await self._probe(reply, path)
            return
        if not self._limiter.allow(client_of(peer, headers.get("x-forwarded-for"), self._trusted)):
            await reply.text(
                HTTPStatus.TOO_MANY_REQUESTS,
                "请求过于频繁，请稍后再试 Too many requests, retry in a second\n",
                {"Retry-After": "1"},
                api=path.startswith("/api/"),
            )
            return
        query = parse_qs(scope["query_string"].decode("latin-1"))
        code = query.get("code", [""])[0]
        try:
            if path in ("/r", "/api/v1/reports"):  # the form: ?cma=...&number=...
                path += "/" + "/".join(
                    quote(query.get(name, [""])[0], safe="") for name in ("cma", "number")
                )
            if path.startswith(("/r/", "/api/v1/reports/")):
                await self._report(reply, path, query.get("sha256", [""])[0])
            elif path.startswith(("/inspections", "/api/v1/inspections")):
                await self._inspection(reply, path, query.get("uscc", [""])[0])
            else:
                await self._route(reply, path, code)
        except InvalidRequest as exc:
            if not path.startswith("/api/"):  # a person's browser: a page, not JSON
                violations = [(v.field, v.description) for v in exc.violations]
                page = refusal_page(str(exc), violations)
                await reply.send(HTTPStatus.BAD_REQUEST, "text/html; charset=utf-8", page)
                return
            body = {
                "error": str(exc),
                "violations": [
                    {"field": v.field, "description": v.description} for v in exc.violations
                ],
            }
            await reply.send(
                HTTPStatus.BAD_REQUEST,
                "application/json",
                json.dumps(body, ensure_ascii=False),
            )

    async def _probe(self, reply: Reply, path: str) -> None:
        """/healthz: ok while the server runs; /readyz: ready, or why not."""
        if path == "/healthz":
            await reply.text(HTTPStatus.OK, "ok\n")
            return
        reasons = self._not_ready_because()
        await reply.text(
            HTTPStatus.SERVICE_UNAVAILABLE if reasons else HTTPStatus.OK,
            "".join(f"{r}\n" for r in reasons) or "ready\n",
        )

    async def _route(self, reply: Reply, path: str, code: str) -> None:
        """`path` as sent: the code in /v/<code> and /api/v1/labels/<code> is
        percent-decoded here, once (?code= is decoded by parse_qs)."""
        if path.startswith("/api/v1/labels"):
            doc = await self._answer(code_in(path, "/api/v1/labels") or code)
            await reply.send(
                found_or_404(doc),
                "application/json; charset=utf-8",
                json.dumps(doc, ensure_ascii=False),
                cache=True,
                tag=answer_tag(doc),
            )
        elif path.startswith("/v/") or (path in ("/", "/v") and code):
            doc = await self._answer(code_in(path, "/v") or code)
            await reply.send(
                found_or_404(doc),
                "text/html; charset=utf-8",
                render_page(doc),
                cache=True,
                tag=answer_tag(doc),
            )
        elif path == "/":
            await reply.send(HTTPStatus.OK, "text/html; charset=utf-8", FORM, cache=True)
        else:
            await reply.text(HTTPStatus.NOT_FOUND, "not found\n")

    async def _report(self, reply: Reply, path: str, sha256: str) -> None:
        """/r/CMA/NUMBER (the page) and /api/v1/reports/CMA/NUMBER (its JSON),
        each part percent-encoded; ?sha256= checks a copy."""
        # A report number holds no "/": a trailing one is the link's, not the number's.
        parts = path.removeprefix("/r/").removeprefix("/api/v1/reports/").rstrip("/").split("/")
        if self._reports is None or len(parts) != 2:
            api = path.startswith("/api/")
            where = "/api/v1/reports" if api else "/r"
            await reply.text(
                HTTPStatus.NOT_FOUND, f"not found: {where}/<CMA number>/<report number>\n", api=api
            )
            return
        cma, number = (unquote(p) for p in parts)
        loop = asyncio.get_running_loop()
        doc = await loop.run_in_executor(self._readers, self._reports, cma, number, sha256)
        if path.startswith("/r/"):
            kind, body = "text/html; charset=utf-8", render_report_page(doc, cma, number)
        else:
            kind, body = "application/json; charset=utf-8", json.dumps(doc, ensure_ascii=False)
        # As a label's: the verdict's ETag leaves out the instant it was made.
        await reply.send(registered_or_404(doc), kind, body, cache=True, tag=answer_tag(doc))

    async def _inspection(self, reply: Reply, path: str, uscc: str) -> None:
        """/inspections/PLAN (a plan's visits and results) and
        /inspections?uscc=USCC (an institution's), the page; their JSON under
        /api/v1/inspections; the plan's id percent-encoded."""
        api = path.startswith("/api/")
        rest = path.removeprefix("/api/v1").removeprefix("/inspections")
        if self._inspections is None or (rest and not rest.startswith("/")):
            await reply.text(HTTPStatus.NOT_FOUND, "not found\n")
            return
        draw_id = unquote(rest.strip("/"))
        loop = asyncio.get_running_loop()
        if draw_id:
            doc = await loop.run_in_executor(self._readers, self._inspections.plan, draw_id)
            page = render_plan_page(doc, draw_id)
            missing = f"no inspection plan {quoted(draw_id)}"
        elif uscc:
            doc = await loop.run_in_executor(self._readers, self._inspections.institution, uscc)
            page = render_institution_page(doc, uscc)
            missing = f"no random inspection of {quoted(uscc)} on record"
        else:
            await reply.text(
                HTTPStatus.NOT_FOUND,
                "not found: /inspections/<plan draw id> or /inspections?uscc=<USCC>\n",
            )
            return
        status = HTTPStatus.NOT_FOUND if doc is None else HTTPStatus.OK
        if api:
            body = json.dumps(doc if doc is not None else {"error": missing}, ensure_ascii=False)
            await reply.send(status, "application/json; charset=utf-8", body, cache=True)
        else:
            await reply.send(status, "text/html; charset=utf-8", page, cache=True)

    async def _answer(self, code: str) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, answer_document, self._labels, code)


class VerifyServer:
    def __init__(
        self,
        listen: str,
        labels: LabelQueries,
        limiter: RateLimiter,
        *,
        max_connections: int = 256,
        max_connections_per_client: int = PER_CLIENT,
        trusted_proxies: Sequence[str] = (),
        not_ready_because: Callable[[], list[str]] = list,
        on_response: Callable[[int], None] = lambda _status: None,
        reports: ReportAnswers | None = None,
        inspections: InspectionDocuments | None = None,
    ) -> None:
        """`reports`: the verdicts of /r/... (none: those paths are 404);
        `inspections`: the documents of /inspections/... (none: 404);
        `max_connections` open at once (beyond, 503 at once), of them
        `max_connections_per_client` from one client address (a trusted
        proxy's not counted; beyond, 503 and closed at once);
        `trusted_proxies`: networks (CIDR) whose X-Forwarded-For is believed
        for the rate limit; `not_ready_because`: what /readyz answers from
        (/healthz is liveness: ok while the server runs); `on_response` hears
        each answer's status (metrics count them)."""
        host, _, port = listen.rpartition(":")
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, int(port)))
        trusted = networks(trusted_proxies)
        self._app = VerifyApp(
            labels,
            limiter,
            trusted,
            not_ready_because,
            on_response,
            reports,
            inspections,
        )
        config = uvicorn.Config(
            self._app,
            http=protocol_for(
                max_connections,
                lambda: on_response(HTTPStatus.SERVICE_UNAVAILABLE),
                ClientSlots(max_connections_per_client, trusted),
            ),
            loop="uvloop",
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            # The rate limit reads X-Forwarded-For itself, from trusted proxies only.
            proxy_headers=False,
            timeout_keep_alive=int(KEEP_ALIVE_SECONDS),
            backlog=max(128, max_connections),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="verify-http"
        )
        self._thread.daemon = True

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the verify page did not start on port {self.port}")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._app.close()
        self._socket.close()
