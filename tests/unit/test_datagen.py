"""The demo and benchmark data set: deterministic, realistic, valid except where broken on purpose."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from typing import Any

import pytest
from stdnum.cn import uscc

from devtools.datagen import DataSet, generate, generate_chunks
from devtools.datagen_tables import LAB_ONLY_REASONS
from devtools.uscc import make_uscc, org_code_check_char
from services.common.record_mapping import record_fields
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.validation import Refused, Validated, validate_record
from yrdhub.v1 import common_pb2, records_pb2

TODAY = dt.date(2026, 3, 1)


def _validate(record: records_pb2.Record, province: Province) -> Validated | Refused:
    fields = record_fields(record)
    assert fields is not None, "every generated record has a body"
    kind, data = fields
    return validate_record(kind, data, province)


@pytest.fixture(scope="module")
def data() -> DataSet:
    return generate(200, seed=11, today=TODAY)


@pytest.fixture(scope="module")
def results(data: DataSet) -> dict[Province, list[Validated | Refused]]:
    return {p: [_validate(r, p) for r in records] for p, records in data.by_province.items()}


def _fingerprint(data: DataSet) -> tuple[Any, ...]:
    return tuple(
        (p, [r.SerializeToString(deterministic=True) for r in records], data.invalid_indexes[p])
        for p, records in sorted(data.by_province.items())
    )


def test_same_seed_gives_the_same_data_set() -> None:
    first = generate(60, seed=5, today=TODAY)
    second = generate(60, seed=5, today=TODAY)
    assert _fingerprint(first) == _fingerprint(second)
    assert _fingerprint(generate(60, seed=6, today=TODAY)) != _fingerprint(first)


def test_every_province_is_present_and_total_adds_up(data: DataSet) -> None:
    assert set(data.by_province) == set(Province)
    assert set(data.invalid_indexes) == set(Province)
    assert data.total() == sum(len(r) for r in data.by_province.values())


def test_valid_records_validate_and_invalid_ones_are_refused(
    data: DataSet, results: dict[Province, list[Validated | Refused]]
) -> None:
    for province, outcomes in results.items():
        invalid = data.invalid_indexes[province]
        for index, outcome in enumerate(outcomes):
            record = data.by_province[province][index]
            if index in invalid:
                assert isinstance(outcome, Refused), (province, index, record)
            else:
                assert isinstance(outcome, Validated), (province, index, record, outcome)


def test_invalid_records_are_broken_in_varied_ways(
    data: DataSet, results: dict[Province, list[Validated | Refused]]
) -> None:
    paths: Counter[str] = Counter()
    for province, outcomes in results.items():
        for index in data.invalid_indexes[province]:
            outcome = outcomes[index]
            assert isinstance(outcome, Refused)
            for violation in outcome.violations:
                paths[re.sub(r"\[\d+\]", "[]", violation.field)] += 1
    # USCC check characters, CMA numbers, dates, names, scope years, assessor fields...
    assert len(paths) >= 6, paths
    assert any(p.startswith("qualification.scope[].standard_year") for p in paths), paths
    assert any(p.startswith("assessor.fields") for p in paths), paths


def test_invalid_records_are_interleaved_at_the_requested_ratio(data: DataSet) -> None:
    for province, records in data.by_province.items():
        invalid = data.invalid_indexes[province]
        assert all(0 <= i < len(records) for i in invalid)
        assert abs(len(invalid) - 0.02 * len(records)) <= 1
        # Spread through the list, not bunched at one end.
        assert min(invalid) < len(records) // 2 < max(invalid)


def test_no_invalid_records_when_the_ratio_is_zero() -> None:
    data = generate(30, seed=3, invalid_ratio=0.0, today=TODAY)
    assert all(not indexes for indexes in data.invalid_indexes.values())
    for province, records in data.by_province.items():
        assert all(isinstance(_validate(r, province), Validated) for r in records)


def test_keys_are_unique_per_province(results: dict[Province, list[Validated | Refused]]) -> None:
    for province, outcomes in results.items():
        keys = [o.record.key for o in outcomes if isinstance(o, Validated)]
        assert len(keys) == len(set(keys)), province


def test_chunks_continue_one_data_set_without_repeating_a_key() -> None:
    """What a scale run sends a chunk at a time: valid records, every key new."""
    chunks = list(generate_chunks(150, 3, seed=5, today=TODAY))
    assert _fingerprint(chunks[0]) == _fingerprint(
        generate(150, seed=5, invalid_ratio=0.0, today=TODAY)
    )
    keys: Counter[str] = Counter()
    for chunk in chunks:
        for province, records in chunk.by_province.items():
            for record in records:
                outcome = _validate(record, province)
                assert isinstance(outcome, Validated), outcome
                keys[f"{province.value} {outcome.record.key}"] += 1
    assert keys.most_common(1)[0][1] == 1
    assert sum(keys.values()) == sum(c.total() for c in chunks)


def test_a_large_data_set_can_be_drawn() -> None:
    # Thousands of national centres of one kind in one city: their names stay unique.
    assert generate(20_000, seed=99, invalid_ratio=0.0, today=TODAY).total() > 250_000


def test_counts_are_plausible(data: DataSet) -> None:
    for province, records in data.by_province.items():
        kinds = Counter(r.WhichOneof("body") for r in records)
        assert 200 <= kinds["qualification"] <= 205, (province, kinds)
        assert 60 <= kinds["assessor"] <= 100, (province, kinds)
        assert 270 <= kinds["green_cert"] <= 310, (province, kinds)
        assert 4 <= kinds["credit_event"] <= 20, (province, kinds)
        # A fifth of the laboratories, those with a valid qualification.
        assert 20 <= kinds["report"] <= 60, (province, kinds)
        # One officer per ten laboratories; results for about one in twenty.
        assert kinds["officer"] == 20, (province, kinds)
        assert 3 <= kinds["inspection_result"] <= 25, (province, kinds)
        assert 600 <= len(records) <= 740


def test_records_look_like_the_provinces_data(
    data: DataSet, results: dict[Province, list[Validated | Refused]]
) -> None:
    statuses: Counter[str] = Counter()
    expired = 0
    second_fields = 0
    for province, records in data.by_province.items():
        prefix = {"SH": "沪", "JS": "苏", "ZJ": "浙", "AH": "皖"}[province.value]
        for index, record in enumerate(records):
            if index in data.invalid_indexes[province]:
                continue
            kind = record.WhichOneof("body")
            if kind == "qualification":
                q = record.qualification
                assert q.number[2:4] == q.issuer and q.number[:2] == q.valid_from[2:4]
                assert q.number[4:6] in {"00", "01", "02", "03", "04", "05", "12", "13", "20", "21"}
                own = [i for i in q.scope if not i.field]
                others = {i.field for i in q.scope if i.field}
                assert 3 <= len(own) <= 12 and 1 <= len(q.signatories) <= 4
                # Some laboratories also work in a second field, which their items name.
                assert len(q.scope) - len(own) <= 3 and len(others) <= 1
                assert q.number[4:6] not in others
                second_fields += bool(others)
                assert q.legal_nature in ("企业法人", "事业单位", "分支机构")
                # Issuer 00 is the national authority: it qualifies national centres only.
                assert (q.issuer == "00") == q.institution_name.startswith("国家"), (
                    q.institution_name
                )
                statuses[q.status.original] += 1
                expired += dt.date.fromisoformat(q.valid_until) < TODAY
            elif kind == "assessor":
                a = record.assessor
                assert re.fullmatch(r"A[0-9a-f]{16}", a.assessor_id)
                assert 1 <= len(a.fields) <= 3
            elif kind == "green_cert":
                g = record.green_cert
                assert re.fullmatch(r"GP\d{14}", g.label_code)
                # Green-product evaluation standards only (GB/T 35601-35613).
                number = int(g.evaluation_standard.removeprefix("GB/T ").split("-")[0])
                assert 35601 <= number <= 35613, g.evaluation_standard
            elif kind == "credit_event":
                c = record.credit_event
                assert c.reference.startswith(prefix + "市监信〔")
                # A removal or repair names the listing it lifts.
                lifting = c.action != records_pb2.CREDIT_ACTION_LISTED
                assert bool(c.lifts_reference) == lifting
                assert not lifting or c.lifts_reference.startswith(prefix + "市监信〔")
    assert second_fields >= 20, second_fields
    _assert_no_listed_fraud_keeps_a_valid_cma(data)
    # CMA certificates know no suspension (status-rules-v1.toml).
    assert set(statuses) == {"有效", "撤销", "注销"}, statuses
    assert statuses["有效"] > 0.8 * sum(statuses.values())
    assert expired > 0
    # Province-issued certificates and a few national ones.
    issuers = Counter(
        r.qualification.issuer
        for records in data.by_province.values()
        for r in records
        if r.WhichOneof("body") == "qualification"
    )
    assert issuers["00"] > 0 and all(issuers[p.cma_issuer] > 150 for p in Province)


def test_a_label_code_stands_for_one_product(data: DataSet) -> None:
    """As the national platform issues them: one code per enterprise and model,
    shared by every body's certificate for that product, and some products
    certified by two bodies."""
    products: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    bodies: defaultdict[str, set[str]] = defaultdict(set)
    for province, records in data.by_province.items():
        for index, r in enumerate(records):
            # (Records broken on purpose may carry a broken enterprise USCC.)
            if r.WhichOneof("body") == "green_cert" and index not in data.invalid_indexes[province]:
                g = r.green_cert
                products[g.label_code].add((g.enterprise_uscc, g.model))
                bodies[g.label_code].add(g.body_code)
                assert re.fullmatch(r"CNCA-R-20\d{2}-\d{3}", g.body_code) and g.body_name
    assert all(len(p) == 1 for p in products.values())
    assert sum(len(b) > 1 for b in bodies.values()) >= 10


def test_cross_province_situations(
    data: DataSet, results: dict[Province, list[Validated | Refused]]
) -> None:
    green: defaultdict[str, set[Province]] = defaultdict(set)
    qualified: defaultdict[str, set[Province]] = defaultdict(set)
    conflicts = 0
    for province, outcomes in results.items():
        for outcome in outcomes:
            if not isinstance(outcome, Validated):
                continue
            record: Any = outcome.record
            if hasattr(record, "enterprise_uscc"):
                green[record.enterprise_uscc].add(province)
            elif hasattr(record, "institution_uscc"):
                qualified[record.institution_uscc].add(province)
                conflicts += bool(outcome.warnings)
    assert any(len(p) > 1 for p in green.values()), "an enterprise certified in two provinces"
    assert any(len(p) > 1 for p in qualified.values()), "an institution in two provinces"
    assert conflicts >= 4, "each province publishes a certificate another province issued"


def test_make_uscc_is_valid_with_a_valid_organization_code() -> None:
    rng = random.Random(42)
    regions = ["310115", "320500", "330523", "340100"]
    seen = set()
    for i in range(1000):
        region = regions[i % 4]
        prefix = "12" if i % 5 == 0 else "91"
        code = make_uscc(rng, region, prefix=prefix)
        assert uscc.is_valid(code), code
        assert code[:2] == prefix and code[2:8] == region
        assert org_code_check_char(code[8:16]) == code[16]
        seen.add(code)
    assert len(seen) == 1000


def test_organization_code_check_character() -> None:
    # 91110000600037341L carries the organization code 60003734-1.
    assert org_code_check_char("60003734") == "1"
    assert org_code_check_char("MA1K3A0B") in "0123456789X"
    with pytest.raises(ValueError):
        org_code_check_char("1234567")


def test_record_kinds_cover_every_kind(data: DataSet) -> None:
    kinds = set()
    for province, records in data.by_province.items():
        for record in records:
            fields = record_fields(record)
            assert fields is not None
            kinds.add(fields[0])
            assert province in Province
    assert kinds == set(RecordKind)


def _assert_no_listed_fraud_keeps_a_valid_cma(data: DataSet) -> None:
    """A laboratory listed for false reports (and not lifted) does not keep a
    valid qualification; a branch laboratory has a USCC of its own."""
    for province, records in data.by_province.items():
        bodies = [r for i, r in enumerate(records) if i not in data.invalid_indexes[province]]
        events = [r.credit_event for r in bodies if r.WhichOneof("body") == "credit_event"]
        lifted = {e.lifts_reference for e in events if e.lifts_reference}
        frauds = {
            e.uscc
            for e in events
            if e.action == records_pb2.CREDIT_ACTION_LISTED
            and e.reason in LAB_ONLY_REASONS
            and e.reference not in lifted
        }
        labs = [r.qualification for r in bodies if r.WhichOneof("body") == "qualification"]
        for q in labs:
            if q.institution_uscc in frauds:
                assert q.status.canonical != common_pb2.CERTIFICATE_STATUS_VALID, q.number
        usccs = [q.institution_uscc for q in labs if q.legal_nature == "分支机构"]
        others = {q.institution_uscc for q in labs if q.legal_nature != "分支机构"}
        assert not set(usccs) & others


def _qualified(data: DataSet) -> dict[Province, list[tuple[str, str]]]:
    """Per province, each qualification's issuer and laboratory, in order."""
    return {
        p: [
            (r.qualification.issuer, r.qualification.institution_uscc)
            for r in records
            if r.WhichOneof("body") == "qualification"
        ]
        for p, records in data.by_province.items()
    }


@pytest.mark.parametrize("days_later", [1, 30])
def test_a_seed_draws_the_same_laboratories_on_another_day(days_later: int) -> None:
    # Tests pick records of a seed's data by what they are; the data is drawn
    # relative to the day, and must not become other records the next day.
    later = generate(60, seed=11, today=TODAY + dt.timedelta(days=days_later))
    assert _qualified(later) == _qualified(generate(60, seed=11, today=TODAY))
