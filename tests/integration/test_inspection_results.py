"""Published results of random inspections (一公开) on real SQLite and PostgreSQL:
a plan drawn against the registry's stores, results applied as the feed
would, and GetDraw, the public documents and the public page answering with
each visit's result, due date (working days) and standing."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from sqlalchemy.engine import Engine

from devtools.pool_data import load_registry
from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB, timestamp
from services.common.db import make_engine
from services.common.rate_limit import RateLimiter
from services.core.fields import RecordKind
from services.core.inspections import InspectionRequest
from services.core.provinces import Province
from services.core.verify import verify_draw
from services.registry.checks.answers import precompute
from services.registry.checks.labels import LabelQueries
from services.registry.checks.verify_server import VerifyServer
from services.registry.ingest.apply import RecordWriter
from services.registry.ingest.events import parse_event, record_key_of
from services.registry.pool import mapping
from services.registry.pool.draws import AssessorPool
from services.registry.pool.policies import load_inspection, load_recusal
from services.registry.pool.public import PublicInspections
from services.registry.pool.relay import event_payload
from services.registry.pool.results import InspectionResults
from services.registry.pool.servicer import AssessorPoolServicer
from services.registry.pool.store import PoolStore
from services.registry.pool.view import PoolView
from services.registry.records.store import RecordStore
from tests.integration.pool_records import (
    InstitutionRecords,
    assessor,
    credit_event,
    qualification,
    uscc,
)
from yrdhub.v1 import assessor_pool_pb2 as pb
from yrdhub.v1 import events_pb2, records_pb2

# The hub's clock: 2026-11-10 in China, after every visit's due date.
NOW = dt.datetime(2026, 11, 10, 4, 0, tzinfo=dt.UTC)
# When the campaign was planned: a week before it (no plan starts on a day gone).
PLANNED = dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)
# A campaign around National Day: visits on 28-30 September are due on
# 30 October, 2 and 3 November (20 working days; 1-7 October off, Saturday
# 10 October worked).
DUE = {"2026-09-28": "2026-10-30", "2026-09-29": "2026-11-02", "2026-09-30": "2026-11-03"}
UNKNOWN_LAB = uscc("91320583MA1UNK000")


def _at(day: str) -> dt.datetime:
    """Ten in the morning in China on `day`."""
    return dt.datetime.fromisoformat(f"{day}T02:00:00+00:00")


@dataclass
class Env:
    engine: Engine
    store: PoolStore
    pool: AssessorPool
    results: InspectionResults
    # The pool's clock: PLANNED while the plan is drawn, NOW after.
    clock: list[dt.datetime]
    sequence: int = 10_000

    def publish(
        self,
        province: Province,
        result: records_pb2.InspectionResult,
        accepted: str,
        revision: int = 1,
    ) -> None:
        """Applies a province's result as the feed would, accepted on `accepted`."""
        record = records_pb2.Record(inspection_result=result)
        self.sequence += 1
        event = events_pb2.Event(
            event_id=str(uuid.uuid4()),
            province=PROVINCE_TO_PB[province],
            record_key=record_key_of(record),
            kind=KIND_TO_PB[RecordKind.INSPECTION_RESULT],
            revision=revision,
            sequence=self.sequence,
            accepted_at=timestamp(_at(accepted)),
            record=record,
        )
        writer = RecordWriter(self.engine, precompute)
        writer.apply([parse_event(event.SerializeToString())], {})

    def get_draw(self, draw_id: str, valid_on: str = "") -> pb.Draw:
        servicer = AssessorPoolServicer(self.pool, self.results)
        request = pb.GetDrawRequest(draw_id=draw_id)
        request.as_of.valid_on = valid_on
        reply = asyncio.run(servicer.GetDraw(request, cast(Any, None)))
        return reply.draw


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    engine = make_engine(db_url)
    load_registry(engine, {})
    store = PoolStore(engine, event_payload)
    store.create_schema()
    policy = load_inspection()
    clock = [PLANNED]
    pool = AssessorPool(store, PoolView(engine), load_recusal(), policy, clock=lambda: clock[0])
    results = InspectionResults(RecordStore(engine), policy, clock=lambda: NOW)
    try:
        yield Env(engine, store, pool, results, clock)
    finally:
        engine.dispose()


