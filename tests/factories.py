"""Domain records and registry events for reconciliation tests, built in a line each."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Engine
from stdnum.cn import uscc as stdnum_uscc

from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB, timestamp
from services.common.record_mapping import to_record_pb
from services.core.credit import CreditFact
from services.core.draws import DrawKind, Role
from services.core.label_format import GreenLabelFormat
from services.core.provenance import Source, utcnow
from services.core.provinces import Province
from services.core.recognition import Certificate
from services.core.records import (
    CreditAction,
    CreditEvent,
    CreditListType,
    GreenCertification,
    Qualification,
    Record,
    ScopeItem,
    kind_of,
)
from services.core.results import ReportItem, TestReport
from services.core.status import CertificateStatus
from services.registry.checks.answers import precompute
from services.registry.checks.labels import LabelQueries
from services.registry.checks.reader import FeedCache, PointReader
from services.registry.ingest.apply import IncomingEvent, RecordWriter
from services.registry.ingest.events import parse_event
from services.registry.pool.rows import booking as pool_booking
from services.registry.pool.tables import AssignmentRow
from services.registry.reconciliation.changelog import ChangeLogTables
from services.registry.reconciliation.conflict_store import ConflictStore, ConflictTables
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.reconciliation.recognition import CertificateStandings, RecognitionDecisions
from services.registry.reconciliation.standing_inputs import StandingInputs
from services.registry.records.as_of import RecordsAsOf
from services.registry.records.store import DeadEvent, RecordStore
from services.registry.records.tables import RecordTables
from yrdhub.v1 import events_pb2


def uscc(base: str) -> str:
    """A valid USCC from its first 17 characters."""
    return base + str(stdnum_uscc.calc_check_digit(base))


LAB_A = uscc("91310115MA1K4ABC3")
LAB_B = uscc("91320100MA1XYW123")
LAB_C = uscc("12330100470000001")
MAKER = uscc("91340100MA2N0C0D1")

T0 = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)


def cma_number(issuer: str = "09", serial: int = 1, year: int = 23) -> str:
    return f"{year:02d}{issuer}0100{serial:04d}"


def qualification(
    *,
    issuer: str = "09",
    serial: int = 1,
    holder: str = LAB_A,
    name: str = "上海华测检测技术有限公司",
    status: CertificateStatus = CertificateStatus.VALID,
    valid_from: dt.date = dt.date(2023, 3, 1),
    valid_until: dt.date = dt.date(2029, 2, 28),
    scope: tuple[tuple[str, str, int], ...] = (("铅 (Pb)", "GB 5009.12", 2023),),
    **changes: Any,
) -> Qualification:
    return Qualification(
        issuer=issuer,
        number=cma_number(issuer, serial),
        institution_uscc=holder,
        institution_name=name,
        address="上海市浦东新区张江路1号",
        valid_from=valid_from,
        valid_until=valid_until,
        status=status,
        scope=tuple(ScopeItem(parameter=p, standard_code=c, standard_year=y) for p, c, y in scope),
        **changes,
    )


def green_cert(
    *,
    number: str = "CQC2024GP0000001",
    body: str = "CNCA-R-2002-001",
    body_name: str = "中国质量认证中心",
    label: str = "GP00000000000001",
    model: str = "JJ-100A",
    holder: str = MAKER,
    name: str = "安徽绿源家具有限公司",
    status: CertificateStatus = CertificateStatus.VALID,
    valid_from: dt.date = dt.date(2024, 1, 1),
    valid_until: dt.date = dt.date(2028, 12, 31),
) -> GreenCertification:
    return GreenCertification(
        body_code=body,
        body_name=body_name,
        certificate_number=number,
        label_code=label,
        enterprise_uscc=holder,
        enterprise_name=name,
        product="板式衣柜",
        model=model,
        category="家具",
        evaluation_standard="GB/T 35607-2017",
        valid_from=valid_from,
        valid_until=valid_until,
        status=status,
    )


def credit(
    reference: str = "皖市监信〔2026〕1号",
    *,
    holder: str = LAB_A,
    province: Province = Province.AH,
    list_type: CreditListType = CreditListType.SERIOUS_VIOLATION,
    action: CreditAction = CreditAction.LISTED,
    effective_from: dt.date = dt.date(2026, 1, 1),
    effective_until: dt.date | None = None,
    lifts: str = "",
) -> CreditEvent:
    """A credit event; a removal or repair lifts the listing `lifts` names
    (by default the listing this factory makes, 皖市监信〔2026〕1号)."""
    if action is not CreditAction.LISTED and not lifts:
        lifts = "皖市监信〔2026〕1号"
    return CreditEvent(
        reference=reference,
        uscc=holder,
        list_type=list_type,
        action=action,
        reason="出具虚假检验检测报告",
        effective_from=effective_from,
        effective_until=effective_until,
        listing_province=province,
        lifts_reference=lifts,
    )


def report(
    *,
    issuer: str = "09",
    serial: int = 1,
    number: str = "SH-2026-000123",
    holder: str = LAB_A,
    issued: dt.date = dt.date(2026, 6, 1),
    signatory: str = "王敏",
    items: tuple[tuple[str, str, int], ...] = (("铅 (Pb)", "GB 5009.12", 2023),),
    document_sha256: str = "",
) -> TestReport:
    """A report of the laboratory qualification(issuer=, serial=) describes."""
    return TestReport(
        report_number=number,
        cma_number=cma_number(issuer, serial),
        institution_uscc=holder,
        issue_date=issued,
        items=tuple(ReportItem(parameter=p, standard_code=c, standard_year=y) for p, c, y in items),
        signatory=signatory,
        sample_category="食品 / 大米",
        document_sha256=document_sha256,
    )


def event(
    record: Record,
    province: Province,
    revision: int = 1,
    *,
    sequence: int | None = None,
    accepted_at: dt.datetime = T0,
) -> IncomingEvent:
    """The registry's view of an event carrying `record`, as parse_event makes it."""
    payload = events_pb2.Event(
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{province}/{record.key}/{revision}")),
        province=PROVINCE_TO_PB[province],
        record_key=record.key,
        kind=KIND_TO_PB[kind_of(record)],
        revision=revision,
        sequence=sequence if sequence is not None else revision,
        accepted_at=timestamp(accepted_at),
        record=to_record_pb(record),
    ).SerializeToString(deterministic=True)
    return parse_event(payload)


