"""Generated records of results: test reports and proficiency-testing results
of the laboratories the generator made."""

from __future__ import annotations

import datetime as dt
import hashlib

from devtools import datagen_tables as tables
from devtools.datagen_records import Generator, day_within
from yrdhub.v1 import common_pb2, records_pb2


def _report_items(scope: list[records_pb2.ScopeItem]) -> list[records_pb2.ReportItem]:
    """Scope items as a report or a proficiency round names them."""
    return [
        records_pb2.ReportItem(
            parameter=i.parameter, standard_code=i.standard_code, standard_year=i.standard_year
        )
        for i in scope
    ]


def report(gen: Generator, qualification: records_pb2.Record) -> records_pb2.Record | None:
    """A report the laboratory issued while its qualification was in force,
    on items of its scope, signed by one of its signatories; None when the
    qualification is not valid, has no day in force yet or no signatory."""
    rng = gen.rng
    q = qualification.qualification
    first = dt.date.fromisoformat(q.valid_from)
    last = min(dt.date.fromisoformat(q.valid_until), gen.today)
    if (
        last < first
        or not q.signatories
        or q.status.canonical != common_pb2.CERTIFICATE_STATUS_VALID
    ):
        return None
    issued = first + dt.timedelta(days=day_within(rng, (last - first).days + 1))
    items = rng.sample(list(q.scope), min(len(q.scope), rng.randint(1, 3)))
    return records_pb2.Record(
        report=records_pb2.TestReport(
            report_number=f"{q.number[2:4]}{issued:%Y%m%d}-{rng.randrange(10**5):05d}",
            cma_number=q.number,
            institution_uscc=q.institution_uscc,
            issue_date=issued.isoformat(),
            items=_report_items(items),
            signatory=rng.choice(q.signatories).name,
            sample_category=rng.choice(tables.SAMPLE_CATEGORIES),
            document_sha256=rng.randbytes(32).hex(),
        )
    )


def proficiency(gen: Generator, qualification: records_pb2.Record) -> records_pb2.Record | None:
    """The laboratory's result in a proficiency-testing round of the last
    three years on items of its scope; None before its qualification began."""
    rng = gen.rng
    q = qualification.qualification
    first = max(dt.date.fromisoformat(q.valid_from), gen.today - dt.timedelta(days=3 * 365))
    if first > gen.today:
        return None
    day = first + dt.timedelta(days=day_within(rng, (gen.today - first).days + 1))
    provider, prefix = rng.choice(tables.PT_PROVIDERS)
    items = rng.sample(list(q.scope), min(len(q.scope), rng.randint(1, 2)))
    outcome = rng.choice(tables.PT_OUTCOME_BAG)
    return records_pb2.Record(
        proficiency=records_pb2.ProficiencyResult(
            round_id=f"{prefix}-{day:%y}-{rng.randrange(1, 60):02d}",
            provider=provider,
            cma_number=q.number,
            institution_uscc=q.institution_uscc,
            items=_report_items(items),
            outcome=outcome,
            result_date=day.isoformat(),
        )
    )


_RISK_CLASSES = (
    records_pb2.RISK_CLASS_A,
    records_pb2.RISK_CLASS_A,
    records_pb2.RISK_CLASS_B,
    records_pb2.RISK_CLASS_B,
    records_pb2.RISK_CLASS_C,
    records_pb2.RISK_CLASS_D,
)


def risk_classification(
    gen: Generator, qualification: records_pb2.Record
) -> records_pb2.Record | None:
    """The risk class the province published for about a fifth of its
    laboratories (分级分类), decided by the USCC's hash so the rest of the data
    set keeps its random stream; None for the others."""
    q = qualification.qualification
    digest = hashlib.sha256(f"risk:{q.institution_uscc}".encode()).digest()
    if digest[0] % 5:
        return None
    grade = _RISK_CLASSES[digest[1] % len(_RISK_CLASSES)]
    since = gen.today - dt.timedelta(days=30 + digest[2] * 2)
    letter = records_pb2.RiskClass.Name(grade).removeprefix("RISK_CLASS_")
    return records_pb2.Record(
        risk_classification=records_pb2.RiskClassification(
            institution_uscc=q.institution_uscc,
            risk_class=grade,
            effective_from=since.isoformat(),
            basis=f"{since.year - 1}年度检验检测机构信用风险分级评价：{letter}级",
        )
    )
