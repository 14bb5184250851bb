"""End to end: a random inspection plan drawn over gRPC, its result published
through Jiangsu's exchange (一公开), and the result on GetDraw and on the
registry's public page over HTTP (and in a real browser when there is one).

Every service runs as its own process; the broker is the session's real Kafka.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub
from tests.e2e.browser import CHROMIUM, browser, visible_text
from tests.integration.pool_records import InstitutionRecords, days_ahead, qualification
from yrdhub.v1 import assessor_pool_pb2, assessor_pool_pb2_grpc, common_pb2, exchange_pb2
from yrdhub.v1 import records_pb2 as rec

pytestmark = pytest.mark.e2e


def _pool(hub: Hub) -> Any:
    channel = client.channel(hub.registry.address, Identity(Role.REGULATOR, Province.JS))
    return assessor_pool_pb2_grpc.AssessorPoolServiceStub(channel)  # type: ignore[no-untyped-call]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return int(reply.status), reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _published(exchange: Any, result: rec.InspectionResult) -> None:
    reply = exchange.PublishRecords(
        exchange_pb2.PublishRecordsRequest(records=[rec.Record(inspection_result=result)]),
        timeout=30,
    )
    assert reply.rejected == 0, [list(r.violations) for r in reply.results]


def test_a_published_result_is_on_the_plan_and_the_public_page(hub: Hub, tmp_path: Path) -> None:
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    institutions = InstitutionRecords(12, field="04")
    reply = exchanges[Province.JS].PublishRecords(
        exchange_pb2.PublishRecordsRequest(records=[qualification(u) for u in institutions.usccs]),
        timeout=30,
    )
    assert reply.rejected == 0, [list(r.violations) for r in reply.results]
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
    # A campaign from today (none may start on a day gone) over two weeks.
    today = days_ahead(0)
    planned = (
        _pool(hub)
        .PlanInspections(
            assessor_pool_pb2.PlanInspectionsRequest(
                spec=assessor_pool_pb2.InspectionSpec(
                    provinces=[common_pb2.PROVINCE_JS],
                    start_date=today.isoformat(),
                    end_date=(today + dt.timedelta(days=14)).isoformat(),
                )
            ),
            timeout=60,
        )
        .draw
    )
    assert planned.state == assessor_pool_pb2.DRAW_STATE_DRAWN
    visit = planned.plan.inspections[0]
    # Due 20 working days after the visit, and nothing published yet.
    assert visit.result_due_date > visit.date
    assert visit.result_standing == assessor_pool_pb2.RESULT_STANDING_PENDING

    # Jiangsu, which supervises the laboratory, publishes the result: inspected
    # today (no result is published of a day to come, and the visit may be
    # planned later), one finding, corrected the same day, the case closed.
    # Shanghai publishing one for the same visit is not attached: the visit is
    # not Shanghai's.
    result = rec.InspectionResult(
        plan_draw_id=planned.draw_id,
        institution_uscc=visit.institution_uscc,
        inspection_date=today.isoformat(),
        outcome=rec.INSPECTION_OUTCOME_CORRECTION_ORDERED,
        findings=[
            rec.InspectionFinding(
                description="设备检定证书过期 <unchecked>",
                basis="RB/T 214-2017 4.4.3",
                corrective_action="重新检定并加贴状态标识",
                due_date=today.isoformat(),
                corrected_date=today.isoformat(),
            )
        ],
        closed_date=today.isoformat(),
        summary="检验检测机构监督抽查",
    )
    _published(exchanges[Province.JS], result)
    other = rec.InspectionResult(
        plan_draw_id=planned.draw_id,
        institution_uscc=visit.institution_uscc,
        inspection_date=today.isoformat(),
        outcome=rec.INSPECTION_OUTCOME_NO_PROBLEM,
    )
    _published(exchanges[Province.SH], other)
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    deadline = time.monotonic() + 30
    while True:
        draw = (
            _pool(hub)
            .GetDraw(assessor_pool_pb2.GetDrawRequest(draw_id=planned.draw_id), timeout=30)
            .draw
        )
        [shown] = [v for v in draw.plan.inspections if v.institution_uscc == visit.institution_uscc]
        if shown.HasField("result") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert shown.result == result
    assert shown.result_standing == assessor_pool_pb2.RESULT_STANDING_PUBLISHED
    assert shown.result_due_date == visit.result_due_date

    page = f"{hub.verify_url}/inspections/{planned.draw_id}"
    status, body = _get(page)
    assert status == 200
    assert "按时公示 Published on time" in body and f"已结案 Closed {today}" in body
    assert "重新检定并加贴状态标识" in body and "&lt;unchecked&gt;" in body
    status, body = _get(page.replace("/inspections/", "/api/v1/inspections/"))
    [public] = [
        v
        for v in json.loads(body)["plan"]["inspections"]
        if v["institution_uscc"] == visit.institution_uscc
    ]
    assert public["result"]["outcome"] == "INSPECTION_OUTCOME_CORRECTION_ORDERED"
    assert "team" not in public
    status, body = _get(f"{hub.verify_url}/inspections?uscc={visit.institution_uscc}")
    assert status == 200 and planned.draw_id in body
    status, body = _get(f"{hub.verify_url}/inspections/plan-unknown")
    assert status == 404 and "No inspection plan plan-unknown" in body
    if CHROMIUM is not None:
        dom = browser(page, tmp_path / "profile", "--dump-dom")
        assert visible_text(dom, "status").startswith("已公示 1 /")
        assert "<unchecked>" not in dom