def source(
    province: Province, record_key: str, revision: int = 1, accepted_at: dt.datetime = T0
) -> Source:
    return Source(
        province, record_key, revision, f"ev-{revision}", revision, accepted_at, accepted_at
    )


def certificate(
    record: Qualification | GreenCertification, province: Province, revision: int = 1
) -> Certificate:
    return Certificate(record, source(province, record.key, revision))


def credit_fact(record: CreditEvent, revision: int = 1) -> CreditFact:
    return CreditFact(record, source(record.listing_province, record.key, revision))


class AppliedStore(RecordStore):
    """The record store with its writer, wired as the registry's composition root
    wires them (check answers precomputed): tests apply and read through one object."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.writer = RecordWriter(engine, precompute)
        self._standing_inputs: list[StandingInputs] = []
        self._readers: list[PointReader] = []

    def create_schema(self) -> None:
        super().create_schema()
        self.writer.create_schema()

    def apply(
        self,
        events: Sequence[IncomingEvent],
        offsets: dict[tuple[str, int], int],
        dead: Sequence[DeadEvent] = (),
        now: dt.datetime | None = None,
    ) -> int:
        with contextlib.ExitStack() as writes:
            for reader in self._readers:  # announced, as the registry's ingest thread does
                writes.enter_context(reader.writes())
            applied = self.writer.apply(events, offsets, dead, now)
        for inputs in self._standing_inputs:  # as the registry's ingest thread does
            inputs.refresh()
        return applied

    def decisions(self, clock: Callable[[], dt.datetime] = utcnow) -> RecognitionDecisions:
        return RecognitionDecisions(self, ConflictStore(self.engine), PolicySource(), clock)

    def label_queries(
        self,
        clock: Callable[[], dt.datetime] = utcnow,
        label_format: GreenLabelFormat | None = None,
    ) -> LabelQueries:
        """Label checks wired as the registry's composition root wires them."""
        inputs = StandingInputs(self.engine)
        self._standing_inputs.append(inputs)
        reader = PointReader(self.engine)
        self._readers.append(reader)
        return LabelQueries(
            reader,
            FeedCache(self),
            RecordsAsOf(self),
            CertificateStandings(self.decisions(clock), inputs),
            clock,
            label_format,
        )


# Every table a registry's apply path writes, each store's metadata.
REGISTRY_METADATA = (RecordTables.metadata, ConflictTables.metadata, ChangeLogTables.metadata)


def booking(
    assessor_id: str,
    draw_id: str,
    start: dt.date,
    end: dt.date | None = None,
    *,
    province: str = "SH",
    institution_uscc: str = "",
) -> AssignmentRow:
    """An active assignment of a team draw, made by hand (as a racing process
    would book it, or for a copy of the pool's bookings), its id named after
    the draw."""
    row = pool_booking(
        draw_id,
        DrawKind.TEAM,
        (assessor_id, province, Role.ASSESSOR),
        (institution_uscc, "JS"),
        (start, end or start),
        "",
        dt.datetime.now(dt.UTC),
    )
    return dataclasses.replace(row, assignment_id=f"asg-{draw_id}")
