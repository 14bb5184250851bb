"""`yrdhub demo`: the four-province hub end to end on a realistic data set."""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from devtools.datagen import DataSet, generate
from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB, from_timestamp
from services.core.provinces import Province
from services.hub import client, status
from services.hub.demo_labels import show_labels
from services.hub.demo_pool import show_assessor_pool
from services.hub.demo_reconciliation import qualifications as _valid_qualifications
from services.hub.demo_reconciliation import show_reconciliation
from services.hub.demo_reports import show_reports
from services.hub.demo_trust import show_trust
from services.hub.qr import label_url
from services.hub.supervisor import Hub, HubConfig
from yrdhub.v1 import common_pb2, exchange_pb2, records_pb2, registry_pb2

_STATUS = {
    v: k.removeprefix("CERTIFICATE_STATUS_") for k, v in common_pb2.CertificateStatus.items()
}
_KIND = {v: k.removeprefix("RECORD_KIND_").lower() for k, v in common_pb2.RecordKind.items()}
_OUTCOME = exchange_pb2.RecordOutcome

Results = dict[Province, list[exchange_pb2.RecordResult]]


def _province(value: int) -> str:
    p = PROVINCE_FROM_PB[value]
    return f"{p.value} {p.name_zh}"


def run_demo(institutions: int, workdir: Path | None, console: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="yrdhub-demo-") as tmp:
        root = workdir or Path(tmp)
        hub = Hub(HubConfig(workdir=root), progress=console.log)
        started = time.monotonic()
        with hub.running():
            console.log(f"hub up in {time.monotonic() - started:.1f}s")
            console.print(_endpoints_table(hub))
            _demo(hub, institutions, console)
            console.log("stopping the hub")
        console.log("hub stopped; nothing left running")


def _demo(hub: Hub, institutions: int, console: Console) -> None:
    t0 = time.monotonic()
    data = generate(institutions, today=dt.date.today())
    console.log(f"generated {data.total():,} records in {time.monotonic() - t0:.1f}s")
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)

    started = time.monotonic()
    results = _publish(data, exchanges, console)
    published_s = time.monotonic() - started
    expected = client.published_counts(exchanges)
    client.wait_until_applied(registry, expected, timeout=600)
    end_to_end_s = time.monotonic() - started
    moved = sum(expected.values())

    console.print(_summary_table(data, results))
    console.print(
        f"{data.total():,} records sent; {moved:,} accepted events went through Kafka into the "
        f"registry in [bold]{end_to_end_s:.1f}s[/]: [bold green]{moved / end_to_end_s:,.0f} "
        f"records/s[/] end to end (the gRPC publish alone: {data.total() / published_s:,.0f}/s)"
    )
    console.print(_rejections_table(results))
    _show_resend(data, exchanges, console)
    _show_cross_province(data, registry, console)
    _show_check(data, registry, console)
    label = _green_certs(data, Province.ZJ)[0].green_cert.label_code
    console.print(
        f"Its QR code points to the public verify page {label_url(label, hub.verify_url)} "
        "(and /api/v1/labels/<code> for machines); `yrdhub label-qr` writes the image."
    )
    _show_status_change(data, exchanges, registry, console)
    show_labels(data, hub, exchanges, console)
    show_reconciliation(data, exchanges, registry, console)
    show_reports(data, hub, exchanges, console)
    show_assessor_pool(data, hub, console)
    show_trust(hub, exchanges, registry, _valid_qualifications(data, Province.SH)[-1], console)
    _show_status(hub, console)


def _show_status(hub: Hub, console: Console) -> None:
    """What an operator sees of the hub the demo ran: `yrdhub status`."""
    console.rule("Operations: yrdhub status")
    # This process already reaches the hub (TLS set up by the hub); the
    # status calls go out as the operator.
    where = status.Targets(
        hub.registry.address, {p: s.address for p, s in hub.exchanges.items()}, None
    )
    for table in status.tables(status.collect(where)):
        console.print(table)
    console.print(
        f"(`yrdhub status --workdir {hub.config.workdir}` prints this while `yrdhub up` runs, "
        f"`--json` for scripts; metrics: {hub.description()['registry']['metrics']}/metrics "
        "and each exchange's, listed in hub.json)"
    )


def _publish(data: DataSet, exchanges: dict[Province, Any], console: Console) -> Results:
    results: Results = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        tasks = {
            p: progress.add_task(f"{p.value} {p.name_zh} → exchange", total=len(records))
            for p, records in data.by_province.items()
        }

        def worker(p: Province) -> None:
            results[p] = client.publish_all(
                exchanges[p],
                data.by_province[p],
                on_batch=lambda r: progress.advance(tasks[p], len(r.results)),
            )

        threads = [threading.Thread(target=worker, args=(p,)) for p in data.by_province]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return results


def _endpoints_table(hub: Hub) -> Table:
    table = Table(title="The hub on localhost")
    table.add_column("service")
    table.add_column("address")
    for name, address in hub.endpoints().items():
        table.add_row(name, address)
    return table


def _summary_table(data: DataSet, results: Results) -> Table:
    table = Table(title="Published through each province's exchange")
    for col in ("province", "sent", "accepted", "unchanged", "rejected", "invalid on purpose"):
        table.add_column(col, justify="right" if col != "province" else "left")
    for p, res in results.items():
        counts: dict[int, int] = defaultdict(int)
        for r in res:
            counts[r.outcome] += 1
        table.add_row(
            f"{p.value} {p.name_zh}",
            f"{len(res):,}",
            f"{counts[_OUTCOME.RECORD_OUTCOME_ACCEPTED]:,}",
            f"{counts[_OUTCOME.RECORD_OUTCOME_UNCHANGED]:,}",
            f"{counts[_OUTCOME.RECORD_OUTCOME_REJECTED]:,}",
            f"{len(data.invalid_indexes.get(p, ())):,}",
        )
    return table


