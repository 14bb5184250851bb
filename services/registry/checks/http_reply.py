"""One HTTP answer of the verify server, sent through ASGI: its body, its
cache headers and ETag (304 when the browser holds it), counted by status."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

# How long a browser or proxy may keep a label's answer: a status change
# reaches a person who checks again within this.
CACHE_SECONDS = 30

Send = Callable[[dict[str, Any]], Awaitable[None]]


class Reply:
    """Sends one answer, counting it by status."""

    def __init__(self, send: Send, on_response: Callable[[int], None], etags: str | None) -> None:
        self._send = send
        self._on_response = on_response
        self._etags = etags

    async def text(
        self,
        status: HTTPStatus,
        body: str,
        headers: dict[str, str] | None = None,
        api: bool = False,
    ) -> None:
        """`body` as plain text, or for the JSON API (`api`) as {"error": body}."""
        if api:
            error = json.dumps({"error": body.strip()}, ensure_ascii=False)
            await self.send(status, "application/json; charset=utf-8", error, headers=headers)
            return
        await self.send(status, "text/plain; charset=utf-8", body, headers=headers)

    async def send(
        self,
        status: HTTPStatus,
        content_type: str,
        body: str,
        headers: dict[str, str] | None = None,
        *,
        cache: bool = False,
        tag: str | None = None,
    ) -> None:
        """`tag`: what the ETag is made from when not all of the body is (a
        label answer's page or JSON: the answer without its as_of)."""
        data = body.encode()
        extra = dict(headers or {})
        if cache:
            source = data if tag is None else f"{content_type}\n{tag}".encode()
            etag = '"' + hashlib.sha256(source).hexdigest()[:32] + '"'
            extra["ETag"] = etag
            extra["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
            if self._etags is not None and etag in (t.strip() for t in self._etags.split(",")):
                status, data = HTTPStatus.NOT_MODIFIED, b""
        else:
            extra["Cache-Control"] = "no-store"
        self._on_response(int(status))
        raw = [
            (b"content-type", content_type.encode()),
            *((k.lower().encode(), v.encode()) for k, v in extra.items()),
        ]
        if status != HTTPStatus.NOT_MODIFIED:
            raw.append((b"content-length", str(len(data)).encode()))
        await self._send({"type": "http.response.start", "status": int(status), "headers": raw})
        await self._send({"type": "http.response.body", "body": data})
