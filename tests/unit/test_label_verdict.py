"""The label verdict (core/labels.py): statuses, conflicts, and joint
punishment of an enterprise on the serious-violation list."""

from __future__ import annotations

import datetime as dt

import pytest

from services.core.labels import (
    CopyStanding,
    CopyVersion,
    LabelFinding,
    label_verdict,
    status_since,
)
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


# --- the national scheme: one label per product, provinces relaying bodies --------

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
PRODUCT = "91340100MA2N0XXX1X/jj-100a"


def _copy(
    province: Province,
    status: S,
    *,
    cert: str = "CNCA-R-2002-001/CQC1",
    since: str = "",
    hours_ago: float = 48,
    product: str = PRODUCT,
) -> LabelFinding:
    return LabelFinding(province, cert, status, product, since, NOW - dt.timedelta(hours=hours_ago))


def test_several_bodies_certificates_for_one_product_are_one_label() -> None:
    cqc = _copy(Province.ZJ, S.VALID)
    cec = _copy(Province.ZJ, S.VALID, cert="CNCA-R-2002-105/CEC1")
    verdict = label_verdict([cqc, cec], now=NOW)
    assert (verdict.status, verdict.conflicts, verdict.notes) == ("VALID", (), ())
    assert set(verdict.relied_on) == {cqc.certificate, cec.certificate}


def test_a_merged_label_holds_while_one_body_certificate_does_and_names_the_other() -> None:
    revoked = _copy(Province.ZJ, S.REVOKED, since="2026-11-01")
    valid = _copy(Province.ZJ, S.VALID, cert="CNCA-R-2002-105/CEC1")
    verdict = label_verdict([revoked, valid], now=NOW)
    assert verdict.status == "VALID" and verdict.relied_on == (valid.certificate,)
    [note] = verdict.notes
    assert "CNCA-R-2002-001/CQC1 is REVOKED" in note and "CNCA-R-2002-105/CEC1" in note


def test_one_code_on_two_products_is_a_conflict() -> None:
    mine = _copy(Province.ZJ, S.VALID)
    other = _copy(Province.JS, S.VALID, cert="CNCA-R-2002-105/CEC9", product="913200/x-1")
    verdict = label_verdict([mine, other], now=NOW)
    assert verdict.status == "CONFLICT"
    assert "2 products" in verdict.conflicts[0]


def test_a_copy_behind_a_newer_word_lags_and_the_answer_follows_the_newer_word() -> None:
    """JS revoked the certificate from 1 November (the body's word, relayed two
    days ago); SH's copy, accepted earlier, still says VALID: SH lags."""
    old = _copy(Province.SH, S.VALID, hours_ago=300)
    new = _copy(Province.JS, S.REVOKED, since="2026-11-01", hours_ago=48)
    fresh = {Province.SH: NOW - dt.timedelta(hours=3)}
    verdict = label_verdict([old, new], now=NOW, fresh=fresh)
    assert verdict.status == "REVOKED" and not verdict.conflicts
    assert verdict.copies == (CopyStanding.LAGGING, CopyStanding.CURRENT)
    assert "SH lags" in verdict.notes[0] and "since 2026-11-01" in verdict.notes[0]
    # Beside the lag, how fresh the lagging province's feed is.
    assert "its feed current to 2026-12-01 09:00Z" in verdict.notes[0]


def test_a_lag_longer_than_allowed_is_a_conflict() -> None:
    old = _copy(Province.SH, S.VALID, hours_ago=300)
    new = _copy(Province.JS, S.REVOKED, since="2026-11-01", hours_ago=100)
    verdict = label_verdict([old, new], now=NOW, lag_grace=dt.timedelta(hours=72))
    assert verdict.status == "CONFLICT"
    assert verdict.copies == (CopyStanding.CONFLICTING, CopyStanding.CURRENT)
    assert "for longer than 72 h" in verdict.conflicts[0]
    # The same copies within a longer allowance are a lag.
    relaxed = label_verdict([old, new], now=NOW, lag_grace=dt.timedelta(hours=120))
    assert relaxed.status == "REVOKED"


def test_an_older_word_published_after_the_newer_one_is_a_conflict_not_a_lag() -> None:
    """SH accepted its VALID after JS's revocation: not a copy still travelling."""
    late = _copy(Province.SH, S.VALID, hours_ago=1)
    new = _copy(Province.JS, S.REVOKED, since="2026-11-01", hours_ago=48)
    verdict = label_verdict([late, new], now=NOW)
    assert verdict.status == "CONFLICT"
    assert "accepted after it" in verdict.conflicts[0]


def test_a_conflict_beside_a_certificate_that_holds_is_part_of_what_the_verdict_rests_on() -> None:
    """The label's other certificate holds, but one certificate's copies
    conflict: the verdict is CONFLICT, and it rests on both, so the label is
    recognised only where the disputed certificate is too (it was recognised
    where the holding one alone was, beside a page saying not to rely on it)."""
    late = _copy(Province.SH, S.VALID, hours_ago=1)
    new = _copy(Province.JS, S.REVOKED, since="2026-11-01", hours_ago=48)
    holding = LabelFinding(Province.ZJ, "CEC/9", S.VALID)
    verdict = label_verdict([late, new, holding], now=NOW)
    assert verdict.status == "CONFLICT"
    assert set(verdict.relied_on) == {"CEC/9", late.certificate}
    # Without the conflict, the label rests on the certificate that holds.
    settled = label_verdict([new, holding], now=NOW)
    assert (settled.status, settled.relied_on) == ("VALID", ("CEC/9",))


def _v(status: S, dated: str = "", accepted_on: str = "2026-01-05") -> CopyVersion:
    return CopyVersion(status, dated, accepted_on)


def test_a_copy_status_takes_effect_on_its_date_else_on_the_day_it_last_changed() -> None:
    """The day copies are ordered by: a status dated is dated; an undated one
    by the version that changed it (a reinstatement relayed without a date);
    a version that changes no status (a name corrected) moves nothing."""
    suspended = _v(S.SUSPENDED, "2026-01-03", "2026-01-03")
    assert status_since([_v(S.VALID)]) == ""  # as first published: from validity
    assert status_since([suspended]) == "2026-01-03"
    assert status_since([suspended, _v(S.VALID, accepted_on="2026-01-06")]) == "2026-01-06"
    renamed = [
        suspended,
        _v(S.VALID, accepted_on="2026-01-06"),
        _v(S.VALID, accepted_on="2026-01-09"),
    ]
    assert status_since(renamed) == "2026-01-06"
    # A correction of a suspension that drops its date keeps the date it had.
    assert status_since([_v(S.VALID), suspended, _v(S.SUSPENDED, accepted_on="2026-01-08")]) == (
        "2026-01-03"
    )
    # A copy that never changed its status: from its validity, however often corrected.
    assert status_since([_v(S.VALID), _v(S.VALID, accepted_on="2026-01-09")]) == ""
    assert status_since([]) == ""


def test_a_status_dated_after_the_day_read_holds_from_validity_that_day() -> None:
    revoked = [_v(S.REVOKED, "2026-01-04", "2026-01-05")]
    assert status_since(revoked, "2026-01-03") == ""
    assert status_since(revoked, "2026-01-04") == "2026-01-04"
    assert status_since(revoked) == "2026-01-04"