def _result(
    draw_id: str, lab: str, day: str, *, closed: str = "", corrected: str = ""
) -> records_pb2.InspectionResult:
    return records_pb2.InspectionResult(
        plan_draw_id=draw_id,
        institution_uscc=lab,
        inspection_date=day,
        outcome=records_pb2.INSPECTION_OUTCOME_CORRECTION_ORDERED,
        findings=[
            records_pb2.InspectionFinding(
                description="原始记录信息不完整 <b>",
                basis="RB/T 214-2017 4.5.11",
                corrective_action="补充原始记录管理程序",
                due_date="2026-10-30",
                corrected_date=corrected,
            )
        ],
        closed_date=closed,
        summary="检验检测机构监督抽查",
    )


def _plan(env: Env) -> tuple[str, list[pb.PlannedInspection]]:
    institutions = InstitutionRecords(20, field="04")
    load_registry(
        env.engine,
        {
            Province.JS: [qualification(i) for i in institutions.usccs],
            Province.ZJ: [
                credit_event(institutions.usccs[0], "SERIOUS"),
                credit_event(institutions.usccs[1], "ABNORMAL"),
            ],
            Province.SH: [assessor(f"Amember{i:04d}") for i in range(8)],
        },
    )
    drawn = env.pool.plan_inspections(
        InspectionRequest(
            provinces=["JS"], fields=[], start_date="2026-09-28", end_date="2026-09-30"
        )
    )
    assert drawn.row.state == "DRAWN", drawn.row.failure
    env.clock[0] = NOW
    visits = list(env.get_draw(drawn.row.draw_id).plan.inspections)
    assert len(visits) >= 3
    return drawn.row.draw_id, visits


