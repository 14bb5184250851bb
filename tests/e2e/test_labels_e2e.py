"""Green-product label checks end to end: gRPC single and batch checks, and the
public verify page in a real browser (Debian's headless Chromium).

Each browser case opens the page a label's QR code points to and asserts what
a person sees; screenshots are kept under artifacts/verify/ as test artifacts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import grpc
import pytest

from devtools.datagen import generate
from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB
from services.common.grpc_errors import bad_request_violations
from services.core.provinces import Province
from services.hub import client
from services.hub.qr import write_label_qr
from services.hub.supervisor import Hub, HubConfig
from tests.e2e.browser import browser, needs_browser, visible_text
from yrdhub.v1 import common_pb2, labels_pb2, records_pb2, registry_pb2

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "verify"

pytestmark = pytest.mark.e2e


def _green(
    record: records_pb2.Record,
    status: int,
    original: str,
    until: str | None = None,
    since: str = "",
) -> records_pb2.Record:
    changed = records_pb2.Record()
    changed.CopyFrom(record)
    changed.green_cert.status.canonical = status  # type: ignore[assignment]
    changed.green_cert.status.original = original
    changed.green_cert.status_effective_date = since
    if until is not None:
        changed.green_cert.valid_until = until
    return changed


@pytest.fixture(scope="module")
def labels(
    tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str
) -> Iterator[tuple[Hub, dict[str, str]]]:
    root = tmp_path_factory.mktemp("verify")
    config = HubConfig(
        workdir=root,
        kafka=kafka_bootstrap,
        topic_prefix="verify.",
        provinces=(Province.ZJ, Province.SH),
    )
    with Hub(config).running() as hub:
        today = dt.date.today()
        later = (today + dt.timedelta(days=400)).isoformat()
        earlier = (today - dt.timedelta(days=30)).isoformat()
        data = generate(30, seed=5, invalid_ratio=0.0)
        # One certificate per label (the data set has products certified by two bodies).
        greens = list(
            {
                r.green_cert.label_code: r
                for r in data.by_province[Province.ZJ]
                if r.WhichOneof("body") == "green_cert"
            }.values()
        )
        certs = greens[:6]
        valid, suspended, revoked, expired, disputed, relayed = certs
        a_week_ago = (today - dt.timedelta(days=7)).isoformat()
        two_weeks_ago = (today - dt.timedelta(days=14)).isoformat()
        # A certificate of an enterprise none of the others belongs to, which
        # Zhejiang lists as a serious violator (joint punishment).
        taken = {c.green_cert.enterprise_uscc for c in certs}
        listed = next(r for r in greens[6:] if r.green_cert.enterprise_uscc not in taken)
        listing = records_pb2.Record(
            credit_event=records_pb2.CreditEvent(
                reference=f"浙市监信〔{today.year}〕977号",
                uscc=listed.green_cert.enterprise_uscc,
                list_type=records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION,
                action=records_pb2.CREDIT_ACTION_LISTED,
                reason="虚标绿色产品认证",
                effective_from=(today - dt.timedelta(days=10)).isoformat(),
                listing_province=common_pb2.PROVINCE_ZJ,
            )
        )
        zj = [
            _green(valid, common_pb2.CERTIFICATE_STATUS_VALID, "有效", later),
            _green(suspended, common_pb2.CERTIFICATE_STATUS_SUSPENDED, "暂停", later),
            _green(revoked, common_pb2.CERTIFICATE_STATUS_REVOKED, "撤销", later),
            _green(expired, common_pb2.CERTIFICATE_STATUS_VALID, "有效", earlier),
            _green(disputed, common_pb2.CERTIFICATE_STATUS_VALID, "有效", later, a_week_ago),
            _green(listed, common_pb2.CERTIFICATE_STATUS_VALID, "有效", later),
            _green(relayed, common_pb2.CERTIFICATE_STATUS_VALID, "有效", later),
            listing,
        ]
        sh = [
            # Shanghai publishes, after Zhejiang's word of a week ago, an older
            # word on the same certificate (dated two weeks ago; undated, it
            # would hold from today, the newer word): the provinces disagree.
            _green(disputed, common_pb2.CERTIFICATE_STATUS_SUSPENDED, "暂停", later, two_weeks_ago),
            # Shanghai relays the body's revocation from yesterday before
            # Zhejiang does: Zhejiang's copy lags.
            _green(
                relayed,
                common_pb2.CERTIFICATE_STATUS_REVOKED,
                "撤销",
                later,
                (today - dt.timedelta(days=1)).isoformat(),
            ),
        ]
        exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
        client.publish_all(exchanges[Province.ZJ], zj)
        client.publish_all(exchanges[Province.SH], sh)
        client.wait_until_applied(
            client.registry_stub(hub.registry.address), client.published_counts(exchanges)
        )
        codes = {
            name: rec.green_cert.label_code
            for name, rec in zip(
                ("valid", "suspended", "revoked", "expired", "conflicting", "listed", "lagging"),
                zj[:7],
                strict=True,
            )
        }
        codes["unknown"] = "GP00000000000001"
        yield hub, codes


@needs_browser
@pytest.mark.parametrize(
    ("case", "headline", "verdict"),
    [
        ("valid", "有效 VALID", "VALID"),
        ("suspended", "暂停 SUSPENDED", "SUSPENDED"),
        ("revoked", "撤销 REVOKED", "REVOKED"),
        ("expired", "过期 EXPIRED", "EXPIRED"),
        ("unknown", "未找到 NOT FOUND", "NOT_FOUND"),
        ("conflicting", "信息冲突 CONFLICTING RECORDS", "CONFLICT"),
        ("listed", "严重违法失信 SERIOUS VIOLATION", "SERIOUS_VIOLATION"),
        ("lagging", "撤销 REVOKED", "REVOKED"),
    ],
)
def test_a_person_sees_the_label_status(
    labels: tuple[Hub, dict[str, str]], tmp_path: Path, case: str, headline: str, verdict: str
) -> None:
    hub, codes = labels
    qr = tmp_path / "label.png"
    url = write_label_qr(codes[case], qr, base_url=hub.verify_url)  # what the QR code carries
    dom = browser(url, tmp_path / "profile", "--dump-dom")
    status = visible_text(dom, "status")
    assert status.startswith(headline)
    page = unescape(re.sub(r"<[^>]+>", " ", dom))
    if case == "unknown":
        assert "not found as of" in page and "current to" in page
    else:
        assert codes[case] in page
    # The region and the label as the national scheme names them.
    assert "绿色产品标识核验" in page
    if case == "valid":
        assert page.count("✓") == 4  # recognised in all four provinces
        assert "三省一市互认" in page
    if case == "conflicting":
        assert "provinces disagree" in page and "conflicting" in page
    if case == "lagging":
        # The answer follows the newer word, says who lags, and how fresh each feed is.
        assert "ZJ lags" in page and "数据滞后 lagging" in page and "current to" in page
    if case == "listed":
        assert f"浙市监信〔{dt.date.today().year}〕977号" in page
        assert page.count("✗") == 4  # recognised nowhere

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser(url, tmp_path / "profile2", f"--screenshot={ARTIFACTS / f'{case}.png'}")
    assert (ARTIFACTS / f"{case}.png").stat().st_size > 5_000

    api = f"{hub.verify_url}/api/v1/labels/{codes[case]}"
    if case == "unknown":
        # Not found is a 404 for machines, with the same answer in the body.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(api)
        assert missing.value.code == 404
        doc = json.loads(missing.value.read())
    else:
        doc = json.loads(urllib.request.urlopen(api).read())
    assert doc["verdict"] == verdict


def test_codes_are_normalised_at_the_edge(labels: tuple[Hub, dict[str, str]]) -> None:
    """Case, full-width characters and spaces (the ideographic one too) do not
    change a code: the same answer over gRPC, in batches and on the page."""
    hub, codes = labels
    code = codes["valid"]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    typed = [code.lower(), f"  {code[:4]} {code[4:]}\u3000", full_width]
    stub = client.label_stub(hub.registry.address)
    for query in typed:
        check = stub.CheckLabel(labels_pb2.CheckLabelRequest(code=query)).check
        assert (check.code, check.verdict) == (code, labels_pb2.LABEL_VERDICT_VALID)
        found = client.registry_stub(hub.registry.address).CheckCertificate(
            registry_pb2.CheckCertificateRequest(code=query)
        )
        assert found.found and found.matches[0].record.green_cert.label_code == code
    batch = stub.CheckLabels(labels_pb2.CheckLabelsRequest(codes=typed))
    assert [c.code for c in batch.checks] == [code] * 3
    page = urllib.request.urlopen(f"{hub.verify_url}/v/{urllib.parse.quote(full_width)}")
    assert page.status == 200 and code in page.read().decode()


def test_the_page_says_not_found_with_a_404(labels: tuple[Hub, dict[str, str]]) -> None:
    hub, codes = labels
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{hub.verify_url}/v/{codes['unknown']}")
    assert missing.value.code == 404
    page = unescape(re.sub(r"<[^>]+>", " ", missing.value.read().decode()))
    assert "未找到" in page and "not found as of" in page and codes["unknown"] in page


def test_the_page_is_rate_limited_per_client(labels: tuple[Hub, dict[str, str]]) -> None:
    hub, codes = labels
    statuses = []
    for _ in range(60):  # the default burst is 30 requests
        try:
            urllib.request.urlopen(f"{hub.verify_url}/api/v1/labels/{codes['valid']}")
            statuses.append(200)
        except urllib.error.HTTPError as err:
            statuses.append(err.code)
            assert err.headers["Retry-After"] == "1"
    assert statuses[0] == 200 and 429 in statuses


def test_batch_checks_answer_every_code_in_order(labels: tuple[Hub, dict[str, str]]) -> None:
    hub, codes = labels
    stub = client.label_stub(hub.registry.address)
    asked = [
        codes["revoked"],
        codes["unknown"],
        f"{hub.verify_url}/v/{codes['valid']}",
        codes["conflicting"],
    ]
    reply = stub.CheckLabels(labels_pb2.CheckLabelsRequest(codes=asked * 250))
    assert len(reply.checks) == 1000
    first = reply.checks[:4]
    assert [c.query for c in first] == asked
    assert [c.code for c in first][2] == codes["valid"]  # the QR payload reduced to its code
    assert [c.verdict for c in first] == [
        labels_pb2.LABEL_VERDICT_REVOKED,
        labels_pb2.LABEL_VERDICT_NOT_FOUND,
        labels_pb2.LABEL_VERDICT_VALID,
        labels_pb2.LABEL_VERDICT_CONFLICT,
    ]
    assert len(first[2].recognized_in) == 4 and not first[0].recognized_in
    assert first[3].conflicts and len(first[3].matches) == 2
    # Every province's feed, those nothing came from at sequence 0.
    assert [f.province for f in reply.freshness] == [PROVINCE_TO_PB[p] for p in sorted(Province)]
    assert {PROVINCE_FROM_PB[f.province] for f in reply.freshness if f.events_applied} == {
        Province.ZJ,
        Province.SH,
    }
    assert all(f.last_sequence == 0 for f in reply.freshness if not f.events_applied)

    with pytest.raises(grpc.RpcError) as too_many:
        stub.CheckLabels(labels_pb2.CheckLabelsRequest(codes=asked * 251))
    assert too_many.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_request_violations(too_many.value) == [
        ("codes", "1004 codes; at most 1000 per call")
    ]
    # A malformed code refuses the call, naming each one: the caller drops
    # them and sends the rest again.
    with pytest.raises(grpc.RpcError) as malformed:
        stub.CheckLabels(labels_pb2.CheckLabelsRequest(codes=[codes["valid"], "", "X" * 65]))
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in bad_request_violations(malformed.value)] == [
        "codes[1]",
        "codes[2]",
    ]
    with pytest.raises(grpc.RpcError) as one:
        stub.CheckLabel(labels_pb2.CheckLabelRequest(code="  "))
    assert one.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in bad_request_violations(one.value)] == ["code"]


def test_a_single_check_states_what_not_found_is_based_on(
    labels: tuple[Hub, dict[str, str]],
) -> None:
    hub, codes = labels
    stub = client.label_stub(hub.registry.address)
    reply = stub.CheckLabel(labels_pb2.CheckLabelRequest(code=codes["unknown"]))
    assert not reply.check.found and reply.check.verdict == labels_pb2.LABEL_VERDICT_NOT_FOUND
    assert reply.as_of.known_at.seconds > 0 and reply.as_of.valid_on
    # Each province's feed: how far what it sent is applied, or that nothing came.
    assert len(reply.freshness) == len(Province)
    assert all(
        f.last_accepted_at.seconds > 0 if f.events_applied else f.last_sequence == 0
        for f in reply.freshness
    )
