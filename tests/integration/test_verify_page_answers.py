"""The public verify page and its JSON, on a real socket over a real store:
what the headline says against the recognition lists, and codes that need
percent-encoding in a URL (a path segment is decoded once, every link encodes
the code it carries)."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from services.common.db import make_engine
from services.common.rate_limit import RateLimiter
from services.core.provinces import Province
from services.registry.checks.verify_server import VerifyServer
from tests.factories import AppliedStore, event, green_cert

# A day the certificates below are valid on, for every answer.
NOW = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
# Certificate numbers are opaque: the exchange takes these as they are.
ODD_NUMBERS = ("CGP%41", "CGP#1?X", "CGP/7")


@pytest.fixture
def store(db_url: str) -> AppliedStore:
    applied = AppliedStore(make_engine(db_url))
    applied.create_schema()
    return applied


def _serve(store: AppliedStore) -> Iterator[VerifyServer]:
    server = VerifyServer(
        "127.0.0.1:0", store.label_queries(clock=lambda: NOW), RateLimiter(rate=0.0, burst=1000)
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _get(server: VerifyServer, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10) as r:
            return int(r.status), r.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


@pytest.fixture
def odd(store: AppliedStore) -> Iterator[VerifyServer]:
    certs = [
        green_cert(number=n, label=f"GP0000000000070{i}", model=f"M-{i}")
        for i, n in enumerate(ODD_NUMBERS)
    ]
    store.apply([event(c, Province.SH) for c in certs], {})
    yield from _serve(store)


@pytest.mark.parametrize("number", ODD_NUMBERS)
def test_a_certificate_number_that_needs_encoding_is_found_on_every_path(
    odd: VerifyServer, number: str
) -> None:
    quoted = urllib.parse.quote(number, safe="")
    for path in (f"/api/v1/labels/{quoted}", f"/api/v1/labels?code={quoted}"):
        status, body = _get(odd, path)
        assert status == 200, path
        assert json.loads(body)["code"] == number and json.loads(body)["verdict"] == "VALID"
    for path in (f"/v/{quoted}", f"/v?code={quoted}"):
        status, page = _get(odd, path)
        assert status == 200, path
        # The page's link to its JSON form carries the code encoded, and finds it.
        link = re.search(r'<a href="([^"]+)">JSON</a>', page)
        assert link is not None
        assert link.group(1) == f"/api/v1/labels/{quoted}"
        status, body = _get(odd, link.group(1))
        assert status == 200 and json.loads(body)["code"] == number
