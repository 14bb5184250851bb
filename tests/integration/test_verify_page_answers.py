"""The public verify page and its JSON, on a real socket over a real store:
what the headline says against the recognition lists, and codes that need
percent-encoding in a URL (a path segment is decoded once, every link encodes
the code it carries)."""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
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
from services.core.records import CreditListType
from services.core.status import CertificateStatus
from services.registry.checks.label_answers import label_response
from services.registry.checks.verify_page import render_page
from services.registry.checks.verify_server import VerifyServer
from tests.factories import MAKER, AppliedStore, credit, event, green_cert, uscc
from yrdhub.v1 import labels_pb2

OTHER = uscc("91340100MA2N0C0E1")

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


ABNORMAL = "苏市监信〔2026〕8号"


def _with_a_listing(store: AppliedStore) -> None:
    """A valid label of an enterprise on the abnormal-operations list (which
    the shipped policy makes conditional everywhere), and one of another
    enterprise with no listing."""
    store.apply(
        [
            event(green_cert(), Province.AH),
            event(
                green_cert(number="CGP-CLEAN", label="GP00000000000801", holder=OTHER, model="X"),
                Province.AH,
            ),
            event(
                credit(
                    ABNORMAL,
                    holder=MAKER,
                    province=Province.JS,
                    list_type=CreditListType.ABNORMAL_OPERATIONS,
                ),
                Province.JS,
            ),
        ],
        {},
    )


@pytest.fixture
def listed(store: AppliedStore) -> Iterator[VerifyServer]:
    _with_a_listing(store)
    yield from _serve(store)


def _status_line(page: str) -> str:
    found = re.search(r'id="status">(.*?)</div>', page, re.S)
    assert found is not None
    return found.group(1)


def test_a_valid_label_recognised_only_conditionally_says_so_and_why(listed: VerifyServer) -> None:
    status, body = _get(listed, "/api/v1/labels/GP00000000000001")
    doc = json.loads(body)
    assert status == 200 and doc["verdict"] == "VALID"
    assert set(doc["recognition"].values()) == {"CONDITIONAL"}
    assert len(doc["conditions"]) == 1 and ABNORMAL in doc["conditions"][0]
    _, page = _get(listed, "/v/GP00000000000001")
    line = _status_line(page)
    # The headline claims no recognition the lists do not give.
    assert "三省一市互认" not in line and "recognised in the three provinces" not in line
    assert "有条件互认" in line and "recognised only conditionally" in line
    conditions = re.search(r'id="conditions">(.*?)</div>', page, re.S)
    assert conditions is not None and ABNORMAL in conditions.group(1)


def test_a_label_check_over_grpc_says_why_it_is_only_conditional(store: AppliedStore) -> None:
    _with_a_listing(store)
    queries = store.label_queries(clock=lambda: NOW)
    answer = labels_pb2.CheckLabelsResponse.FromString(
        label_response(queries.check(["GP00000000000001", "GP00000000000801"], "", None), b"")
    )
    listed, clean = answer.checks
    assert len(listed.conditionally_recognized_in) == 4 and not listed.recognized_in
    assert [n for n in listed.notes if ABNORMAL in n], listed.notes
    assert len(clean.recognized_in) == 4 and not clean.notes


def test_a_valid_label_recognised_everywhere_says_so(listed: VerifyServer) -> None:
    _, page = _get(listed, "/v/GP00000000000801")
    assert "recognised in the three provinces and Shanghai" in _status_line(page)
    assert 'id="conditions"' not in page


@pytest.mark.parametrize(
    ("outcomes", "said"),
    [
        (("RECOGNIZED",) * 4, "Genuine and valid, recognised in the three provinces and Shanghai"),
        (
            ("CONDITIONAL",) * 4,
            "recognised only conditionally in Shanghai, Jiangsu, Zhejiang, Anhui",
        ),
        (
            ("RECOGNIZED", "CONDITIONAL", "RECOGNIZED", "RECOGNIZED"),
            "recognised only conditionally in Jiangsu, recognised in Shanghai, Zhejiang, Anhui",
        ),
        (
            ("RECOGNIZED", "NOT_RECOGNIZED", "CONDITIONAL", "NOT_RECOGNIZED"),
            "recognised only in Shanghai, Zhejiang (Zhejiang conditionally)",
        ),
        (("NOT_RECOGNIZED",) * 4, "recognised in none of the three provinces and Shanghai"),
    ],
)
def test_the_status_line_of_a_valid_label_follows_the_recognition_lists(
    outcomes: tuple[str, ...], said: str
) -> None:
    doc = {
        "verdict": "VALID",
        "found": True,
        "code": "GP00000000000001",
        "as_of": "2026-06-01T02:00:00Z",
        "certificates": [],
        "recognition": dict(zip(("SH", "JS", "ZJ", "AH"), outcomes, strict=True)),
        "conflicts": [],
        "notes": [],
        "credit_listings": [],
        "conditions": [],
        "feeds": [],
    }
    assert said in _status_line(render_page(doc))