def _rejections_table(results: Results, limit: int = 8) -> Table:
    table = Table(title=f"Some rejected records (first {limit}): nothing of them was stored")
    table.add_column("province")
    table.add_column("#", justify="right")
    table.add_column("field")
    table.add_column("reason")
    shown = 0
    for p, res in results.items():
        for r in res:
            if r.outcome == _OUTCOME.RECORD_OUTCOME_REJECTED and shown < limit:
                v = r.violations[0]
                table.add_row(p.value, str(r.index), v.field, v.description)
                shown += 1
    return table


def _show_resend(data: DataSet, exchanges: dict[Province, Any], console: Console) -> None:
    p = Province.SH
    again = client.publish_all(exchanges[p], data.by_province[p][:1000])
    unchanged = sum(r.outcome == _OUTCOME.RECORD_OUTCOME_UNCHANGED for r in again)
    console.print(
        f"Re-sending {len(again):,} of Shanghai's records: {unchanged:,} unchanged, no new "
        "revision and no new event (idempotent publishing)."
    )


def _records_table(title: str, records: Any) -> Table:
    table = Table(title=title)
    for col in ("province", "kind", "record key", "name / product", "status", "rev"):
        table.add_column(col)
    for r in records:
        body = getattr(r.record, r.record.WhichOneof("body"))
        name = getattr(body, "institution_name", "") or getattr(body, "product", "")
        name = name or getattr(body, "reason", "")
        table.add_row(
            _province(r.provenance.province),
            _KIND[r.kind],
            r.record_key,
            name,
            _STATUS.get(r.effective_status, "") if r.effective_status else "",
            str(r.provenance.revision),
        )
    return table


def _uscc_of(record: records_pb2.Record) -> str:
    which = record.WhichOneof("body")
    if which == "qualification":
        return record.qualification.institution_uscc
    if which == "green_cert":
        return record.green_cert.enterprise_uscc
    if which == "credit_event":
        return record.credit_event.uscc
    return ""


def _show_cross_province(data: DataSet, registry: Any, console: Console) -> None:
    provinces_of: dict[str, set[Province]] = defaultdict(set)
    for p, records in data.by_province.items():
        for i, rec in enumerate(records):
            if i not in data.invalid_indexes.get(p, ()) and _uscc_of(rec):
                provinces_of[_uscc_of(rec)].add(p)
    shared = sorted(u for u, ps in provinces_of.items() if len(ps) > 1)
    console.print(
        f"{len(shared):,} institutions or enterprises have records in more than one province."
    )
    for uscc in shared[:2]:
        found = registry.ListInstitutionRecords(
            registry_pb2.ListInstitutionRecordsRequest(uscc=uscc)
        )
        console.print(_records_table(f"Everything the provinces said about {uscc}", found.records))


def _green_certs(data: DataSet, province: Province) -> list[records_pb2.Record]:
    return [
        rec
        for i, rec in enumerate(data.by_province[province])
        if rec.WhichOneof("body") == "green_cert"
        and i not in data.invalid_indexes.get(province, ())
    ]


def _show_check(data: DataSet, registry: Any, console: Console) -> None:
    label = _green_certs(data, Province.ZJ)[0].green_cert.label_code
    found = registry.CheckCertificate(registry_pb2.CheckCertificateRequest(code=label))
    console.print(
        _records_table(
            f"A consumer in Hefei checks label {label} (issued in Zhejiang)", found.matches
        )
    )
    unknown = "GP00000000000000"
    missing = registry.CheckCertificate(registry_pb2.CheckCertificateRequest(code=unknown))
    feeds = "; ".join(
        f"{_province(f.province)} feed current to {from_timestamp(f.last_accepted_at):%Y-%m-%d %H:%M:%S}Z"
        for f in missing.freshness
    )
    console.print(
        f"Label {unknown}: not found as of {from_timestamp(missing.as_of.known_at):%Y-%m-%d %H:%M:%S}Z; {feeds}."
    )


def _show_status_change(
    data: DataSet, exchanges: dict[Province, Any], registry: Any, console: Console
) -> None:
    cert = records_pb2.Record()
    # A valid one (revoked and cancelled are final), not the one checked above.
    valid = [
        c
        for c in _green_certs(data, Province.ZJ)[1:]
        if c.green_cert.status.canonical == common_pb2.CERTIFICATE_STATUS_VALID
    ]
    cert.CopyFrom(valid[0])
    cert.green_cert.status.canonical = common_pb2.CERTIFICATE_STATUS_REVOKED
    cert.green_cert.status.original = "撤销"
    started = time.monotonic()
    client.publish_all(exchanges[Province.ZJ], [cert])
    request = registry_pb2.CheckCertificateRequest(code=cert.green_cert.label_code)
    while True:
        answer = registry.CheckCertificate(request)
        if any(
            m.effective_status == common_pb2.CERTIFICATE_STATUS_REVOKED
            and m.provenance.province == PROVINCE_TO_PB[Province.ZJ]
            for m in answer.matches
        ):
            break
        if time.monotonic() - started > 30:
            raise TimeoutError("the revocation did not reach the registry within 30s")
        time.sleep(0.01)
    console.print(
        f"Zhejiang revokes green certificate {cert.green_cert.certificate_number}: every province "
        f"sees REVOKED in the registry after {(time.monotonic() - started) * 1000:.0f} ms."
    )
    console.print(_records_table("The revoked certificate", answer.matches))
