"""The demo's green-label section (绿色产品标识 as the national platform issues
it): a product certified by two bodies answers as one label; Jiangsu relays
one body's revocation before Zhejiang does, and the answer says Zhejiang lags
instead of calling it a conflict; then Zhejiang catches up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table

from devtools.datagen import DataSet
from services.common.convert import from_timestamp
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub
from yrdhub.v1 import common_pb2, labels_pb2, records_pb2


def _merged_label(data: DataSet, province: Province) -> list[records_pb2.Record]:
    """The certificates, by two or more bodies, of one product of `province`,
    all valid; empty if the data set has none."""
    bad = data.invalid_indexes.get(province, set())
    by_label: dict[str, list[records_pb2.Record]] = defaultdict(list)
    for i, r in enumerate(data.by_province[province]):
        if i not in bad and r.WhichOneof("body") == "green_cert":
            by_label[r.green_cert.label_code].append(r)
    for certs in by_label.values():
        valid = all(
            c.green_cert.status.canonical == common_pb2.CERTIFICATE_STATUS_VALID for c in certs
        )
        if len({c.green_cert.body_code for c in certs}) > 1 and valid:
            return certs
    return []


def _matches_table(title: str, check: labels_pb2.LabelCheck) -> Table:
    table = Table(title=title)
    for column in ("province", "body", "certificate", "status", "copy"):
        table.add_column(column)
    for m in check.matches:
        table.add_row(
            common_pb2.Province.Name(m.province).removeprefix("PROVINCE_"),
            f"{m.body_name} ({m.body_code})",
            m.certificate_number,
            common_pb2.CertificateStatus.Name(m.effective_status).removeprefix(
                "CERTIFICATE_STATUS_"
            ),
            labels_pb2.CopyStanding.Name(m.copy_standing).removeprefix("COPY_STANDING_"),
        )
    return table


def _verdict(check: labels_pb2.LabelCheck) -> str:
    return labels_pb2.LabelVerdict.Name(check.verdict).removeprefix("LABEL_VERDICT_")


def show_labels(data: DataSet, hub: Hub, exchanges: dict[Province, Any], console: Console) -> None:
    console.rule("Green labels: one label per product, several bodies, provinces relaying")
    certs = _merged_label(data, Province.ZJ)
    if not certs:
        console.print("(no product certified by two bodies in this data set)")
        return
    labels = client.label_stub(hub.public_address or hub.registry.address)
    code = certs[0].green_cert.label_code

    def check() -> labels_pb2.LabelCheck:
        answer: labels_pb2.CheckLabelResponse = labels.CheckLabel(
            labels_pb2.CheckLabelRequest(code=code)
        )
        return answer.check

    first = check()
    g = certs[0].green_cert
    console.print(
        f"{g.enterprise_name}'s {g.product} {g.model} is certified by {len(certs)} bodies; the "
        f"national platform gave it one label, {code}: [bold]{_verdict(first)}[/], "
        f"no conflict ({len(first.matches)} certificates)."
    )
    console.print(_matches_table(f"Label {code}", first))
    # The first body revokes its certificate from yesterday. Jiangsu, where the
    # product is also sold, relays it first; Zhejiang's copy still says VALID.
    revoked = records_pb2.Record()
    revoked.CopyFrom(certs[0])
    revoked.green_cert.status.canonical = common_pb2.CERTIFICATE_STATUS_REVOKED
    revoked.green_cert.status.original = "撤销"
    today = from_timestamp(first.matches[0].accepted_at).date()
    revoked.green_cert.status_effective_date = (today - dt.timedelta(days=1)).isoformat()
    client.publish_all(exchanges[Province.JS], [revoked])
    client.wait_until_applied(
        client.registry_stub(hub.registry.address), client.published_counts(exchanges), 60
    )
    relayed = check()
    console.print(
        f"{g.body_name} revokes its certificate {g.certificate_number}; Jiangsu relays it "
        f"before Zhejiang does. The label: [bold]{_verdict(relayed)}[/]."
    )
    for note in relayed.notes:
        console.print(f"  note: {note}")
    console.print(_matches_table(f"Label {code}, Zhejiang's copy lagging", relayed))
    client.publish_all(exchanges[Province.ZJ], [revoked])
    client.wait_until_applied(
        client.registry_stub(hub.registry.address), client.published_counts(exchanges), 60
    )
    caught_up = check()
    lagging = sum(m.copy_standing == labels_pb2.COPY_STANDING_LAGGING for m in caught_up.matches)
    console.print(
        f"Zhejiang catches up: {_verdict(caught_up)}, {lagging} lagging copies; "
        f"{len(caught_up.notes)} note(s): {'; '.join(caught_up.notes)}"
    )
