"""The public verify page: what a label's QR code points to.

No login, no captcha; a phone-sized page in Chinese with English, and the same
answer as JSON for machines. Requests are rate-limited per client address.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import ipaddress
import json
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from google.protobuf.json_format import MessageToDict

from services.common.rate_limit import RateLimiter
from services.core.errors import InvalidRequest
from services.core.provinces import Province
from services.registry.checks.label_answers import label_matches
from services.registry.checks.labels import LabelQueries, verdict
from services.registry.records.store import Feed

log = logging.getLogger(__name__)


_STATUS_TEXT = {
    "VALID": (
        "有效",
        "Valid",
        "#1b7f3b",
        "认证有效，长三角四省互认 · Genuine and valid, recognised in all four provinces",
    ),
    "SUSPENDED": (
        "暂停",
        "Suspended",
        "#b26a00",
        "证书已暂停，请勿采信 · The certificate is suspended: do not rely on it",
    ),
    "REVOKED": ("撤销", "Revoked", "#b3261e", "证书已撤销 · The certificate has been revoked"),
    "CANCELLED": (
        "注销",
        "Cancelled",
        "#b3261e",
        "证书已注销 · The certificate has been cancelled",
    ),
    "EXPIRED": (
        "过期",
        "Expired",
        "#5f6368",
        "证书已过有效期 · The certificate is past its validity",
    ),
    "NOT_FOUND": (
        "未找到",
        "Not found",
        "#3c4043",
        "各省均未发布此编码 · No province has published this code",
    ),
    "CONFLICT": (
        "信息冲突",
        "Conflicting records",
        "#c15800",
        "各省记录不一致，请勿采信 · The provinces' records disagree: do not rely on it",
    ),
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


_OUTCOME_CLASS = {"RECOGNIZED": "yes", "CONDITIONAL": "cond", "NOT_RECOGNIZED": "no"}
_OUTCOME_MARK = {"RECOGNIZED": "✓", "CONDITIONAL": "有条件 conditional", "NOT_RECOGNIZED": "✗"}


def answer_document(labels: LabelQueries, query: str) -> dict[str, Any]:
    """The check's answer as plain data: the JSON form, and what the page shows."""
    answer = labels.check([query])
    result = answer.results[0]
    matches = label_matches(result, answer.today)
    decided = verdict(result, answer.today)
    return {
        "query": result.query,
        "code": result.code,
        "found": bool(matches),
        "verdict": decided.status,
        "as_of": _iso(answer.as_of.known_at),
        "valid_on": answer.as_of.valid_on.isoformat(),
        "certificates": [
            MessageToDict(
                m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
            )
            for m in matches
        ],
        "recognized_in": {p.value: p in result.standing.recognized_in for p in Province},
        # Each province's outcome, as DecideRecognition gives it.
        "recognition": {p.value: result.standing.outcome(p).value for p in Province},
        "conflicts": list(decided.conflicts),
        "feeds": [_feed(f) for f in answer.feeds],
    }


def _feed(feed: Feed) -> dict[str, Any]:
    return {
        "province": feed.province,
        "current_to": _iso(feed.last_accepted_at),
        "applied_at": _iso(feed.last_applied_at),
        "events_applied": feed.events_applied,
    }


