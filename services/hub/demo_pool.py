"""The assessor-pool part of `yrdhub demo`: a verifiable team draw, the assignment
back home, and a random inspection plan."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from devtools.datagen import DataSet
from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB
from services.core.identity import Identity, Role
from services.core.provenance import china_date, utcnow
from services.core.provinces import CMA_ISSUERS, Province
from services.hub import client
from services.hub.demo_inspections import show_inspection_results
from services.hub.supervisor import Hub
from services.hub.verify_draw import document_of, verify_document
from yrdhub.v1 import (
    assessor_pool_pb2,
    assessor_pool_pb2_grpc,
    exchange_pb2,
    home_assignments_pb2,
    home_assignments_pb2_grpc,
    records_pb2,
)

_ROLE = {v: k.removeprefix("TEAM_ROLE_").lower() for k, v in assessor_pool_pb2.TeamRole.items()}
_CLASS = {v: k.removeprefix("CREDIT_CLASS_") for k, v in assessor_pool_pb2.CreditClass.items()}


def _stub(address: str, factory: Any, as_: Identity | None = None) -> Any:
    return factory(client.channel(address, as_))


def show_assessor_pool(data: DataSet, hub: Hub, console: Console) -> None:
    # Jiangsu's regulators request the team for a Jiangsu lab; Zhejiang's plan
    # Zhejiang's inspections (each province acts for itself).
    pool = _stub(
        hub.registry.address,
        assessor_pool_pb2_grpc.AssessorPoolServiceStub,
        Identity(Role.REGULATOR, Province.JS),
    )
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    _show_identity(exchanges[Province.SH], console)
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    target = next(
        r.qualification
        for r in data.by_province[Province.JS]
        if r.WhichOneof("body") == "qualification"
        and CMA_ISSUERS.get(r.qualification.issuer) is Province.JS
    )
    start = dt.date.today() + dt.timedelta(days=30)
    draw = pool.RequestTeam(
        assessor_pool_pb2.RequestTeamRequest(
            spec=assessor_pool_pb2.TeamSpec(
                institution_uscc=target.institution_uscc,
                institution_province=PROVINCE_TO_PB[Province.JS],
                fields=[target.number[4:6]],
                start_date=start.isoformat(),
                end_date=(start + dt.timedelta(days=2)).isoformat(),
                technical_experts=1,
            )
        )
    ).draw
    table = Table(title=f"A review team for {target.institution_name} (field {target.number[4:6]})")
    for col in ("assessor (pseudonymous)", "home", "role"):
        table.add_column(col)
    for m in draw.team:
        table.add_row(m.assessor_id, PROVINCE_FROM_PB[m.home_province].value, _ROLE[m.role])
    console.print(table)
    reasons = Counter(x.reason for x in draw.exclusions)
    console.print(
        f"{draw.candidates:,} candidates, {draw.eligible:,} eligible; left out: "
        + ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    )
    full = pool.GetDraw(assessor_pool_pb2.GetDrawRequest(draw_id=draw.draw_id)).draw
    check = verify_document(document_of(full))
    console.print(
        f"Seed committed as {draw.seed_commitment.hex()[:16]}… before the pool was read; "
        f"re-running from the revealed seed and the {len(full.snapshot):,}-byte snapshot: "
        + ("[bold green]match[/]" if check.ok else f"[bold red]mismatch[/] {check.problems}")
    )
    _show_home(hub, {PROVINCE_FROM_PB[m.home_province] for m in draw.team}, console)
    zhejiang = _stub(
        hub.registry.address,
        assessor_pool_pb2_grpc.AssessorPoolServiceStub,
        Identity(Role.REGULATOR, Province.ZJ),
    )
    plan = _show_plan(zhejiang, console)
    show_inspection_results(
        zhejiang, exchanges, exchanges[Province.ZJ], registry, plan, hub.verify_url, console
    )


def _show_identity(exchange: Any, console: Console) -> None:
    record = records_pb2.Record(
        assessor=records_pb2.Assessor(
            employer_uscc="91310000MA1FL0000N",
            level=records_pb2.ASSESSOR_LEVEL_ASSESSOR,
            fields=["00"],
            status=records_pb2.ASSESSOR_STATUS_ACTIVE,
            available=True,
            identity=records_pb2.AssessorIdentity(
                name="欧阳明月", id_number="310101198001010018", phone="13912345678"
            ),
        )
    )
    [result] = exchange.PublishRecords(exchange_pb2.PublishRecordsRequest(records=[record])).results
    if result.outcome != exchange_pb2.RECORD_OUTCOME_ACCEPTED:
        raise RuntimeError(f"the demo assessor was refused: {list(result.violations)}")
    console.print(
        f"Shanghai registers 欧阳明月 with her identity number: its exchange keeps both and "
        f"publishes only {result.record_key} (HMAC of the number under the hub's secret)."
    )


def _show_home(hub: Hub, provinces: set[Province], console: Console) -> None:
    for province in sorted(provinces):
        # Identities leave home only for the home province's regulators.
        stub = _stub(
            hub.home_addresses[province],
            home_assignments_pb2_grpc.HomeAssignmentServiceStub,
            Identity(Role.REGULATOR, province),
        )
        deadline = time.monotonic() + 30
        while True:
            found = stub.ListHomeAssignments(home_assignments_pb2.ListHomeAssignmentsRequest())
            if found.assignments or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        for item in found.assignments:
            a = item.assignment
            who = item.identity.name or "(registered without identity)"
            console.print(
                f"{province.name_en}'s exchange hears: {a.assessor_id} {who} reviews "
                f"{a.institution_uscc} from {a.start_date} to {a.end_date}."
            )


def _show_plan(pool: Any, console: Console) -> Any:
    # A campaign from today in China (none may start on a day gone), over two weeks.
    start = china_date(utcnow())
    plan = pool.PlanInspections(
        assessor_pool_pb2.PlanInspectionsRequest(
            spec=assessor_pool_pb2.InspectionSpec(
                provinces=[PROVINCE_TO_PB[Province.ZJ]],
                start_date=start.isoformat(),
                end_date=(start + dt.timedelta(days=13)).isoformat(),
                technical_support=1,
            )
        )
    ).draw
    table = Table(title="A random inspection plan (双随机) for Zhejiang's institutions")
    for col in ("credit class", "institutions", "ratio", "drawn"):
        table.add_column(col, justify="right")
    for q in plan.plan.quotas:
        table.add_row(_CLASS[q.credit_class], f"{q.pool:,}", q.ratio, str(q.drawn))
    console.print(table)
    staffed = [v for v in plan.plan.inspections if v.team]
    console.print(
        f"{len(plan.plan.inspections)} visits over two weeks' working days, {len(staffed)} "
        "with a team: two enforcement officers, the first of Zhejiang's authority leading, "
        "and an assessor as technical support, drawn under the same recusal rules."
    )
    if staffed:
        roles = {
            assessor_pool_pb2.TEAM_ROLE_LEAD_OFFICER: "lead officer",
            assessor_pool_pb2.TEAM_ROLE_OFFICER: "officer",
            assessor_pool_pb2.TEAM_ROLE_TECHNICAL_SUPPORT: "technical support",
        }
        first = staffed[0]
        console.print(
            f"  {first.date} at {first.institution_uscc}: "
            + ", ".join(
                f"{m.assessor_id} ({roles.get(m.role, 'inspector')}, "
                f"{PROVINCE_FROM_PB[m.home_province].value})"
                for m in first.team
            )
        )
    unstaffed = [v.failure for v in plan.plan.inspections if not v.team]
    if unstaffed:
        console.print(f"  {len(unstaffed)} without a team: {unstaffed[0]}")
    return plan
