"""The demo's reconciliation section: a conflict as it happens, a credit listing
from Anhui that blocks recognition in Zhejiang, and the decision with its reasons."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from devtools.datagen import DataSet
from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB, from_timestamp
from services.core.provinces import Province
from services.hub import client
from services.hub.client import ChangeSubscription
from yrdhub.v1 import reconciliation_pb2, records_pb2, registry_pb2

_CONFLICT = {
    v: k.removeprefix("CONFLICT_TYPE_") for k, v in reconciliation_pb2.ConflictType.items()
}
_OUTCOME = {
    v: k.removeprefix("RECOGNITION_OUTCOME_")
    for k, v in reconciliation_pb2.RecognitionOutcome.items()
}
_CHANGE = {v: k.removeprefix("CHANGE_TYPE_") for k, v in reconciliation_pb2.ChangeType.items()}
_COLOUR = {"RECOGNIZED": "green", "CONDITIONAL": "yellow", "NOT_RECOGNIZED": "red"}


def show_reconciliation(
    data: DataSet, exchanges: dict[Province, Any], registry: Any, console: Console
) -> None:
    _show_conflict_counts(registry, console)
    sh = qualifications(data, Province.SH)
    _show_conflict(sh[0], data, exchanges, registry, console)
    _show_credit_blocks_recognition(sh[1:], exchanges, registry, console)


def qualifications(data: DataSet, province: Province) -> list[records_pb2.Record]:
    bad = data.invalid_indexes.get(province, set())
    return [
        r
        for i, r in enumerate(data.by_province[province])
        if i not in bad
        and r.WhichOneof("body") == "qualification"
        and r.qualification.issuer == province.cma_issuer
    ]


def outcome_text(value: int) -> str:
    name = _OUTCOME.get(value, "?")
    return f"[bold {_COLOUR.get(name, 'white')}]{name}[/]"


def _show_conflict_counts(registry: Any, console: Console) -> None:
    counts: Counter[str] = Counter()
    token = ""
    while True:
        page = registry.ListConflicts(
            registry_pb2.ListConflictsRequest(open_only=True, page_size=1000, page_token=token)
        )
        counts.update(_CONFLICT[c.type] for c in page.conflicts)
        token = page.next_page_token
        if not token:
            break
    said = ", ".join(f"{n} {t}" for t, n in sorted(counts.items())) or "none"
    console.print(f"Conflicts the registry detected while applying the data set: {said}.")


def _show_conflict(
    sh_cert: records_pb2.Record,
    data: DataSet,
    exchanges: dict[Province, Any],
    registry: Any,
    console: Console,
) -> None:
    q = sh_cert.qualification
    js_lab = qualifications(data, Province.JS)[0].qualification
    # Jiangsu publishes Shanghai's certificate number under one of its own labs.
    clash = records_pb2.Record()
    clash.CopyFrom(sh_cert)
    clash.qualification.institution_uscc = js_lab.institution_uscc
    clash.qualification.institution_name = js_lab.institution_name
    # Zhejiang's officials follow everything about the Shanghai lab, from now on.
    zhejiang = ChangeSubscription(
        registry, registry_pb2.WatchChangesRequest(holder_uscc=q.institution_uscc, from_latest=True)
    )
    try:
        client.publish_all(exchanges[Province.JS], [clash])
        opened = [
            zhejiang.wait_for(lambda c: c.type == reconciliation_pb2.CHANGE_TYPE_CONFLICT_OPENED)
        ]
    finally:
        zhejiang.cancel()
    console.print(
        f"Jiangsu publishes CMA number {q.number} (issuer {q.issuer}, Shanghai's) with holder "
        f"{js_lab.institution_name}; Shanghai's record names {q.institution_name}. "
        f"Zhejiang's change stream receives change #{opened[0].cursor}: "
        f"{_CHANGE[opened[0].type]} {_CONFLICT[opened[0].conflict.type]}."
    )
    found = registry.ListConflicts(
        registry_pb2.ListConflictsRequest(uscc=js_lab.institution_uscc, open_only=True)
    )
    table = Table(title=f"Open conflicts about Jiangsu's lab {js_lab.institution_uscc}")
    for col in ("#", "type", "province", "record", "says"):
        table.add_column(col)
    for c in found.conflicts:
        for i, r in enumerate(c.records):
            first = i == 0
            table.add_row(
                str(c.conflict_id) if first else "",
                _CONFLICT[c.type] if first else "",
                PROVINCE_FROM_PB[r.province].value,
                r.record_key,
                r.value,
            )
    console.print(table)


def _decide(registry: Any, record_key: str, as_of: Any = None) -> Any:
    return registry.DecideRecognition(
        registry_pb2.DecideRecognitionRequest(
            record_key=record_key, target_province=PROVINCE_TO_PB[Province.ZJ], as_of=as_of
        )
    )


def _show_credit_blocks_recognition(
    candidates: list[records_pb2.Record],
    exchanges: dict[Province, Any],
    registry: Any,
    console: Console,
) -> None:
    # A Shanghai lab Zhejiang recognises today: valid, no listing, no conflict.
    for cert in candidates[:200]:
        key = f"qualification/{cert.qualification.issuer}/{cert.qualification.number}"
        before = _decide(registry, key)
        if before.outcome == reconciliation_pb2.RECOGNITION_OUTCOME_RECOGNIZED:
            break
    else:
        console.print("(no recognisable Shanghai qualification in this data set)")
        return
    q = cert.qualification
    console.print(
        f"Zhejiang asks whether {q.institution_name}'s CMA certificate {q.number} is recognised: "
        f"{outcome_text(before.outcome)} (policy {before.policy_version})."
    )
    listing = records_pb2.Record(
        credit_event=records_pb2.CreditEvent(
            reference=f"皖市监信〔{dt.date.today().year}〕999号",
            uscc=q.institution_uscc,
            list_type=records_pb2.CREDIT_LIST_TYPE_SERIOUS_VIOLATION,
            action=records_pb2.CREDIT_ACTION_LISTED,
            reason="出具虚假检验检测报告",
            effective_from=dt.date.today().isoformat(),
            listing_province=PROVINCE_TO_PB[Province.AH],
        )
    )
    client.publish_all(exchanges[Province.AH], [listing])
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
    after = _decide(registry, key)
    console.print(
        "Anhui lists the lab as a serious violator (严重违法失信名单). Zhejiang asks again: "
        f"{outcome_text(after.outcome)}."
    )
    console.print(reasons_table(after, key))
    # Record time: the first question, asked again with its own as_of.
    then = _decide(registry, key, before.as_of)
    console.print(
        f"Asked as of the first answer (known_at {from_timestamp(before.as_of.known_at):%H:%M:%S}Z, "
        f"valid_on {before.as_of.valid_on}), the registry answers as it did then: "
        f"{outcome_text(then.outcome)}, with the same {len(then.reasons)} reasons."
    )


def reasons_table(decision: Any, subject: str, target: str = "Zhejiang") -> Table:
    """A decision's reasons, each with the records it used (DecideRecognition's
    or VerifyReport's answer)."""
    table = Table(
        title=f"Decision {_OUTCOME[decision.outcome]} for {target} on {decision.as_of.valid_on}: "
        f"policy {decision.policy_version} (sha256 {decision.policy_digest[:12]}…)"
    )
    for col in ("rule", "effect", "why, and the records it used"):
        table.add_column(col)
    for r in decision.reasons:
        used: dict[str, list[str]] = {}
        for i in r.inputs:
            if i.origin == reconciliation_pb2.INPUT_ORIGIN_RECORD:
                p = i.provenance
                # The judged certificate goes without its key, other records with it.
                key = "" if i.record_key == subject else f" {i.record_key}"
                source = f"{PROVINCE_FROM_PB[p.province].value}{key} rev {p.revision}"
                used.setdefault(source, []).append(i.name)
        sources = "; ".join(f"{s} ({', '.join(names)})" for s, names in used.items())
        why = r.message + (f"\n[dim]from {sources}[/]" if sources else "")
        table.add_row(r.rule_id, outcome_text(r.effect), why)
    return table