def render_page(doc: dict[str, Any]) -> str:
    zh, en, colour, explain = _STATUS_TEXT[doc["verdict"]]
    e = html.escape
    rows = []
    for c in doc["certificates"]:
        province = Province(c["province"].removeprefix("PROVINCE_"))
        rows.append(
            f"""<section class="cert">
<h2>{e(c["product"])} · {e(c["model"])}</h2>
<dl>
<dt>企业 Enterprise</dt><dd>{e(c["enterprise_name"])} ({e(c["enterprise_uscc"])})</dd>
<dt>认证机构 Certifying body</dt><dd>{e(c["body_code"])}</dd>
<dt>证书编号 Certificate</dt><dd>{e(c["certificate_number"])}</dd>
<dt>评价标准 Standard</dt><dd>{e(c["evaluation_standard"])}</dd>
<dt>有效期 Validity</dt><dd>{e(c["valid_from"])} — {e(c["valid_until"])}</dd>
<dt>状态 Status</dt><dd>{e(c["effective_status"].removeprefix("CERTIFICATE_STATUS_"))}
 ({e(c["status"].get("original", ""))})</dd>
<dt>发布省份 Published by</dt><dd>{province.name_zh} {province.name_en}</dd>
</dl></section>"""
        )
    recognised = " ".join(
        f'<span class="{_OUTCOME_CLASS[o]}">{Province(p).name_zh} {p} {_OUTCOME_MARK[o]}</span>'
        for p, o in doc["recognition"].items()
    )
    conflicts = "".join(f"<li>{e(c)}</li>" for c in doc["conflicts"])
    feeds = "".join(
        f"<li>{Province(f['province']).name_zh} {Province(f['province']).name_en}: "
        f"更新至 current to {e(f['current_to'] or '—')}</li>"
        for f in doc["feeds"]
    )
    if doc["found"]:
        headline = f"标志 {e(doc['code'])}"
    else:
        headline = (
            f"截至 {e(doc['as_of'])} 未找到标志 {e(doc['code'])} / "
            f"Label {e(doc['code'])} not found as of {e(doc['as_of'])}"
        )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>绿色产品标志核验 Green product label check</title>
