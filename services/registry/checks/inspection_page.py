"""The public pages of random inspections' results (双随机、一公开): a plan's
visits (/inspections/<plan draw id>) and an institution's visits across plans
(/inspections?uscc=<USCC>).

They render the JSON documents /api/v1/inspections/... serves (made by
pool/public.py, handed over by app.py), so the pages and machines read one
answer. Every value from a document is escaped; no person is named (results
name institutions, never inspectors).
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any, Protocol
from urllib.parse import quote

from services.core.provinces import Province
from services.registry.checks.page_head import page_head


class InspectionDocuments(Protocol):
    """Where the pages' documents come from (pool/public.py PublicInspections)."""

    def plan(self, draw_id: str) -> dict[str, Any] | None: ...

    def institution(self, uscc: str) -> dict[str, Any] | None: ...


# outcome -> (Chinese, English, CSS class)
OUTCOMES = {
    "INSPECTION_OUTCOME_NO_PROBLEM": ("未发现问题", "No problem found", "yes"),
    "INSPECTION_OUTCOME_CORRECTION_ORDERED": (
        "发现问题已责令改正",
        "Problems found, correction ordered",
        "cond",
    ),
    "INSPECTION_OUTCOME_FURTHER_ACTION": (
        "发现问题待后续处理",
        "Problems found, referred for further action",
        "no",
    ),
    "INSPECTION_OUTCOME_NOT_OPERATING": (
        "未发现开展本次抽查涉及的经营活动",
        "Not carrying on the activity inspected",
        "cond",
    ),
    "INSPECTION_OUTCOME_REFUSED": ("不配合检查", "Refused the inspection", "no"),
}
# standing -> (Chinese, English, CSS class)
STANDINGS = {
    "RESULT_STANDING_PENDING": ("待公示", "Pending", "cond"),
    "RESULT_STANDING_PUBLISHED": ("按时公示", "Published on time", "yes"),
    "RESULT_STANDING_PUBLISHED_LATE": ("逾期公示", "Published late", "cond"),
    "RESULT_STANDING_OVERDUE": ("逾期未公示", "Overdue", "no"),
}
_NEUTRAL = "#1a5fb4"
_GREY = "#3c4043"

e = html.escape


def plan_path(draw_id: str) -> str:
    return f"/inspections/{quote(draw_id, safe='')}"


def institution_path(uscc: str) -> str:
    return f"/inspections?uscc={quote(uscc, safe='')}"


def _province(value: str) -> str:
    try:
        p = Province(value.removeprefix("PROVINCE_"))
    except ValueError:
        return e(value)
    return f"{p.name_zh} {p.name_en}"


def _finding(f: dict[str, Any]) -> str:
    if f.get("corrected_date"):
        state = f'<span class="yes">已整改 Corrected {e(f["corrected_date"])}</span>'
    else:
        state = '<span class="no">整改中 Open</span>'
    due = f" · 整改期限 due {e(f['due_date'])}" if f.get("due_date") else ""
    basis = f" <small>({e(f['basis'])})</small>" if f.get("basis") else ""
    action = (
        f"<br>整改要求 Corrective action: {e(f['corrective_action'])}"
        if f.get("corrective_action")
        else ""
    )
    return f'<li class="finding">{e(f.get("description", ""))}{basis}{action}<br>{state}{due}</li>'


def _result(result: dict[str, Any]) -> str:
    zh, en, css = OUTCOMES.get(result.get("outcome", ""), ("未知", "Unknown", "cond"))
    findings = "".join(_finding(f) for f in result.get("findings", []))
    closed = (
        f'<span class="yes">已结案 Closed {e(result["closed_date"])}</span>'
        if result.get("closed_date")
        else '<span class="cond">未结案 Open</span>'
    )
    summary = f"<dd>{e(result['summary'])}</dd>" if result.get("summary") else ""
    return (
        f'<dt>检查结果 Outcome</dt><dd class="outcome {css}">{zh} {en}</dd>{summary}'
        f"<dt>检查日期 Inspected</dt><dd>{e(result.get('inspection_date', ''))}</dd>"
        + (f"<dt>发现问题 Findings</dt><dd><ul>{findings}</ul></dd>" if findings else "")
        + f"<dt>结案 Case</dt><dd>{closed}</dd>"
    )


def _visit(v: dict[str, Any], link: str) -> str:
    standing = v.get("result_standing", "")
    zh, en, css = STANDINGS.get(standing, ("", "", "cond"))
    published = (
        f" · 公示于 published {e(v['result_published_on'])}" if v.get("result_published_on") else ""
    )
    failure = f"<dt>未能组队 No team</dt><dd>{e(v['failure'])}</dd>" if v.get("failure") else ""
    result = _result(v["result"]) if v.get("result") else ""
    return f"""<section class="cert visit" data-uscc="{e(v.get("institution_uscc", ""))}"><dl>
<dt>检验检测机构 Institution</dt><dd>{link}</dd>
<dt>监管省份 Province</dt><dd>{_province(v.get("province", ""))}</dd>
<dt>计划检查日期 Planned visit</dt><dd>{e(v.get("date", ""))}</dd>{failure}
<dt>结果公示 Result</dt><dd class="standing {css}">{zh} {en} · 公示期限 due {e(v.get("result_due_date", ""))}{published}</dd>
{result}</dl></section>"""


