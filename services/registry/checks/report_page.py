"""The public verify page of a test report: what a report's QR code points to.

It renders the JSON form of VerifyReportResponse (the same document
/api/v1/reports/... serves), so the page and machines read one answer.
"""

from __future__ import annotations

import html
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from services.core.provinces import Province
from services.registry.checks.page_head import page_head

# outcome -> (Chinese, English, colour, explanation)
_OUTCOME = {
    "RECOGNITION_OUTCOME_RECOGNIZED": (
        "可采信",
        "Verified",
        "#1b7f3b",
        "报告已登记，出具之日资质有效且覆盖所检项目，三省一市互认 · Registered; on its issue "
        "date the laboratory was qualified for every item, recognised across the three "
        "provinces and Shanghai",
    ),
    "RECOGNITION_OUTCOME_CONDITIONAL": (
        "有条件采信",
        "Conditional",
        "#9a6700",
        "报告已登记，但有需注意的情况（见下） · Registered, with conditions (see below)",
    ),
    "RECOGNITION_OUTCOME_NOT_RECOGNIZED": (
        "不予采信",
        "Not verified",
        "#b3261e",
        "报告不能采信（原因见下） · Do not rely on this report (reasons below)",
    ),
}
_NOT_REGISTERED = (
    "未登记",
    "Not registered",
    "#3c4043",
    "三省一市均未登记此报告 · No province has registered this report",
)
_MARK = {
    "RECOGNITION_OUTCOME_RECOGNIZED": ("yes", "✓"),
    "RECOGNITION_OUTCOME_CONDITIONAL": ("cond", "!"),
    "RECOGNITION_OUTCOME_NOT_RECOGNIZED": ("no", "✗"),
}


def report_path(cma_number: str, report_number: str) -> str:
    """The page of a report, as its QR code carries it."""
    return f"/r/{quote(cma_number, safe='')}/{quote(report_number, safe='')}"


def registered_or_404(doc: dict[str, Any]) -> HTTPStatus:
    return HTTPStatus.OK if doc.get("registered") else HTTPStatus.NOT_FOUND


def render_report_page(doc: dict[str, Any], cma_number: str, report_number: str) -> str:
    e = html.escape
    outcome = doc.get("outcome", "RECOGNITION_OUTCOME_NOT_RECOGNIZED")
    zh, en, colour, explain = _OUTCOME[outcome] if doc.get("registered") else _NOT_REGISTERED
    details = ""
    if doc.get("registered"):
        report = doc["report"]["record"]["report"]
        province = Province(doc["report"]["provenance"]["province"].removeprefix("PROVINCE_"))
        items = "".join(
            f"<li>{e(i['parameter'])} · {e(i['standard_code'])}"
            + (f"-{i['standard_year']}" if i.get("standard_year") else "")
            + "</li>"
            for i in report.get("items", [])
        )
        details = f"""<section class="cert"><dl>
<dt>检验检测机构 Laboratory</dt><dd>{e(report["institution_uscc"])} · CMA {e(report["cma_number"])}</dd>
<dt>签发日期 Issued</dt><dd>{e(report["issue_date"])}</dd>
<dt>授权签字人 Signatory</dt><dd>{e(report["signatory"])}</dd>
<dt>样品类别 Sample</dt><dd>{e(report.get("sample_category", "") or "—")}</dd>
<dt>检验项目 Items</dt><dd><ul>{items}</ul></dd>
<dt>登记省份 Registered by</dt><dd>{province.name_zh} {province.name_en}</dd>
</dl></section>"""
    reasons = "".join(
        f'<li class="{_MARK[r.get("effect", "RECOGNITION_OUTCOME_NOT_RECOGNIZED")][0]}">'
        f"{_MARK[r.get('effect', 'RECOGNITION_OUTCOME_NOT_RECOGNIZED')][1]} "
        f"<code>{e(r['rule_id'])}</code> {e(r['message'])}</li>"
        for r in doc.get("reasons", [])
    )
    api = "/api/v1/reports/" + report_path(cma_number, report_number).removeprefix("/r/")
    return (
        page_head("检验检测报告核验 Test report check", colour)
        + f"""<p>报告 Report {e(report_number)} · CMA {e(cma_number)}</p>
<div class="status" id="status">{zh} {en.upper()}<small>{explain}</small></div>
{details}
<section class="cert"><b>核验依据 Why</b><ul id="reasons">{reasons}</ul></section>
<footer><p>核验时间 Checked at {e(doc.get("decided_at", ""))} ·
政策 policy {e(doc.get("policy_version", ""))}</p>
<p><a href="{e(api)}">JSON</a></p></footer>
</main></body></html>"""
    )
