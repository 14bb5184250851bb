"""Generated records of enforcement officers, signatory bans and published
random-inspection results. Each is decided by a hash of what it is about, so
adding them leaves the rest of the data set's random stream as it was."""

from __future__ import annotations

import datetime as dt
import hashlib

from devtools import datagen_tables as tables
from devtools.datagen_records import plus_years
from services.core.provinces import Province
from yrdhub.v1 import records_pb2

_ABBR = {Province.SH: "沪", Province.JS: "苏", Province.ZJ: "浙", Province.AH: "皖"}


def _digest(*parts: str) -> bytes:
    return hashlib.sha256(":".join(parts).encode()).digest()


def officers(
    province: Province, count: int, today: dt.date, first: int = 0
) -> list[records_pb2.Record]:
    """The province's directory of enforcement officers (`count` of them,
    from its `first`): certificates of five years, a few expired or suspended."""
    out = []
    for i in range(first, first + count):
        d = _digest("officer", province.value, str(i))
        issued = today - dt.timedelta(days=200 + int.from_bytes(d[:2], "big") % 1800)
        status = records_pb2.ASSESSOR_STATUS_ACTIVE
        reason = ""
        if d[2] % 25 == 0:
            status, reason = records_pb2.ASSESSOR_STATUS_SUSPENDED, "执法证年审未通过"
        out.append(
            records_pb2.Record(
                officer=records_pb2.EnforcementOfficer(
                    officer_id=f"O{d[3:11].hex()}",
                    home_province=tables.PROTO_PROVINCE[province],
                    authority=f"{province.name_zh}市场监督管理局",
                    certificate_number=f"{_ABBR[province]}{issued.year}{d[11] * 256 + d[12]:06d}",
                    certificate_valid_from=issued.isoformat(),
                    certificate_valid_until=plus_years(issued, 5).isoformat(),
                    status=status,
                    status_reason=reason,
                )
            )
        )
    return out


def signatory_ban(
    province: Province, qualification: records_pb2.Record, today: dt.date
) -> records_pb2.Record | None:
    """A ban on one of the laboratory's signatories, for about one laboratory
    in a hundred; None for the others."""
    q = qualification.qualification
    known = [s for s in q.signatories if s.person_id]
    d = _digest("ban", q.institution_uscc)
    if not known or d[0] >= 3:
        return None
    banned = known[d[2] % len(known)]
    since = today - dt.timedelta(days=10 + d[3])
    return records_pb2.Record(
        signatory_ban=records_pb2.SignatoryBan(
            reference=f"{_ABBR[province]}签禁〔{since.year}〕{d[4] * 256 + d[5]}号",
            person_id=banned.person_id,
            institution_uscc=q.institution_uscc,
            reason="签发虚假检验检测报告",
            effective_from=since.isoformat(),
            effective_until=plus_years(since, 5).isoformat(),
            action=records_pb2.CREDIT_ACTION_LISTED,
            listing_province=tables.PROTO_PROVINCE[province],
        )
    )


_OUTCOMES = (
    records_pb2.INSPECTION_OUTCOME_NO_PROBLEM,
    records_pb2.INSPECTION_OUTCOME_NO_PROBLEM,
    records_pb2.INSPECTION_OUTCOME_NO_PROBLEM,
    records_pb2.INSPECTION_OUTCOME_CORRECTION_ORDERED,
    records_pb2.INSPECTION_OUTCOME_CORRECTION_ORDERED,
    records_pb2.INSPECTION_OUTCOME_FURTHER_ACTION,
)


def inspection_result(
    province: Province, qualification: records_pb2.Record, today: dt.date
) -> records_pb2.Record | None:
    """The published result of last year's random inspection of about one
    laboratory in twenty; None for the others."""
    q = qualification.qualification
    d = _digest("inspected", q.institution_uscc)
    if d[0] % 20:
        return None
    day = today - dt.timedelta(days=40 + d[1])
    outcome = _OUTCOMES[d[2] % len(_OUTCOMES)]
    findings = []
    closed = ""
    if outcome == records_pb2.INSPECTION_OUTCOME_CORRECTION_ORDERED:
        due = day + dt.timedelta(days=30)
        done = due - dt.timedelta(days=d[3] % 20) if due < today else None
        findings.append(
            records_pb2.InspectionFinding(
                description="原始记录信息不完整，无法复现检测过程",
                basis="RB/T 214-2017 4.5.11",
                corrective_action="补充原始记录管理程序并对相关人员培训",
                due_date=due.isoformat(),
                corrected_date="" if done is None else done.isoformat(),
            )
        )
        closed = "" if done is None else done.isoformat()
    return records_pb2.Record(
        inspection_result=records_pb2.InspectionResult(
            plan_draw_id=f"plan-{province.value.lower()}-{day.year}-{d[4]:02x}",
            institution_uscc=q.institution_uscc,
            inspection_date=day.isoformat(),
            outcome=outcome,
            findings=findings,
            closed_date=closed,
            summary=f"{day.year}年检验检测机构“双随机、一公开”监督抽查",
        )
    )


def break_more(record: records_pb2.Record) -> bool:
    """Breaks a record of the kinds here so its exchange refuses it; False for
    other kinds (datagen_records.Generator.break_record breaks those)."""
    kind = record.WhichOneof("body")
    if kind == "officer":
        o = record.officer
        o.certificate_valid_from, o.certificate_valid_until = (
            o.certificate_valid_until,
            o.certificate_valid_from,
        )
    elif kind == "signatory_ban":
        record.signatory_ban.reason = ""
    elif kind == "inspection_result":
        record.inspection_result.outcome = records_pb2.INSPECTION_OUTCOME_UNSPECIFIED
    else:
        return False
    return True