def _counts(visits: list[dict[str, Any]]) -> tuple[str, str]:
    """The status line's text and colour: how many results are out, how many overdue."""
    n = Counter(v.get("result_standing", "") for v in visits)
    out = n["RESULT_STANDING_PUBLISHED"] + n["RESULT_STANDING_PUBLISHED_LATE"]
    overdue = n["RESULT_STANDING_OVERDUE"]
    text = (
        f"已公示 {out} / {len(visits)} · 逾期未公示 {overdue}"
        f"<small>{out} of {len(visits)} results published, {overdue} overdue, "
        f"{n['RESULT_STANDING_PENDING']} pending</small>"
    )
    colour = "#b3261e" if overdue else "#1b7f3b" if visits and out == len(visits) else _NEUTRAL
    return text, colour


def _footer(doc: dict[str, Any], api: str) -> str:
    return f"""<footer><p>结果自检查之日起 {e(str(doc.get("results_within_working_days", "")))}
个工作日内公示（法定节假日除外）· Results are due within
{e(str(doc.get("results_within_working_days", "")))} working days of the visit ·
截至 as of {e(doc.get("as_of", ""))}</p>
<p><a href="{e(api)}">JSON</a></p></footer>
</main></body></html>"""


def not_found_page(what: str) -> str:
    return (
        page_head("抽查结果公示 Inspection results", _GREY)
        + f"""<div class="status" id="status">未找到 NOT FOUND<small>{e(what)}</small></div>
</main></body></html>"""
    )


def render_plan_page(doc: dict[str, Any] | None, draw_id: str) -> str:
    if doc is None:
        return not_found_page(f"没有编号为 {draw_id} 的抽查计划 · No inspection plan {draw_id}")
    spec = doc.get("inspection_spec", {})
    visits = doc.get("plan", {}).get("inspections", [])
    if doc.get("state") == "DRAW_STATE_COMMITTED":
        text, colour = (
            "尚未抽取 NOT DRAWN YET<small>The plan is committed, not drawn</small>",
            _GREY,
        )
    elif doc.get("failure") and not visits:
        text, colour = f"抽取失败 FAILED<small>{e(doc['failure'])}</small>", _GREY
    elif not visits:  # the visits' days are ahead: unannounced until then
        text, colour = (
            "暂无已到期的检查 NO VISITS YET<small>Visits are listed from their day on</small>",
            _GREY,
        )
    else:
        text, colour = _counts(visits)
    provinces = "、".join(_province(p) for p in spec.get("provinces", [])) or "三省一市 all"
    sections = "".join(
        _visit(
            v,
            f'<a href="{e(institution_path(v.get("institution_uscc", "")))}">'
            f"{e(v.get('institution_uscc', ''))}</a>",
        )
        for v in visits
    )
    return (
        page_head("双随机抽查结果公示 Random inspection results", colour)
        + f"""<p>抽查计划 Plan {e(doc.get("draw_id", draw_id))}</p>
<div class="status" id="status">{text}</div>
<section class="cert"><dl>
<dt>检查期间 Campaign</dt><dd>{e(spec.get("start_date", ""))} – {e(spec.get("end_date", ""))}</dd>
<dt>省份 Provinces</dt><dd>{provinces}</dd>
<dt>抽取时间 Drawn</dt><dd>{e(doc.get("drawn_at", ""))}</dd>
</dl></section>
<div id="visits">{sections}</div>
"""
        + _footer(doc, "/api/v1" + plan_path(doc.get("draw_id", draw_id)))
    )


def render_institution_page(doc: dict[str, Any] | None, uscc: str) -> str:
    if doc is None:
        return not_found_page(f"{uscc} 暂无抽查记录 · No random inspection of {uscc} on record")
    visits = doc.get("inspections", [])
    text, colour = _counts(visits)
    sections = "".join(
        _visit(
            v,
            f"{e(v.get('institution_uscc', ''))} · "
            f'<a href="{e(plan_path(v.get("draw_id", "")))}">计划 plan {e(v.get("draw_id", ""))}</a>',
        )
        for v in visits
    )
    others = "".join(
        f"""<section class="cert other"><dl>
<dt>抽查计划 Plan</dt><dd>{e(r.get("plan_draw_id", ""))} <small>(未经本平台抽取 not drawn through the hub)</small></dd>
<dt>公示省份 Published by</dt><dd>{_province(r.get("province", ""))} · {e(r.get("result_published_on", ""))}</dd>
{_result(r.get("result", {}))}</dl></section>"""
        for r in doc.get("other_results", [])
    )
    return (
        page_head("检验检测机构抽查结果 Inspection results of an institution", colour)
        + f"""<p>检验检测机构 Institution {e(doc.get("institution_uscc", uscc))}</p>
<div class="status" id="status">{text}</div>
<div id="visits">{sections}</div>
<div id="other">{others}</div>
"""
        + _footer(doc, "/api/v1" + institution_path(doc.get("institution_uscc", uscc)))
    )
