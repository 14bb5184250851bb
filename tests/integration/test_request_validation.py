"""Requests to the registry's services through their real servicers, on SQLite
and PostgreSQL: a malformed value is refused naming its field (INVALID_ARGUMENT
with a field violation), never read as "no filter", a default, or an unknown
record. Each case sits beside one a client relies on, answered as before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from services.common.audit_log import AuditLog
from services.common.audit_servicer import AuditServicer
from services.common.convert import PROVINCE_TO_PB
from services.common.db import make_engine
from services.core.audit import AuditFacts
from services.core.errors import InvalidRequest
from services.core.provinces import Province
from services.registry.app import RegistryServicer
from services.registry.reconciliation.changes import ChangeReader, ChangeSignal, ChangeWatch
from services.registry.reconciliation.conflict_store import ConflictStore
from services.registry.reconciliation.institutions import Reconciliation
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.reconciliation.recognition import RecognitionDecisions
from services.registry.reconciliation.reports import ReportVerifications
from services.registry.reconciliation.servicer import ReconciliationUseCases
from services.registry.records.queries import RegistryQueries
from tests.factories import LAB_A, T0, AppliedStore, event, qualification, report
from yrdhub.v1 import audit_pb2, common_pb2, registry_pb2

QUALIFICATION = qualification()
REPORT = report()
SH = common_pb2.PROVINCE_SH
JS = common_pb2.PROVINCE_JS


class _Context:
    """A plaintext call's context: no client certificate."""

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}

    def peer(self) -> str:
        return "ipv4:127.0.0.1:1"


CONTEXT: Any = _Context()


@pytest.fixture
def registry(db_url: str) -> Iterator[RegistryServicer]:
    engine = make_engine(db_url)
    store = AppliedStore(engine)
    store.create_schema()
    store.apply(
        [event(QUALIFICATION, Province.SH, accepted_at=T0), event(REPORT, Province.SH)],
        {},
        now=T0,
    )
    conflicts = ConflictStore(engine)
    policy = PolicySource()
    use_cases = ReconciliationUseCases(
        Reconciliation(store, conflicts, policy=policy),
        RecognitionDecisions(store, conflicts, policy),
        ChangeWatch(ChangeReader(engine), ChangeSignal(), idle_poll_s=0.01),
        ReportVerifications(store, conflicts, policy),
    )
    try:
        yield RegistryServicer(RegistryQueries(store), None, use_cases, None, None)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _refused(call: Any) -> list[tuple[str, str]]:
    """The field violations `call` (a coroutine) was refused with."""
    with pytest.raises(InvalidRequest) as refused:
        asyncio.run(call)
    return [(v.field, v.description) for v in refused.value.violations]


async def _first(stream: AsyncIterator[Any]) -> Any:
    async for item in stream:
        return item
    return None


async def _first_changes(stream: AsyncIterator[Any]) -> Any:
    """The first answer with changes (the stream's first carries none)."""

    async def read() -> Any:
        async for item in stream:
            if item.changes:
                return item

    return await asyncio.wait_for(read(), 10)


def test_a_province_the_contract_does_not_define_is_refused_not_defaulted(
    registry: RegistryServicer,
) -> None:
    """VerifyReport(target_province=99) was judged for Shanghai, and
    DecideRecognition's source_province=99 judged the issuing province's copy,
    as if unspecified."""
    asked = registry_pb2.VerifyReportRequest(
        cma_number=REPORT.cma_number, report_number=REPORT.report_number
    )
    for bad in (99, -3):
        asked.target_province = bad  # type: ignore[assignment]  # a value the contract lacks
        [(field, why)] = _refused(registry.VerifyReport(asked, CONTEXT))
        assert field == "target_province" and why.startswith(f"{bad} is not one of")
        # 0 is no filter here: the province that registered the report.
        assert why.endswith("or 0 for the province that registered the report"), why
    asked.target_province = common_pb2.PROVINCE_UNSPECIFIED
    verdict = asyncio.run(registry.VerifyReport(asked, CONTEXT))
    assert verdict.registered and verdict.target_province == SH

    decide = registry_pb2.DecideRecognitionRequest(record_key=QUALIFICATION.key, target_province=JS)
    for bad in (99, -1):
        decide.source_province = bad  # type: ignore[assignment]  # a value the contract lacks
        [(field, why)] = _refused(registry.DecideRecognition(decide, CONTEXT))
        assert field == "source_province" and why.startswith(f"{bad} is not one of")
    for source in (common_pb2.PROVINCE_UNSPECIFIED, SH):
        decide.source_province = source
        decided = asyncio.run(registry.DecideRecognition(decide, CONTEXT))
        assert decided.target_province == JS
    # A subject is required: neither a record key nor an institution says so.
    for empty in (
        registry_pb2.DecideRecognitionRequest(target_province=JS),
        registry_pb2.DecideRecognitionRequest(record_key=" ", target_province=JS),
    ):
        assert _refused(registry.DecideRecognition(empty, CONTEXT)) == [
            ("record_key", "required: a record key, or an institution's scope")
        ]
    # A target is required: no value but the four provinces is taken for one;
    # one sent that the contract lacks is named, not said to be missing.
    decide.source_province = SH
    decide.target_province = common_pb2.PROVINCE_UNSPECIFIED
    assert _refused(registry.DecideRecognition(decide, CONTEXT)) == [
        ("target_province", "required: one of [1, 2, 3, 4] (SH, JS, ZJ, AH)")
    ]
    for bad in (7, 99, -1):
        decide.target_province = bad  # type: ignore[assignment]  # a value the contract lacks
        assert _refused(registry.DecideRecognition(decide, CONTEXT)) == [
            ("target_province", f"{bad} is not one of [1, 2, 3, 4] (SH, JS, ZJ, AH)")
        ]


