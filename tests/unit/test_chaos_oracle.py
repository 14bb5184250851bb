"""The chaos runs' oracle (bench/chaos_load.py): what the registry must hold
after a sync, from the records the exchanges acknowledged."""

from __future__ import annotations

from bench.chaos_load import Oracle, with_second_revisions
from services.common.record_mapping import to_record_pb
from services.core.provinces import Province
from tests.factories import qualification

SH = Province.SH


def _body(serial: int, address: str = "") -> bytes:
    record = to_record_pb(qualification(issuer="09", serial=serial))
    if address:
        record.qualification.address = address
    body = Oracle.normalised(SH, record)
    assert body is not None
    return body


def test_the_same_content_again_is_no_new_revision_and_a_change_is_the_next() -> None:
    oracle = Oracle()
    first, moved = _body(1), _body(1, "上海市新址路1号")
    oracle.acknowledged(SH, "q/1", 1, first)
    oracle.acknowledged(SH, "q/1", 1, first)  # a retried batch: "unchanged"
    oracle.acknowledged(SH, "q/1", 2, moved)
    assert oracle.problems == []
    assert oracle.versions_per_province() == {"SH": 2}
    assert sorted(line.split("|")[2] for line in oracle.lines()) == ["1", "2"]


def test_a_revision_other_than_the_order_gives_is_a_problem() -> None:
    oracle = Oracle()
    oracle.acknowledged(SH, "q/1", 1, _body(1))
    oracle.acknowledged(SH, "q/1", 3, _body(1, "上海市新址路1号"))
    assert len(oracle.problems) == 1 and "revision 3" in oracle.problems[0]


def test_differences_name_what_the_registry_lacks_and_holds_beyond() -> None:
    oracle = Oracle()
    oracle.acknowledged(SH, "q/1", 1, _body(1))
    oracle.acknowledged(SH, "q/2", 1, _body(2))
    held = oracle.lines()[:1] + oracle.lines()[:1]  # one lost, one applied twice
    lacks, beyond = oracle.differences(held)
    assert lacks.startswith("the registry lacks 1 ")
    assert beyond.startswith("the registry holds 1 ")


def test_a_refused_record_has_no_normalised_content() -> None:
    record = to_record_pb(qualification(issuer="09", serial=1))
    record.qualification.valid_from = "not a date"
    assert Oracle.normalised(SH, record) is None


def test_second_revisions_follow_every_nth_qualification() -> None:
    records = [to_record_pb(qualification(issuer="09", serial=i)) for i in range(1, 41)]
    out = with_second_revisions({SH: records}, every=20)[SH]
    assert len(out) == 42
    assert out[40].qualification.number == records[0].qualification.number
    assert out[41].qualification.address == records[20].qualification.address + "（新址）"