<style>
body{{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:0;background:#f6f7f9;color:#202124}}
main{{max-width:40rem;margin:0 auto;padding:1rem}}
.status{{background:{colour};color:#fff;padding:1.2rem 1rem;border-radius:.6rem;font-size:1.6rem;font-weight:700}}
.status small{{display:block;font-size:1rem;font-weight:400}}
.cert{{background:#fff;border-radius:.6rem;padding:.8rem 1rem;margin:1rem 0}}
dt{{color:#5f6368;font-size:.85rem}} dd{{margin:0 0 .5rem 0}}
.yes{{color:#1b7f3b}} .no{{color:#b3261e}} .cond{{color:#9a6700}} span{{margin-right:.8rem;white-space:nowrap}}
.conflicts{{background:#fff4e5;border-left:4px solid #c15800;padding:.5rem 1rem}}
footer{{color:#5f6368;font-size:.85rem}}
</style></head>
<body><main>
<p>{headline}</p>
<div class="status" id="status">{zh} {en.upper()}<small>{explain}</small></div>
{f'<div class="conflicts"><b>冲突 Conflicts</b><ul>{conflicts}</ul></div>' if conflicts else ""}
{"".join(rows)}
<p><b>长三角互认 Recognised in</b><br>{recognised}</p>
<footer><p>核验时间 Checked at {e(doc["as_of"])}; 各省数据 provinces' feeds:</p><ul>{feeds}</ul>
<p><a href="/api/v1/labels/{e(doc["code"])}">JSON</a></p></footer>
</main></body></html>"""


def _found_or_404(doc: dict[str, Any]) -> HTTPStatus:
    """An unknown code is 404 Not Found (with the page or JSON that says so, and
    what it is based on), so machines need not parse the body to tell."""
    return HTTPStatus.OK if doc["found"] else HTTPStatus.NOT_FOUND


def client_of(peer: str, forwarded_for: str | None, trusted: Sequence[IPNetwork]) -> str:
    """Whom a request is from, for the rate limit: the peer, unless the peer is
    a trusted proxy; then the nearest address in X-Forwarded-For that is not a
    trusted proxy (the ones further left are the client's to write, so they
    cannot be believed). Without trusted proxies the header is ignored: a
    client cannot spoof it to get a fresh allowance."""
    if not trusted or forwarded_for is None or not _within(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _within(address: str, networks: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# Seconds a connection has to send its whole request (line and headers): a
# slow client holds a thread, and there are only so many.
REQUEST_SECONDS = 10.0


class _Handler(BaseHTTPRequestHandler):
    server: VerifyServer
    # No single read waits longer either.
    timeout = REQUEST_SECONDS

    def setup(self) -> None:
        super().setup()
        # A total, not per read: a byte every few seconds does not keep it open.
        self._deadline = threading.Timer(REQUEST_SECONDS, self._cut_off)
        self._deadline.daemon = True
        self._deadline.start()

    def _cut_off(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self._deadline.cancel()  # the request is in: answering it has no deadline
        return parsed

    def finish(self) -> None:
        self._deadline.cancel()
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        client = client_of(
            self.client_address[0], self.headers.get("X-Forwarded-For"), self.server.trusted
        )
        if not self.server.limiter.allow(client):
            self._send(
                HTTPStatus.TOO_MANY_REQUESTS,
                "text/plain; charset=utf-8",
                "请求过于频繁，请稍后再试 Too many requests, retry in a second\n",
                {"Retry-After": "1"},
            )
            return
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        code = parse_qs(parts.query).get("code", [""])[0]
        try:
            if path == "/healthz":
                self._send(HTTPStatus.OK, "text/plain", "ok\n")
            elif path == "/readyz":
                reasons = self.server.not_ready_because()
                self._send(
                    HTTPStatus.SERVICE_UNAVAILABLE if reasons else HTTPStatus.OK,
                    "text/plain; charset=utf-8",
                    "".join(f"{r}\n" for r in reasons) or "ready\n",
                )
            elif path.startswith("/api/v1/labels"):
                code = path.removeprefix("/api/v1/labels").strip("/") or code
                doc = answer_document(self.server.labels, code)
                self._send(
                    _found_or_404(doc),
                    "application/json; charset=utf-8",
                    json.dumps(doc, ensure_ascii=False),
                )
            elif path.startswith("/v/") or (path in ("/", "/v") and code):
                code = path.removeprefix("/v/") if path.startswith("/v/") else code
                doc = answer_document(self.server.labels, code)
                self._send(_found_or_404(doc), "text/html; charset=utf-8", render_page(doc))
            elif path == "/":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", _FORM)
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", "not found\n")
        except InvalidRequest as exc:
            body = {
                "error": str(exc),
                "violations": [
                    {"field": v.field, "description": v.description} for v in exc.violations
                ],
            }
            self._send(
                HTTPStatus.BAD_REQUEST, "application/json", json.dumps(body, ensure_ascii=False)
            )

    def _send(
        self, status: HTTPStatus, ctype: str, body: str, headers: dict[str, str] | None = None
    ) -> None:
        data = body.encode()
        self.server.on_response(status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


_FORM = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>绿色产品标志核验</title></head>
<body><main style="max-width:40rem;margin:0 auto;padding:1rem;font-family:sans-serif">
<h1>绿色产品标志核验<br><small>Green product label check</small></h1>
<form action="/v" method="get"><input name="code" placeholder="标志编码 / 证书编号 label code or certificate number"
 style="width:100%;font-size:1.2rem;padding:.5rem"><button style="font-size:1.2rem;margin-top:.5rem">核验 Check</button></form>
</main></body></html>"""


_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n\r\n"
    + "服务繁忙，请稍后再试 Busy, retry in a second\n".encode()
)


class VerifyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        listen: str,
        labels: LabelQueries,
        limiter: RateLimiter,
        *,
        max_connections: int = 64,
        trusted_proxies: Sequence[str] = (),
        not_ready_because: Callable[[], list[str]] = list,
        on_response: Callable[[int], None] = lambda _status: None,
    ) -> None:
        """`max_connections` served at once (one thread each; beyond, 503 at
        once); `trusted_proxies`: networks (CIDR) whose X-Forwarded-For is
        believed for the rate limit; `not_ready_because`: what /readyz
        answers from (/healthz is liveness: ok while the server runs);
        `on_response` hears each answer's status (metrics count them)."""
        host, _, port = listen.rpartition(":")
        super().__init__((host, int(port)), _Handler)
        self.labels = labels
        self.limiter = limiter
        self.not_ready_because = not_ready_because
        self.on_response = on_response
        self.trusted: list[IPNetwork] = [ipaddress.ip_network(n) for n in trusted_proxies]
        self._slots = threading.BoundedSemaphore(max_connections)
        self._thread = threading.Thread(target=self.serve_forever, name="verify-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.on_response(HTTPStatus.SERVICE_UNAVAILABLE)
            try:
                request.sendall(_BUSY)
            finally:
                self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
