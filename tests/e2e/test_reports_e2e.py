"""Test reports end to end (报告编号查询): Zhejiang registers a report of a
laboratory it supervises, Anhui verifies it over gRPC, a person on the public
page; then Zhejiang publishes a revocation that took effect before the report
was issued, and every answer changes with the reason."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from services.common.convert import PROVINCE_TO_PB
from services.common.grpc_errors import bad_request_violations
from services.common.record_mapping import to_record_pb
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.core.records import Qualification, Record, Signatory
from services.core.results import ProficiencyOutcome, ProficiencyResult, ReportItem, TestReport
from services.core.status import CertificateStatus
from services.hub import client
from services.hub.qr import report_url
from services.hub.supervisor import Hub
from tests.conftest import Databases
from tests.e2e.browser import CHROMIUM, browser, visible_text
from tests.e2e.conftest import hub_config
from tests.factories import LAB_C, qualification, report
from yrdhub.v1 import reconciliation_pb2, registry_pb2

pytestmark = pytest.mark.e2e

RECOGNIZED = reconciliation_pb2.RECOGNITION_OUTCOME_RECOGNIZED
NOT_RECOGNIZED = reconciliation_pb2.RECOGNITION_OUTCOME_NOT_RECOGNIZED
DOCUMENT = b"%PDF-1.7 report ZJ-2026-000123"


@pytest.fixture
def hub(
    databases: Databases, tmp_path: Path, kafka_bootstrap: str, unique_topic_prefix: str
) -> Iterator[Hub]:
    """Zhejiang, where the laboratory is, and Anhui, where its report is used."""
    provinces = (Province.ZJ, Province.AH)
    config = hub_config(
        databases, tmp_path / "hub", kafka_bootstrap, unique_topic_prefix, provinces
    )
    with Hub(config).running() as running:
        yield running


def _publish(hub: Hub, *records: Record, by: Province = Province.ZJ) -> None:
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    results = client.publish_all(exchanges[by], [to_record_pb(r) for r in records])
    assert all(not r.violations for r in results), results
    client.wait_until_applied(
        client.registry_stub(hub.registry.address), client.published_counts(exchanges)
    )


def _verify(stub: Any, r: TestReport, sha256: str = "") -> registry_pb2.VerifyReportResponse:
    answer: registry_pb2.VerifyReportResponse = stub.VerifyReport(
        registry_pb2.VerifyReportRequest(
            cma_number=r.cma_number, report_number=r.report_number, document_sha256=sha256
        )
    )
    return answer


def _reason(answer: registry_pb2.VerifyReportResponse, rule_id: str) -> Any:
    [found] = [r for r in answer.reasons if r.rule_id == rule_id]
    return found


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_zhejiang_report_is_verified_in_anhui_and_a_backdated_revocation_changes_it(
    hub: Hub, tmp_path: Path
) -> None:
    today = dt.date.today()
    lab: Qualification = qualification(
        issuer="11",
        serial=7,
        holder=LAB_C,
        name="浙江方圆检测集团股份有限公司",
        signatories=(Signatory(name="王敏", fields=("00",)),),
    )
    digest = hashlib.sha256(DOCUMENT).hexdigest()
    early = report(
        issuer="11",
        serial=7,
        holder=LAB_C,
        number="ZJ-2026-000100",
        issued=today - dt.timedelta(days=40),
    )
    issued = report(
        issuer="11",
        serial=7,
        holder=LAB_C,
        number="ZJ-2026-000123",
        issued=today - dt.timedelta(days=10),
        document_sha256=digest,
    )
    _publish(hub, lab, early, issued)

    # Anhui's officials verify it, with the copy they were handed.
    anhui = client.registry_stub(hub.registry.address, Identity(Role.REGULATOR, Province.AH))
    answer = _verify(anhui, issued, digest)
    assert answer.registered and answer.outcome == RECOGNIZED, answer.reasons
    assert answer.report.provenance.province == PROVINCE_TO_PB[Province.ZJ]
    assert answer.target_province == PROVINCE_TO_PB[Province.ZJ]
    assert answer.as_of.valid_on == issued.issue_date.isoformat()
    assert {r.rule_id for r in answer.reasons} >= {
        "report.registered",
        "report.document",
        "report.laboratory",
        "report.signatory",
        "scope.covered",
        "credit.listings",
    }
    covered = _reason(answer, "scope.covered")
    assert any(i.record_key == lab.key for i in covered.inputs), covered

    # A doctored copy, an unknown report and a malformed number.
    forged = _verify(anhui, issued, hashlib.sha256(DOCUMENT + b" edited").hexdigest())
    assert forged.outcome == NOT_RECOGNIZED
    assert _reason(forged, "report.document").effect == NOT_RECOGNIZED
    unknown = _verify(anhui, report(issuer="11", serial=7, number="ZJ-2026-999999"))
    assert not unknown.registered and unknown.outcome == NOT_RECOGNIZED
    with pytest.raises(grpc.RpcError) as refused:
        anhui.VerifyReport(registry_pb2.VerifyReportRequest(cma_number="12345", report_number="X"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in bad_request_violations(refused.value)] == ["cma_number"]

    # Anyone may verify: the public endpoint, with no certificate, and the page
    # its QR code leads to.
    public = client.registry_stub(hub.public_address)
    assert _verify(public, issued).outcome == RECOGNIZED
    page = report_url(issued.cma_number, issued.report_number, hub.verify_url)
    status, body = _get(page + f"?sha256={digest}")
    assert status == 200 and "可采信 VERIFIED" in body
    status, body = _get(page.replace("/r/", "/api/v1/reports/"))
    assert status == 200 and json.loads(body)["outcome"] == "RECOGNITION_OUTCOME_RECOGNIZED"
    assert _get(report_url(lab.number, "ZJ-2026-999999", hub.verify_url))[0] == 404
    # The page's form asks for the two numbers as printed (any case, spaces).
    typed = f"{hub.verify_url}/r?cma={lab.number}&number=zj-2026-000123"
    status, body = _get(typed)
    assert status == 200 and "可采信 VERIFIED" in body

    # A proficiency-testing round the laboratory failed on the report's item,
    # five days before it was issued: the report stands only conditionally
    # (the earlier report, issued before the round, does not change).
    failed = ProficiencyResult(
        round_id="ZJPT-26-11",
        provider="浙江省市场监督管理局",
        cma_number=lab.number,
        institution_uscc=LAB_C,
        items=(ReportItem(parameter="铅 (Pb)", standard_code="GB 5009.12"),),
        outcome=ProficiencyOutcome.UNSATISFACTORY,
        result_date=issued.issue_date - dt.timedelta(days=5),
    )
    _publish(hub, failed)
    answer = _verify(anhui, issued, digest)
    assert answer.outcome == reconciliation_pb2.RECOGNITION_OUTCOME_CONDITIONAL
    assert "ZJPT-26-11" in _reason(answer, "proficiency.recent").message
    assert _verify(anhui, early).outcome == RECOGNIZED

    # Zhejiang revokes the CMA a month ago, effective before the report was
    # issued: the report was issued without a qualification.
    revoked_on = today - dt.timedelta(days=30)
    _publish(
        hub,
        lab.model_copy(
            update={"status": CertificateStatus.REVOKED, "status_effective_date": revoked_on}
        ),
    )
    answer = _verify(anhui, issued, digest)
    assert answer.outcome == NOT_RECOGNIZED
    covered = _reason(answer, "scope.covered")
    assert covered.effect == NOT_RECOGNIZED
    assert "REVOKED" in covered.message and f"since {revoked_on}" in covered.message
    assert any(i.name == "status_effective_date" for i in covered.inputs)
    # A report issued before the revocation took effect still stands.
    assert _verify(anhui, early).outcome == RECOGNIZED

    status, body = _get(page)
    assert status == 200 and "不予采信 NOT VERIFIED" in body
    if CHROMIUM is not None:
        dom = browser(page, tmp_path / "profile", "--dump-dom")
        assert visible_text(dom, "status").startswith("不予采信 NOT VERIFIED")
        assert re.search(r"scope\.covered</code>[^<]*REVOKED", dom)

    # Anhui relays the CMA as it had it, VALID: Zhejiang, which issued it,
    # decides, so the relayed copy does not rescue the report; the copies'
    # disagreement is an open conflict.
    _publish(hub, lab, by=Province.AH)
    answer = _verify(anhui, issued, digest)
    assert answer.outcome == NOT_RECOGNIZED
    covered = _reason(answer, "scope.covered")
    assert covered.effect == NOT_RECOGNIZED
    assert "REVOKED" in covered.message and f"{lab.key} (ZJ)" in covered.message
    assert "STATUS_DISAGREEMENT" in {i.name for i in _reason(answer, "conflicts.open").inputs}
