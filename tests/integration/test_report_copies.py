"""VerifyReport when several provinces hold the report's CMA, through the
registry's stores on SQLite and PostgreSQL: the issuing province's copy
decides, as it does for DecideRecognition, and the others' disagreement is
the open conflict that makes the answer CONDITIONAL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from services.core.policy import Outcome
from services.core.provinces import Province
from services.core.recognition import Decision, Reason
from services.core.records import Signatory
from services.core.status import CertificateStatus
from services.registry.reconciliation.reports import report_query
from tests.factories import LAB_A, LAB_B, qualification, report
from tests.integration.test_report_bans import Registry, registry_holding

# A Zhejiang laboratory (issuer 11) and its report, issued 2026-06-01.
LAB = qualification(issuer="11", signatories=(Signatory(name="王敏", fields=("00",)),))
REPORT = report(issuer="11", number="ZJ-2026-000123")
REVOKED_ON = dt.date(2026, 5, 31)


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    yield from registry_holding(db_url, Province.ZJ, LAB, REPORT)


def _in_anhui(registry: Registry) -> Decision:
    query = report_query(REPORT.cma_number, REPORT.report_number)
    return registry.reports.verify(query, target=Province.AH).decision


def _decided(registry: Registry, on: dt.date = REPORT.issue_date) -> Decision:
    decisions = registry.store.decisions(lambda: registry.now)
    return decisions.for_record(LAB.key, target=Province.AH, valid_on=on.isoformat()).decision


def _reason(decision: Decision, rule_id: str) -> Reason:
    [found] = [r for r in decision.reasons if r.rule_id == rule_id]
    return found


def test_a_relayed_valid_copy_does_not_rescue_the_issuers_backdated_revocation(
    registry: Registry,
) -> None:
    registry.publish(LAB, Province.AH)  # Anhui relays it as VALID
    revoked = LAB.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": REVOKED_ON}
    )
    registry.publish(revoked, Province.ZJ, 2)

    decision = _in_anhui(registry)
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    covered = _reason(decision, "scope.covered")
    assert covered.effect is Outcome.NOT_RECOGNIZED
    assert "REVOKED" in covered.message and f"since {REVOKED_ON}" in covered.message
    assert f"{LAB.key} (ZJ)" in covered.message
    # DecideRecognition for the same CMA and day says the same.
    assert _decided(registry).outcome is Outcome.NOT_RECOGNIZED


def test_another_provinces_copy_naming_another_holder_makes_the_report_conditional(
    registry: Registry,
) -> None:
    registry.publish(qualification(issuer="11", holder=LAB_B), Province.JS)

    decision = _in_anhui(registry)
    laboratory = _reason(decision, "report.laboratory")
    assert laboratory.effect is Outcome.RECOGNIZED
    assert f"held by the report's laboratory {LAB_A}" in laboratory.message
    assert f"Jiangsu's copy names {LAB_B}" in laboratory.message
    assert _reason(decision, "scope.covered").effect is Outcome.RECOGNIZED
    conflicts = _reason(decision, "conflicts.open")
    assert conflicts.effect is Outcome.CONDITIONAL
    assert "HOLDER_MISMATCH" in {i.name for i in conflicts.inputs}
    assert decision.outcome is Outcome.CONDITIONAL
    assert _decided(registry).outcome is Outcome.CONDITIONAL


def test_a_revocation_first_heard_of_counts_from_its_own_day_not_before(db_url: str) -> None:
    """The hub first hears of the laboratory's CMA already REVOKED from
    1 November; its report of 1 June was issued while the CMA held. It was
    refused, "status on 2026-06-01 is REVOKED, in effect since 2026-11-01":
    the earliest version stood for the days before with a status not yet in
    effect then."""
    revoked_later = LAB.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 11, 1)}
    )
    for registry in registry_holding(db_url, Province.ZJ, revoked_later, REPORT):
        decision = _in_anhui(registry)
        covered = _reason(decision, "scope.covered")
        assert covered.effect is Outcome.RECOGNIZED, covered.message
        assert decision.outcome is Outcome.RECOGNIZED
        assert _decided(registry).outcome is Outcome.RECOGNIZED
        status = _reason(_decided(registry), "status.on_date")
        assert status.message == (
            f"status on {REPORT.issue_date} is VALID (its REVOKED took effect on 2026-11-01, "
            "after that day)"
        )
        # From its day on, the revocation holds.
        assert _decided(registry, dt.date(2026, 11, 1)).outcome is Outcome.NOT_RECOGNIZED
