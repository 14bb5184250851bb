"""Recognition decisions and the policy they follow: outcome, reasons, provenance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from services.core.conflicts import ConflictType
from services.core.credit import CreditFact
from services.core.policy import Outcome, PolicyError, RecognitionPolicy
from services.core.provinces import Province
from services.core.recognition import (
    Certificate,
    Decision,
    InputOrigin,
    OpenConflict,
    Reason,
    RequestedItem,
)
from services.core.recognition_decisions import decide_certificate, decide_scope
from services.core.records import CreditListType, GreenCertification, Qualification
from services.core.status import CertificateStatus
from tests.factories import (
    LAB_A,
    T0,
    certificate,
    credit,
    credit_fact,
    green_cert,
    qualification,
    source,
)

SHIPPED = Path(__file__).parents[2] / "services/registry/policy/recognition-v1.toml"
POLICY = RecognitionPolicy.from_toml(SHIPPED.read_text(encoding="utf-8"))
DAY = dt.date(2026, 6, 1)


def reason(decision: Decision, rule_id: str) -> Reason:
    [found] = [r for r in decision.reasons if r.rule_id == rule_id]
    return found


def decide(
    record: Qualification | GreenCertification | None = None,
    *,
    province: Province = Province.SH,
    target: Province = Province.ZJ,
    on: dt.date = DAY,
    credit: Sequence[CreditFact] = (),
    conflicts: Sequence[OpenConflict] = (),
    known: bool = True,
) -> Decision:
    record = record or qualification()
    return decide_certificate(
        POLICY,
        target=target,
        on=on,
        record_key=record.key,
        certificate=certificate(record, province) if known else None,
        credit=credit,
        conflicts=conflicts,
    )


def test_the_shipped_policy_parses_and_names_its_version_and_digest() -> None:
    assert POLICY.version == "yrd-recognition-v1.0"
    assert len(POLICY.digest) == 64
    assert CertificateStatus.REVOKED in POLICY.status.blocking


def test_a_valid_certificate_with_a_clean_record_is_recognized_and_says_why() -> None:
    decision = decide()
    assert decision.outcome is Outcome.RECOGNIZED
    assert decision.policy_version == POLICY.version
    assert decision.policy_digest == POLICY.digest
    assert {r.rule_id for r in decision.reasons} == {
        "record.known",
        "source.accepted",
        "validity.started",
        "status.on_date",
        "credit.listings",
        "conflicts.open",
        "scope.standards_in_force",
    }
    status = reason(decision, "status.on_date")
    [published] = [i for i in status.inputs if i.name == "status"]
    assert published.origin is InputOrigin.RECORD
    assert published.source is not None and published.source.province is Province.SH
    assert {i.name for i in status.inputs if i.origin is InputOrigin.POLICY} == {
        "status.blocking",
        "status.conditional",
    }


def test_a_serious_violation_listing_from_another_province_blocks_recognition() -> None:
    listing = credit_fact(credit(holder=LAB_A, province=Province.AH))
    decision = decide(credit=[listing])
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    why = reason(decision, "credit.listings")
    assert why.effect is Outcome.NOT_RECOGNIZED
    [used] = [i for i in why.inputs if i.name == "credit_listing"]
    assert used.source is not None
    assert (used.source.province, used.source.record_key) == (Province.AH, listing.event.key)


def test_an_abnormal_operations_listing_makes_it_conditional() -> None:
    listing = credit_fact(credit(list_type=CreditListType.ABNORMAL_OPERATIONS))
    assert decide(credit=[listing]).outcome is Outcome.CONDITIONAL


def test_statuses_expiry_and_start_dates() -> None:
    assert decide(qualification(status=CertificateStatus.SUSPENDED)).outcome is (
        Outcome.CONDITIONAL
    )
    assert decide(qualification(status=CertificateStatus.REVOKED)).outcome is (
        Outcome.NOT_RECOGNIZED
    )
    expired = decide(qualification(valid_until=dt.date(2026, 5, 31)))
    assert expired.outcome is Outcome.NOT_RECOGNIZED
    assert "EXPIRED (derived from valid_until)" in reason(expired, "status.on_date").message
    early = decide(qualification(valid_from=dt.date(2026, 7, 1)))
    assert reason(early, "validity.started").effect is Outcome.NOT_RECOGNIZED


def test_a_scope_item_citing_a_withdrawn_standard_makes_it_conditional() -> None:
    old = qualification(scope=(("铅 (Pb)", "GB 5009.12", 2017), ("镉 (Cd)", "GB 5009.15", 2023)))
    decision = decide(old)
    assert decision.outcome is Outcome.CONDITIONAL
    why = reason(decision, "scope.standards_in_force")
    assert "GB 5009.12-2017" in why.message and "GB 5009.12-2023" in why.message
    # Before the withdrawal the same scope passes.
    before = decide(old, on=dt.date(2024, 3, 5))
    assert reason(before, "scope.standards_in_force").effect is Outcome.RECOGNIZED


def test_open_conflicts_make_it_conditional_and_are_cited() -> None:
    conflict = OpenConflict(7, ConflictType.HOLDER_MISMATCH, "qualification/09/x", "holders differ")
    decision = decide(conflicts=[conflict])
    assert decision.outcome is Outcome.CONDITIONAL
    [cited] = [
        i for i in reason(decision, "conflicts.open").inputs if i.origin is InputOrigin.CONFLICT
    ]
    assert cited.conflict_id == 7


def test_an_unknown_record_is_not_recognized() -> None:
    decision = decide(known=False)
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    assert [r.rule_id for r in decision.reasons] == ["record.known"]


def test_green_certificates_are_judged_without_scope_rules() -> None:
    cert = green_cert()
    decision = decide(cert, province=Province.ZJ, target=Province.AH)
    assert decision.outcome is Outcome.RECOGNIZED
    assert "scope.standards_in_force" not in {r.rule_id for r in decision.reasons}


def test_a_policy_restricting_sources_refuses_other_provinces() -> None:
    text = 'version = "strict"\n[sources.accept_from]\nZJ = ["ZJ"]\n'
    strict = RecognitionPolicy.from_toml(text)
    decision = decide_certificate(
        strict,
        target=Province.ZJ,
        on=DAY,
        record_key=qualification().key,
        certificate=certificate(qualification(), Province.SH),
        credit=(),
        conflicts=(),
    )
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    assert reason(decision, "source.accepted").effect is Outcome.NOT_RECOGNIZED
    assert decision.policy_version == "strict"


def test_scope_items_are_recognized_when_a_valid_qualification_covers_them() -> None:
    lab = qualification(scope=(("铅 (Pb)", "GB 5009.12", 2023), ("镉 (Cd)", "GB 5009.15", 2023)))
    suspended = qualification(
        issuer="10",
        serial=2,
        status=CertificateStatus.SUSPENDED,
        scope=(("汞", "GB 5009.17", 2021),),
    )
    quals = [certificate(lab, Province.SH), certificate(suspended, Province.JS)]

    def scope(*items: RequestedItem) -> Decision:
        return decide_scope(
            POLICY,
            target=Province.AH,
            on=DAY,
            uscc=LAB_A,
            qualifications=quals,
            items=items,
            credit=(),
            conflicts=(),
        )

    covered = scope(
        RequestedItem("铅（Pb）", "GB 5009.12"), RequestedItem("镉 (Cd)", "GB 5009.15", 2023)
    )
    assert covered.outcome is Outcome.RECOGNIZED
    assert [r.effect for r in covered.reasons if r.rule_id == "scope.covered"] == [
        Outcome.RECOGNIZED,
        Outcome.RECOGNIZED,
    ]
    assert scope(RequestedItem("汞", "GB 5009.17")).outcome is Outcome.CONDITIONAL
    missing = scope(RequestedItem("铅 (Pb)", "GB 5009.12"), RequestedItem("砷", "GB 5009.11"))
    assert missing.outcome is Outcome.NOT_RECOGNIZED
    [uncovered] = [r for r in missing.reasons if r.effect is Outcome.NOT_RECOGNIZED]
    assert uncovered.rule_id == "scope.covered" and "砷" in uncovered.message


def test_a_scope_judges_one_copy_of_each_certificate_as_a_record_decision_does() -> None:
    revoked = qualification(issuer="10", status=CertificateStatus.REVOKED)
    relayed = qualification(issuer="10")
    lead = RequestedItem("铅 (Pb)", "GB 5009.12")

    def scope(item: RequestedItem, *copies: Certificate) -> Decision:
        return decide_scope(
            POLICY,
            target=Province.AH,
            on=DAY,
            uscc=LAB_A,
            qualifications=copies,
            items=[item],
            credit=(),
            conflicts=(),
        )

    # Jiangsu issued it (10) and revoked it: Shanghai's relayed VALID copy does not count.
    issuer_revoked = scope(
        lead, certificate(relayed, Province.SH), certificate(revoked, Province.JS)
    )
    assert issuer_revoked.outcome is Outcome.NOT_RECOGNIZED
    assert "(JS)" in reason(issuer_revoked, "scope.covered").message
    issuer_valid = scope(lead, certificate(revoked, Province.SH), certificate(relayed, Province.JS))
    assert issuer_valid.outcome is Outcome.RECOGNIZED
    # A national CMA has no issuing province: the copy accepted last is judged.
    national = qualification(issuer="00", serial=7)
    withdrawn = national.model_copy(update={"status": CertificateStatus.REVOKED})
    later = T0 + dt.timedelta(days=1)
    last_revoked = scope(
        lead,
        Certificate(national, source(Province.SH, national.key, accepted_at=T0)),
        Certificate(withdrawn, source(Province.ZJ, national.key, accepted_at=later)),
    )
    assert last_revoked.outcome is Outcome.NOT_RECOGNIZED
    assert "(ZJ)" in reason(last_revoked, "scope.covered").message


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("version = ", "not valid TOML"),
        ('description = "no version"', "version"),
        ('version = "x"\n[status]\nblocking = ["REVOKED"]\nconditional = ["REVOKED"]', "both"),
        ('version = "x"\n[status]\nblocking = ["VALID"]', "VALID"),
        ('version = "x"\n[credit]\nblocking_lists = ["BLACKLIST"]', "credit.blocking_lists"),
        ('version = "x"\nunknown = 1', "unknown"),
        ('version = "x"\ndigest = "forged"', "digest"),
    ],
)
def test_a_broken_policy_is_refused_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(PolicyError, match=complaint):
        RecognitionPolicy.from_toml(text)
