"""The results part of `yrdhub demo`'s random inspection (一公开): Zhejiang
publishes what two visits found through its exchange, one case closed and one
with a correction still open; the plan then answers with each visit's result,
its due date (working days after the visit) and how it stands, and the public
page shows the same to anyone."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from services.core.provenance import china_date, utcnow
from services.hub import client
from services.registry.checks.inspection_page import OUTCOMES
from yrdhub.v1 import assessor_pool_pb2, exchange_pb2
from yrdhub.v1 import records_pb2 as rec

_STANDING = {
    assessor_pool_pb2.RESULT_STANDING_PUBLISHED: "[green]published on time[/]",
    assessor_pool_pb2.RESULT_STANDING_PUBLISHED_LATE: "[yellow]published late[/]",
    assessor_pool_pb2.RESULT_STANDING_OVERDUE: "[red]overdue[/]",
    assessor_pool_pb2.RESULT_STANDING_PENDING: "pending",
}


def _result(
    draw_id: str, visit: assessor_pool_pb2.PlannedInspection, closed: bool, today: dt.date
) -> rec.InspectionResult:
    # The plan starts today: a visit planned later is inspected today, ahead
    # of its day (no result is published of a day to come).
    day = min(dt.date.fromisoformat(visit.date), today)
    corrected = day.isoformat() if closed else ""
    finding = (
        rec.InspectionFinding(
            description="原始记录信息不完整，无法复现检测过程",
            basis="RB/T 214-2017 4.5.11",
            corrective_action="补充原始记录管理程序并对相关人员培训",
            due_date=(day + dt.timedelta(days=14)).isoformat(),
            corrected_date=corrected,
        )
        if closed
        else rec.InspectionFinding(
            description="部分设备检定证书过期",
            basis="RB/T 214-2017 4.4.3",
            corrective_action="重新检定并加贴状态标识",
            due_date=(today + dt.timedelta(days=30)).isoformat(),
        )
    )
    return rec.InspectionResult(
        plan_draw_id=draw_id,
        institution_uscc=visit.institution_uscc,
        inspection_date=day.isoformat(),
        outcome=rec.INSPECTION_OUTCOME_CORRECTION_ORDERED,
        findings=[finding],
        closed_date=corrected,
        summary="检验检测机构“双随机、一公开”监督抽查",
    )


def show_inspection_results(
    pool: Any,
    exchanges: dict[Any, Any],
    zhejiang: Any,
    registry: Any,
    plan: assessor_pool_pb2.Draw,
    verify_url: str,
    console: Console,
) -> None:
    """Publishes two visits' results through Zhejiang's exchange and shows the plan with them."""
    # The two visits due last, so their results come in on time if any can.
    chosen = sorted(plan.plan.inspections, key=lambda v: v.result_due_date, reverse=True)[:2]
    if not chosen:
        console.print("The plan drew no visit: no results to publish.")
        return
    today = china_date(utcnow())
    records = [
        rec.Record(inspection_result=_result(plan.draw_id, v, closed=i == 0, today=today))
        for i, v in enumerate(chosen)
    ]
    reply = zhejiang.PublishRecords(exchange_pb2.PublishRecordsRequest(records=records))
    if reply.rejected:
        raise RuntimeError(
            f"the demo results were refused: {[list(r.violations) for r in reply.results]}"
        )
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
    full = pool.GetDraw(assessor_pool_pb2.GetDrawRequest(draw_id=plan.draw_id)).draw
    visits = list(full.plan.inspections)
    counts = Counter(v.result_standing for v in visits)
    console.print(
        f"{len(visits)} visits: "
        + ", ".join(f"{counts[s]} {label}" for s, label in _STANDING.items() if counts[s])
        + " (results of visits held by now are overdue unless published)."
    )
    published = [v for v in visits if v.HasField("result")]
    overdue = [v for v in visits if v.result_standing == assessor_pool_pb2.RESULT_STANDING_OVERDUE]
    table = Table(title="Results (一公开) as Zhejiang publishes them")
    for col in ("institution", "visit", "result due", "standing"):
        table.add_column(col, no_wrap=True)
    for v in [*published, *overdue[:1]]:
        table.add_row(v.institution_uscc, v.date, v.result_due_date, _STANDING[v.result_standing])
    console.print(table)
    for v in published:
        r = v.result
        chinese, english, _css = OUTCOMES[rec.InspectionOutcome.Name(r.outcome)]
        console.print(f"{r.institution_uscc}: {chinese} ({english.lower()})")
        for f in r.findings:
            state = (
                f"corrected {f.corrected_date}" if f.corrected_date else f"open, due {f.due_date}"
            )
            console.print(f"  {f.description} ({f.basis}) → {f.corrective_action}: {state}")
        console.print(f"  case {'closed ' + r.closed_date if r.closed_date else 'open'}")
    page = f"{verify_url}/inspections/{plan.draw_id}"
    with urllib.request.urlopen(page.replace("/inspections/", "/api/v1/inspections/")) as answer:
        days = json.loads(answer.read())["results_within_working_days"]
    console.print(
        f"Each result is due {days} working days after the visit (the inspection policy; "
        "statutory holidays off, adjusted working days on). Anyone can read them at "
        f"{page}, and an institution's at {verify_url}/inspections?uscc=<USCC>."
    )