def test_get_draw_carries_each_visits_result_due_date_and_standing(env: Env) -> None:
    draw_id, (on_time, late, missing, *_) = _plan(env)
    assert on_time.result_due_date == DUE[on_time.date]
    # Jiangsu, which qualifies the laboratories, publishes: one result on time
    # and closed later, one late. Zhejiang publishes one for the third visit,
    # not its own to publish, and Jiangsu one for a laboratory the plan did not visit.
    env.publish(Province.JS, _result(draw_id, on_time.institution_uscc, on_time.date), "2026-10-15")
    closed = _result(
        draw_id, on_time.institution_uscc, on_time.date, corrected="2026-11-05", closed="2026-11-05"
    )
    env.publish(Province.JS, closed, "2026-11-06", revision=2)
    env.publish(Province.JS, _result(draw_id, late.institution_uscc, late.date), "2026-11-05")
    env.publish(Province.ZJ, _result(draw_id, missing.institution_uscc, missing.date), "2026-10-16")
    env.publish(Province.JS, _result(draw_id, UNKNOWN_LAB, on_time.date), "2026-10-16")

    draw = env.get_draw(draw_id)
    by_lab = {v.institution_uscc: v for v in draw.plan.inspections}
    assert UNKNOWN_LAB not in by_lab
    shown = by_lab[on_time.institution_uscc]
    assert shown.result_standing == pb.RESULT_STANDING_PUBLISHED
    assert shown.result.closed_date == "2026-11-05"  # the latest revision
    assert shown.result.findings[0].corrected_date == "2026-11-05"
    assert by_lab[late.institution_uscc].result_standing == pb.RESULT_STANDING_PUBLISHED_LATE
    unpublished = by_lab[missing.institution_uscc]
    assert unpublished.result_standing == pb.RESULT_STANDING_OVERDUE
    assert not unpublished.HasField("result")  # Zhejiang's does not count
    for v in draw.plan.inspections:
        assert v.result_due_date == DUE[v.date]

    # On 20 October: the first revision was out, the late one not yet, and nothing due.
    earlier = {v.institution_uscc: v for v in env.get_draw(draw_id, "2026-10-20").plan.inspections}
    first = earlier[on_time.institution_uscc]
    assert first.result_standing == pb.RESULT_STANDING_PUBLISHED and not first.result.closed_date
    assert earlier[late.institution_uscc].result_standing == pb.RESULT_STANDING_PENDING
    assert not earlier[late.institution_uscc].HasField("result")

    # Results are not part of the draw: it re-runs and claims what it drew.
    row = env.pool.draw(draw_id)[0].row
    assert row.seed and row.snapshot and row.snapshot_sha256
    assert mapping.claimed_outcome(draw) == json.loads(row.outcome or "{}")
    check = verify_draw(
        seed=row.seed,
        seed_commitment=row.seed_commitment,
        snapshot=row.snapshot,
        snapshot_sha256=row.snapshot_sha256,
        claimed=mapping.claimed_outcome(draw),
    )
    assert check.ok, check.problems


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return int(reply.status), reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_public_pages_show_results_by_plan_and_by_institution(env: Env) -> None:
    draw_id, (on_time, late, missing, *_) = _plan(env)
    closed = _result(
        draw_id, on_time.institution_uscc, on_time.date, corrected="2026-10-20", closed="2026-10-20"
    )
    env.publish(Province.JS, closed, "2026-10-21")
    env.publish(Province.ZJ, _result(draw_id, missing.institution_uscc, missing.date), "2026-10-16")
    # A result of an inspection planned outside the hub.
    env.publish(
        Province.JS, _result("plan-js-2025-0a", late.institution_uscc, "2025-06-02"), "2025-06-20"
    )
    public = PublicInspections(env.store, env.results)

    doc = public.plan(draw_id)
    assert doc is not None and doc["results_within_working_days"] == 20
    visits = {v["institution_uscc"]: v for v in doc["plan"]["inspections"]}
    assert visits[on_time.institution_uscc]["result_standing"] == "RESULT_STANDING_PUBLISHED"
    assert visits[on_time.institution_uscc]["result_published_on"] == "2026-10-21"
    assert visits[missing.institution_uscc]["result_standing"] == "RESULT_STANDING_OVERDUE"
    assert "result" not in visits[missing.institution_uscc]
    assert all("team" not in v and "credit_class" not in v for v in visits.values())
    assert public.plan("plan-nonexistent") is None

    mine = public.institution(late.institution_uscc)
    assert mine is not None
    [visit] = mine["inspections"]
    assert visit["draw_id"] == draw_id and visit["result_standing"] == "RESULT_STANDING_OVERDUE"
    [other] = mine["other_results"]
    assert other["plan_draw_id"] == "plan-js-2025-0a" and other["province"] == "PROVINCE_JS"
    assert public.institution(UNKNOWN_LAB) is None

    server = _page_server(public)
    try:
        base = f"http://127.0.0.1:{server.port}"
        status, page = _get(f"{base}/inspections/{draw_id}")
        assert status == 200
        assert "按时公示 Published on time" in page and "逾期未公示 Overdue" in page
        assert "已结案 Closed 2026-10-20" in page and "补充原始记录管理程序" in page
        assert "&lt;b&gt;" in page and "不完整 <b>" not in page  # escaped
        assert f"公示期限 due {DUE[on_time.date]}" in page
        status, body = _get(f"{base}/api/v1/inspections/{draw_id}")
        assert status == 200 and json.loads(body) == doc
        status, page = _get(f"{base}/inspections/plan-%3Cscript%3E")
        assert status == 404 and "No inspection plan plan-&lt;script&gt;" in page
        status, page = _get(f"{base}/inspections?uscc={late.institution_uscc}")
        assert status == 200 and "plan-js-2025-0a" in page and draw_id in page
        status, page = _get(f"{base}/inspections?uscc={UNKNOWN_LAB}")
        assert status == 404 and "No random inspection" in page
        status, body = _get(f"{base}/api/v1/inspections?uscc=not-a-uscc")
        assert status == 400 and json.loads(body)["violations"][0]["field"] == "uscc"
    finally:
        server.stop()


