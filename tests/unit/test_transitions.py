"""Status transitions per record kind (core/transitions.py), as the shipped
rules have them, and the mistakes a rules file can make."""

from __future__ import annotations

import pytest

from services.common.status_rules import DEFAULT_STATUS_RULES, load_status_rules
from services.core.provinces import Province
from services.core.recognition_decisions import decide_certificate
from services.core.records import RecordKind
from services.core.status import CertificateStatus as S
from services.core.transitions import StatusRules, StatusRulesError
from services.core.validation import Refused, Validated, validate_record
from services.registry.reconciliation.policy_source import PolicySource
from tests.factories import certificate, qualification

RULES = load_status_rules()
Q, G = RecordKind.QUALIFICATION, RecordKind.GREEN_CERT


def test_cma_qualifications_are_not_suspended_but_green_certificates_may_be() -> None:
    assert RULES.refusal(Q, S.SUSPENDED) is not None
    assert "VALID" in (RULES.refusal(Q, S.SUSPENDED) or "")
    assert RULES.refusal(G, S.SUSPENDED) is None
    for status in (S.VALID, S.REVOKED, S.CANCELLED):
        assert RULES.refusal(Q, status) is None
    # Records without a status have no rules.
    assert RULES.refusal(RecordKind.REPORT, S.SUSPENDED) is None


@pytest.mark.parametrize("kind", [Q, G])
def test_revoked_and_cancelled_are_final(kind: RecordKind) -> None:
    for final in (S.REVOKED, S.CANCELLED):
        for later in (S.VALID, S.SUSPENDED, S.REVOKED, S.CANCELLED):
            why = RULES.reopening(kind, final, later)
            assert (why is None) == (later == final), (final, later)
    assert RULES.reopening(kind, S.VALID, S.REVOKED) is None
    assert RULES.reopening(G, S.SUSPENDED, S.VALID) is None


def test_a_province_may_allow_suspension_by_configuration() -> None:
    text = DEFAULT_STATUS_RULES.read_text(encoding="utf-8").replace(
        'statuses = ["VALID", "REVOKED", "CANCELLED"]',
        'statuses = ["VALID", "SUSPENDED", "REVOKED", "CANCELLED"]',
    )
    assert StatusRules.from_toml(text).refusal(Q, S.SUSPENDED) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('version = "x"\n[qualification]\nstatuses = ["VALID", "EXPIRED"]\n', "derived"),
        (
            'version = "x"\n[qualification]\nstatuses = ["VALID"]\nfinal = ["REVOKED"]\n'
            '[green_cert]\nstatuses = ["VALID"]\n',
            "final status",
        ),
        ('version = "x"\n[qualification]\nstatuses = ["VALID"]\n', "green_cert"),
        ("version = ", "Invalid"),
    ],
)
def test_a_broken_rules_file_is_refused_saying_where(text: str, says: str) -> None:
    with pytest.raises(StatusRulesError, match=says):
        StatusRules.from_toml(text)


# --- renewals (延续) --------------------------------------------------------


def _qualification(**changes: object) -> dict[str, object]:
    return qualification(serial=9).model_dump(mode="json") | changes


def test_a_renewal_names_the_certificate_it_replaces_of_the_same_issuer() -> None:
    renewal = validate_record(Q, _qualification(replaces="170901000009"), Province.SH)
    assert isinstance(renewal, Validated)
    itself = validate_record(Q, _qualification(replaces="230901000009"), Province.SH)
    assert isinstance(itself, Refused)
    assert "itself" in itself.violations[0].description
    other_issuer = validate_record(Q, _qualification(replaces="171001000009"), Province.SH)
    assert isinstance(other_issuer, Refused)
    assert [v.field for v in other_issuer.violations] == ["qualification.replaces"]


def test_a_decision_on_a_renewal_says_what_it_renews() -> None:
    renewal = qualification(serial=9, replaces="170901000009")
    decision = decide_certificate(
        PolicySource().current(),
        target=Province.JS,
        on=renewal.valid_from,
        record_key=renewal.key,
        certificate=certificate(renewal, Province.SH),
        credit=[],
        conflicts=[],
    )
    [known] = [r for r in decision.reasons if r.rule_id == "record.known"]
    assert "renewal of 170901000009" in known.message
    assert any(i.name == "replaces" and i.value == "170901000009" for i in known.inputs)