def test_a_report_checks_its_as_of_day_though_it_judges_on_the_issue_date(
    registry: RegistryServicer,
) -> None:
    """VerifyReport ignores as_of.valid_on (a report is judged on its issue
    date), but "bad" was answered as if well formed, where every other
    request refuses it: a client's mistake to be told of."""
    asked = registry_pb2.VerifyReportRequest(
        cma_number=REPORT.cma_number,
        report_number=REPORT.report_number,
        as_of=common_pb2.AsOf(valid_on="bad"),
    )
    [(field, _)] = _refused(registry.VerifyReport(asked, CONTEXT))
    assert field == "as_of.valid_on"
    asked.as_of.valid_on = "2020-01-01"  # well formed: ignored, as the contract says
    assert asyncio.run(registry.VerifyReport(asked, CONTEXT)).registered


def test_a_uscc_filter_of_spaces_is_malformed_not_absent(registry: RegistryServicer) -> None:
    """ListConflicts(uscc=" ") listed every conflict and WatchChanges(holder_uscc="  ")
    replayed every change, where GetInstitution refused the same value."""
    for spaces in (" ", "\u3000\u3000"):
        [(field, why)] = _refused(
            registry.ListConflicts(registry_pb2.ListConflictsRequest(uscc=spaces), CONTEXT)
        )
        assert field == "uscc" and why.startswith("not a valid unified social credit code")
        [(field, why)] = _refused(
            _first(
                registry.WatchChanges(registry_pb2.WatchChangesRequest(holder_uscc=spaces), CONTEXT)
            )
        )
        assert field == "holder_uscc" and why.startswith("not a valid unified social credit code")
        assert [f for f, _ in _refused(
            registry.GetInstitution(registry_pb2.GetInstitutionRequest(uscc=spaces), CONTEXT)
        )] == ["uscc"]  # fmt: skip
    # Empty is no filter; a USCC with spaces around it is that USCC.
    for uscc in ("", f" {LAB_A} "):
        asyncio.run(registry.ListConflicts(registry_pb2.ListConflictsRequest(uscc=uscc), CONTEXT))
    watched = registry_pb2.WatchChangesRequest(holder_uscc=f" {LAB_A}")
    first = asyncio.run(_first_changes(registry.WatchChanges(watched, CONTEXT)))
    assert {c.record.record_key for c in first.changes} == {QUALIFICATION.key, REPORT.key}


MALFORMED_KEYS = {
    "qualification/": "qualification keys have 2 non-empty parts after qualification/",
    "green_cert//": "green_cert keys have 2 non-empty parts",
    "qualification/09": "qualification keys have 2 non-empty parts",
    "qualification//230912340001": "qualification keys have 2 non-empty parts",
    "qualification": "qualification keys have 2 non-empty parts",
    "assessor/": "assessor keys have 1 non-empty part after",
    "permit/09/230912340001": "'permit' is not a record kind",
    "": "expected KIND/PART[/PART]",
}
# Well formed, of no record: a reference or certificate number may hold "/".
UNKNOWN_KEYS = (
    "qualification/09/239901009999",
    "credit_event/JS/苏信〔2026〕1/",
    "green_cert/CQC/GP/2024//1",
    "assessor/A1/2",
    "inspection_result/plan-1/91310115MA1K4ABC3",
)


