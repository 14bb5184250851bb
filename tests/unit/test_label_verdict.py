"""The label verdict (core/labels.py): statuses, conflicts, and joint
punishment of an enterprise on the serious-violation list."""

from __future__ import annotations

import pytest

from services.core.labels import LabelFinding, label_verdict
from services.core.policy import Outcome
from services.core.provinces import Province
from services.core.standing import Standing, least_of
from services.core.status import CertificateStatus as S

LISTED = ("皖市监信〔2026〕7号 (AH, since 2026-01-01)",)


def _one(status: S) -> list[LabelFinding]:
    return [LabelFinding(Province.ZJ, "CQC/1", status)]


@pytest.mark.parametrize("status", [S.VALID, S.SUSPENDED])
def test_a_holding_certificate_of_a_listed_enterprise_is_a_serious_violation(status: S) -> None:
    assert label_verdict(_one(status)).status == status.value
    assert label_verdict(_one(status), LISTED).status == "SERIOUS_VIOLATION"


@pytest.mark.parametrize("status", [S.REVOKED, S.CANCELLED, S.EXPIRED])
def test_a_certificate_that_no_longer_holds_says_why_first(status: S) -> None:
    assert label_verdict(_one(status), LISTED).status == status.value


def test_a_conflict_is_still_shown_not_hidden() -> None:
    findings = [
        LabelFinding(Province.ZJ, "CQC/1", S.VALID),
        LabelFinding(Province.SH, "CQC/1", S.SUSPENDED),
    ]
    assert label_verdict(findings, LISTED).status == "CONFLICT"


def test_a_label_on_several_certificates_carries_every_listing() -> None:
    everywhere = (Outcome.RECOGNIZED,) * 4
    joined = least_of([Standing(everywhere, LISTED), Standing(everywhere, ("X",))])
    assert set(joined.restricted_by) == {"X", *LISTED}
