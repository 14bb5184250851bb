"""The demo's test-report section (报告编号查询): a Zhejiang report checked in
Anhui, over gRPC and on the page its QR code leads to; then a revocation
Zhejiang decided before the report was issued, and the verdict it changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Console

from devtools.datagen import DataSet
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub import client
from services.hub.demo_reconciliation import outcome_text, reasons_table
from services.hub.qr import report_url
from services.hub.supervisor import Hub
from yrdhub.v1 import common_pb2, reconciliation_pb2, records_pb2, registry_pb2


def _reports(data: DataSet, province: Province) -> list[records_pb2.TestReport]:
    bad = data.invalid_indexes.get(province, set())
    return [
        r.report
        for i, r in enumerate(data.by_province[province])
        if i not in bad and r.WhichOneof("body") == "report"
    ]


def _qualification(data: DataSet, cma_number: str) -> records_pb2.Record | None:
    bad = data.invalid_indexes.get(Province.ZJ, set())
    for i, r in enumerate(data.by_province[Province.ZJ]):
        body = r.WhichOneof("body")
        if i not in bad and body == "qualification" and r.qualification.number == cma_number:
            return r
    return None


def _verify(registry: Any, report: records_pb2.TestReport) -> Any:
    return registry.VerifyReport(
        registry_pb2.VerifyReportRequest(
            cma_number=report.cma_number,
            report_number=report.report_number,
            document_sha256=report.document_sha256,
            target_province=common_pb2.PROVINCE_AH,
        )
    )


def show_reports(data: DataSet, hub: Hub, exchanges: dict[Province, Any], console: Console) -> None:
    console.rule("Test reports: 报告编号查询, the core of 结果互认")
    anhui = client.registry_stub(hub.registry.address, Identity(Role.REGULATOR, Province.AH))
    # A Zhejiang report Anhui can take as it stands, and the lab's certificate.
    for report in _reports(data, Province.ZJ)[:200]:
        lab = _qualification(data, report.cma_number)
        answer = _verify(anhui, report)
        if lab is not None and answer.outcome == reconciliation_pb2.RECOGNITION_OUTCOME_RECOGNIZED:
            break
    else:
        console.print("(no recognisable Zhejiang report in this data set)")
        return
    console.print(
        f"Anhui's officials are handed report {report.report_number} of "
        f"{lab.qualification.institution_name} (CMA {report.cma_number}, issued "
        f"{report.issue_date}, signed by {report.signatory}), with the SHA-256 of its PDF: "
        f"{outcome_text(answer.outcome)}."
    )
    console.print(reasons_table(answer, answer.report.record_key, "Anhui"))
    console.print(
        f"The report's QR code leads to {report_url(report.cma_number, report.report_number, hub.verify_url)} "
        "(JSON under /api/v1/reports/); `yrdhub report-qr CMA NUMBER --out qr.png` writes it."
    )
    # Zhejiang revokes the lab's CMA, by a decision that took effect the day
    # before the report was issued; it is published only now.
    issued = dt.date.fromisoformat(report.issue_date)
    revocation = records_pb2.Record()
    revocation.CopyFrom(lab)
    revocation.qualification.status.canonical = common_pb2.CERTIFICATE_STATUS_REVOKED
    revocation.qualification.status.original = "撤销"
    revocation.qualification.status_effective_date = (issued - dt.timedelta(days=1)).isoformat()
    client.publish_all(exchanges[Province.ZJ], [revocation])
    client.wait_until_applied(anhui, client.published_counts(exchanges), timeout=60)
    after = _verify(anhui, report)
    console.print(
        f"Zhejiang publishes today that the CMA was revoked effective "
        f"{revocation.qualification.status_effective_date}: the report was issued without a "
        f"qualification. Anhui asks again: {outcome_text(after.outcome)}."
    )
    console.print(reasons_table(after, answer.report.record_key, "Anhui"))