def test_a_malformed_record_key_is_refused_naming_it_and_an_unknown_one_is_unknown(
    registry: RegistryServicer,
) -> None:
    """GetRecord, GetRecordHistory, DecideRecognition and WatchChanges took
    "qualification/", "green_cert//" or a key of no record kind for a key no
    record has: an empty answer (or NOT_FOUND) to a client's typo."""
    calls: dict[str, Callable[[str], Any]] = {
        "GetRecord": lambda key: registry.GetRecord(
            registry_pb2.GetRecordRequest(record_key=key), CONTEXT
        ),
        "GetRecordHistory": lambda key: registry.GetRecordHistory(
            registry_pb2.GetRecordHistoryRequest(record_key=key), CONTEXT
        ),
        "DecideRecognition": lambda key: registry.DecideRecognition(
            registry_pb2.DecideRecognitionRequest(record_key=key, target_province=JS), CONTEXT
        ),
        "WatchChanges": lambda key: _first(
            registry.WatchChanges(registry_pb2.WatchChangesRequest(record_keys=[key]), CONTEXT)
        ),
    }
    for method, call in calls.items():
        field = "record_keys[0]" if method == "WatchChanges" else "record_key"
        for key, said in MALFORMED_KEYS.items():
            if method == "DecideRecognition" and not key:
                said = "required: a record key, or an institution's scope"  # no subject
            [(named, why)] = _refused(call(key))
            assert (named, said in why) == (field, True), (method, key, why)
    # Well formed, and no record has it: an empty answer, as before.
    for unknown in UNKNOWN_KEYS:
        assert not asyncio.run(calls["GetRecord"](unknown)).records
        assert not asyncio.run(calls["GetRecordHistory"](unknown)).versions
    assert [r.record_key for r in asyncio.run(calls["GetRecord"](QUALIFICATION.key)).records] == [
        QUALIFICATION.key
    ]


def test_a_negative_before_sequence_is_refused_not_taken_for_the_newest(db_url: str) -> None:
    """ListAuditEntries(before_sequence=-5) answered the newest entries, as 0 does."""
    engine = make_engine(db_url)
    try:
        audit_log = AuditLog(engine)
        audit_log.create_schema()
        for method in ("GetRecord", "ListConflicts"):
            audit_log.append(
                AuditFacts(T0, "anonymous", "", f"/yrdhub.v1.RegistryService/{method}", "OK", "")
            )
        audit = AuditServicer(audit_log, own_callers_only=True)
        asked = audit_pb2.ListAuditEntriesRequest(before_sequence=-5)
        [(field, why)] = _refused(audit.ListAuditEntries(asked, CONTEXT))
        assert (field, why) == ("before_sequence", "0 for the newest, or above; not -5")
        for before, sequences in ((0, [2, 1]), (2, [1]), (1, [])):
            asked.before_sequence = before
            listed = asyncio.run(audit.ListAuditEntries(asked, CONTEXT)).entries
            assert [e.sequence for e in listed] == sequences
    finally:
        engine.dispose()


def test_a_negative_from_sequence_is_refused_not_taken_for_the_start(
    registry: RegistryServicer,
) -> None:
    """ExportChain(from_sequence=-5) exported from the start, as 0 and 1 do."""
    export = registry_pb2.ExportChainRequest(province=PROVINCE_TO_PB[Province.SH], from_sequence=-5)
    [(field, why)] = _refused(_first(registry.ExportChain(export, CONTEXT)))
    assert field == "from_sequence" and why.endswith("not -5")


def test_a_record_key_typed_in_another_form_names_the_record(registry: RegistryServicer) -> None:
    """A key's codes as a person types them (full-width digits, a report
    number in lower case, spaces) name the record publishing stored: the
    same record, where they were answered empty."""
    typed = {
        QUALIFICATION.key: QUALIFICATION.key.translate(FULL_WIDTH_DIGITS),
        REPORT.key: REPORT.key.lower().replace("report/", "report/ ", 1),
    }
    for key, typed_key in typed.items():
        assert typed_key != key
        got = asyncio.run(
            registry.GetRecord(registry_pb2.GetRecordRequest(record_key=typed_key), CONTEXT)
        )
        assert [r.record_key for r in got.records] == [key], typed_key
        history = asyncio.run(
            registry.GetRecordHistory(
                registry_pb2.GetRecordHistoryRequest(record_key=typed_key), CONTEXT
            )
        )
        assert [v.record_key for v in history.versions] == [key], typed_key


FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def test_an_institution_asked_without_a_uscc_is_told_it_is_required(
    registry: RegistryServicer,
) -> None:
    """ListInstitutionRecords(uscc="") said the USCC had an invalid length."""
    asked = registry_pb2.ListInstitutionRecordsRequest(uscc="")
    assert _refused(registry.ListInstitutionRecords(asked, CONTEXT)) == [
        ("uscc", "required: the institution's USCC")
    ]