def _fetch(server: VerifyServer, path: str) -> tuple[int, str, str]:
    """Status, content type and body."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10) as r:
            return int(r.status), r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read().decode()


CLEAN = "GP00000000000801"


@pytest.mark.parametrize("form", ["{}/", "/{}", "{}//", "/{}/"])
def test_slashes_around_a_code_find_the_label_on_the_page_as_in_its_json(
    listed: VerifyServer, form: str
) -> None:
    status, body = _get(listed, "/api/v1/labels/" + form.format(CLEAN))
    assert status == 200 and json.loads(body)["verdict"] == "VALID"
    status, page = _get(listed, "/v/" + form.format(CLEAN))
    assert status == 200 and _status_line(page).startswith("有效 VALID"), page


@pytest.mark.parametrize("path", ["/v/", "/v/" + "X" * 65, "/v?code=" + "X" * 65])
def test_a_browser_refused_a_code_reads_a_page_naming_it(listed: VerifyServer, path: str) -> None:
    status, kind, page = _fetch(listed, path)
    assert status == 400 and kind.startswith("text/html"), (kind, page)
    assert _status_line(page).startswith("无效请求 INVALID REQUEST")
    assert "<code>code</code>" in page and "codes[0]" not in page


def test_a_machine_refused_a_code_reads_json_naming_the_code(listed: VerifyServer) -> None:
    for path in ("/api/v1/labels/" + "X" * 65, "/api/v1/labels?code=", "/api/v1/labels/"):
        status, kind, body = _fetch(listed, path)
        assert status == 400 and kind.startswith("application/json"), path
        assert [v["field"] for v in json.loads(body)["violations"]] == ["code"], body


def test_a_code_pasted_with_a_zero_width_space_is_found_and_a_nul_refused(
    listed: VerifyServer,
) -> None:
    for path in (f"/api/v1/labels/%E2%80%8B{CLEAN}", f"/api/v1/labels?code=%EF%BB%BF{CLEAN}"):
        status, body = _get(listed, path)
        assert status == 200 and json.loads(body)["code"] == CLEAN, path
    status, page = _get(listed, f"/v/%E2%80%8B{CLEAN}")
    assert status == 200 and _status_line(page).startswith("有效 VALID")
    status, kind, body = _fetch(listed, "/api/v1/labels/%00abc")
    assert status == 400 and [v["field"] for v in json.loads(body)["violations"]] == ["code"]
    status, kind, page = _fetch(listed, "/v/%00abc")
    assert status == 400 and kind.startswith("text/html") and "control characters" in page


def test_a_phone_asking_again_gets_304_until_the_answer_changes(store: AppliedStore) -> None:
    """The answer says when it was made, to the second; the ETag is of what it
    says about the label, so asking again a second later is 304 Not Modified
    while nothing changed, and 200 with the new answer once something did."""
    _with_a_listing(store)
    seconds = itertools.count()
    server = VerifyServer(
        "127.0.0.1:0",
        store.label_queries(clock=lambda: NOW + dt.timedelta(seconds=next(seconds))),
        RateLimiter(rate=0.0, burst=1000),
    )
    server.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)

        def ask(path: str, etag: str = "") -> tuple[int, str, bytes]:
            connection.request("GET", path, headers={"If-None-Match": etag} if etag else {})
            reply = connection.getresponse()
            return reply.status, reply.getheader("ETag") or "", reply.read()

        for path in (f"/v/{CLEAN}", f"/api/v1/labels/{CLEAN}"):
            status, etag, first = ask(path)
            assert status == 200 and etag
            status, again, second = ask(path)
            assert first != second and again == etag  # made a second later, same answer
            assert ask(path, etag)[:2] == (304, etag)
        _, json_etag, _ = ask(f"/api/v1/labels/{CLEAN}")
        assert json_etag != ask(f"/v/{CLEAN}")[1]  # the page and its JSON differ

        suspended = green_cert(
            number="CGP-CLEAN",
            label=CLEAN,
            holder=OTHER,
            model="X",
            status=CertificateStatus.SUSPENDED,
        )
        store.apply([event(suspended, Province.AH, 2, accepted_at=NOW)], {})
        status, etag, body = ask(f"/api/v1/labels/{CLEAN}", json_etag)
        assert status == 200 and etag != json_etag
        assert json.loads(body)["verdict"] == "SUSPENDED"
        connection.close()
    finally:
        server.stop()