def test_the_public_pages_announce_no_visit_before_its_day(env: Env) -> None:
    """双随机: the inspections are unannounced. Anyone may read a visit from its
    day on in China (or once its result is out), the officials every visit."""
    draw_id, visits = _plan(env)
    first = min(dt.date.fromisoformat(v.date) for v in visits)
    ahead = [v for v in visits if dt.date.fromisoformat(v.date) > first]
    assert ahead, "the campaign spreads its visits over its days"
    eve = first - dt.timedelta(days=1)
    # 18:00 in China the day before the first visit, then 01:00 on its day
    # (still the day before in UTC).
    clock = [dt.datetime.combine(eve, dt.time(10, 0), tzinfo=dt.UTC)]
    results = InspectionResults(RecordStore(env.engine), load_inspection(), clock=lambda: clock[0])
    public = PublicInspections(env.store, results)
    server = _page_server(public)
    try:
        base = f"http://127.0.0.1:{server.port}"
        status, body = _get(f"{base}/api/v1/inspections/{draw_id}")
        assert status == 200 and json.loads(body)["plan"]["inspections"] == []
        status, page = _get(f"{base}/inspections/{draw_id}")
        assert status == 200 and "NO VISITS YET" in page
        for v in visits:
            assert v.institution_uscc not in page and v.institution_uscc not in body
            # No inspection on record yet: as for a laboratory never drawn.
            status, body = _get(f"{base}/api/v1/inspections?uscc={v.institution_uscc}")
            assert status == 404, body
            status, page = _get(f"{base}/inspections?uscc={v.institution_uscc}")
            assert status == 404 and "No random inspection" in page

        clock[0] = dt.datetime.combine(eve, dt.time(17, 0), tzinfo=dt.UTC)
        status, body = _get(f"{base}/api/v1/inspections/{draw_id}")
        shown = {v["institution_uscc"] for v in json.loads(body)["plan"]["inspections"]}
        assert shown == {v.institution_uscc for v in visits if v.date == first.isoformat()}
        later = ahead[0]
        status, body = _get(f"{base}/api/v1/inspections?uscc={later.institution_uscc}")
        assert status == 404 and later.date not in body

        # A result published ahead of the planned day makes the visit public.
        env.publish(
            Province.JS,
            _result(draw_id, later.institution_uscc, first.isoformat()),
            eve.isoformat(),
        )
        status, body = _get(f"{base}/api/v1/inspections?uscc={later.institution_uscc}")
        assert status == 200
        [visit] = json.loads(body)["inspections"]
        assert visit["draw_id"] == draw_id and visit["result_standing"].startswith(
            "RESULT_STANDING_PUBLISHED"
        )
    finally:
        server.stop()
    # The officials' answer is unchanged: every visit, ahead or not.
    servicer = AssessorPoolServicer(env.pool, results)
    reply = asyncio.run(servicer.GetDraw(pb.GetDrawRequest(draw_id=draw_id), cast(Any, None)))
    assert len(reply.draw.plan.inspections) == len(visits)


def _page_server(public: PublicInspections) -> VerifyServer:
    """The verify page serving the public inspection pages alone, started."""
    server = VerifyServer(
        "127.0.0.1:0",
        cast(LabelQueries, None),
        RateLimiter(rate=100.0, burst=100),
        inspections=public,
    )
    server.start()
    return server
