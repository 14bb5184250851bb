"""A certificate's standing: decide_certificate in every province, and what
label checks may share between certificates (the plain key)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.policy import Outcome, RecognitionPolicy
from services.core.provinces import Province
from services.core.recognition import Certificate
from services.core.recognition_decisions import certificate_reasons, decide_certificate
from services.core.standing import NOWHERE, Standing, least_of, plain_key_of, standing
from services.core.status import CertificateStatus
from tests.factories import certificate, credit, credit_fact, green_cert
from tests.unit.test_recognition import POLICY

DAY = dt.date(2026, 6, 1)
PUBLISHED = [s for s in CertificateStatus if s is not CertificateStatus.EXPIRED]
# Accepting only Shanghai's and Jiangsu's records in Zhejiang: the publisher matters.
NARROW = RecognitionPolicy.from_toml(
    'version = "narrow"\n[status]\nblocking = ["REVOKED", "CANCELLED", "EXPIRED"]\n'
    'conditional = ["SUSPENDED"]\n[sources.accept_from]\nZJ = ["SH", "JS", "ZJ"]\n'
)

dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2032, 12, 31))


@st.composite
def green_certificates(draw: st.DrawFn) -> Certificate:
    start = draw(dates)
    end = start + dt.timedelta(days=draw(st.integers(0, 3000)))
    record = green_cert(
        number=f"CQC2024GP{draw(st.integers(0, 9_999_999)):07d}",
        status=draw(st.sampled_from(PUBLISHED)),
        valid_from=start,
        valid_until=end,
    )
    return certificate(record, draw(st.sampled_from(list(Province))))


def test_a_standing_is_the_decision_in_every_province() -> None:
    listed = [credit_fact(credit(holder=green_cert().enterprise_uscc))]
    for status in PUBLISHED:
        cert = certificate(green_cert(status=status), Province.JS)
        for facts in ([], listed):
            found = standing(
                certificate_reasons(
                    POLICY,
                    on=DAY,
                    record_key=cert.record.key,
                    certificate=cert,
                    credit=facts,
                    conflicts=(),
                )
            )
            for target in Province:
                decided = decide_certificate(
                    POLICY,
                    target=target,
                    on=DAY,
                    record_key=cert.record.key,
                    certificate=cert,
                    credit=facts,
                    conflicts=(),
                )
                assert found.outcome(target) is decided.outcome


@settings(max_examples=100, deadline=None)
@given(certs=st.lists(green_certificates(), min_size=40, max_size=40), on=dates)
def test_certificates_with_one_plain_key_have_one_standing(
    certs: list[Certificate], on: dt.date
) -> None:
    """What lets checks share standings: with no credit event and no open
    conflict, nothing but the plain key decides."""
    for policy in (POLICY, NARROW):
        seen: dict[object, Standing] = {}
        for cert in certs:
            found = standing(
                certificate_reasons(
                    policy,
                    on=on,
                    record_key=cert.record.key,
                    certificate=cert,
                    credit=(),
                    conflicts=(),
                )
            )
            assert seen.setdefault(plain_key_of(cert, on), found) == found


def test_a_label_on_several_certificates_is_recognised_where_all_are() -> None:
    R, C, N = Outcome.RECOGNIZED, Outcome.CONDITIONAL, Outcome.NOT_RECOGNIZED
    one = Standing((R, R, C, N))
    two = Standing((R, C, R, R))
    both = least_of([one, two])
    assert both.outcomes == (R, C, C, N)
    assert both.recognized_in == (Province.SH,)
    assert both.conditionally_recognized_in == (Province.JS, Province.ZJ)
    assert least_of([]) == NOWHERE
