"""Filters of WatchChanges, ListConflicts, ListDraws and ListAssignments: a
value the contract does not define is refused with its place, never dropped
(dropping a filter's only value would answer with everything)."""

from __future__ import annotations

import pytest

from services.core.conflicts import ConflictType
from services.core.draws import DrawState
from services.core.errors import InvalidRequest
from services.registry.pool.mapping import assignment_query, draw_state
from services.registry.reconciliation.mapping import change_filter, conflict_types
from yrdhub.v1 import assessor_pool_pb2, common_pb2, reconciliation_pb2, registry_pb2


def test_known_values_filter_as_asked() -> None:
    asked = registry_pb2.WatchChangesRequest(
        publishing_provinces=[common_pb2.PROVINCE_SH],
        kinds=[common_pb2.RECORD_KIND_QUALIFICATION, common_pb2.RECORD_KIND_GREEN_CERT],
    )
    found = change_filter(asked)
    assert found.publishing_provinces == {"SH"}
    assert found.kinds == {"qualification", "green_cert"}
    assert conflict_types([reconciliation_pb2.CONFLICT_TYPE_HOLDER_MISMATCH]) == [
        ConflictType.HOLDER_MISMATCH
    ]


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"kinds": [common_pb2.RECORD_KIND_QUALIFICATION, 77]}, "kinds[1]"),
        ({"kinds": [common_pb2.RECORD_KIND_UNSPECIFIED]}, "kinds[0]"),
        ({"publishing_provinces": [99]}, "publishing_provinces[0]"),
    ],
)
def test_a_change_filter_value_the_contract_does_not_define_is_refused(
    request_fields: dict[str, list[int]], field: str
) -> None:
    asked = registry_pb2.WatchChangesRequest()
    for name, values in request_fields.items():
        getattr(asked, name).extend(values)
    with pytest.raises(InvalidRequest) as refused:
        change_filter(asked)
    assert [v.field for v in refused.value.violations] == [field]


def test_a_conflict_type_the_contract_does_not_define_is_refused() -> None:
    with pytest.raises(InvalidRequest) as refused:
        conflict_types([reconciliation_pb2.CONFLICT_TYPE_HOLDER_MISMATCH, 99])
    assert [v.field for v in refused.value.violations] == ["types[1]"]


# The pool's list filters are singular: UNSPECIFIED is "default: all", and an
# undefined number is refused rather than read as no filter (ListDraws{state:
# 7} listed every draw, ListAssignments{home_province: 9} every assignment).


def test_the_pool_s_filters_take_their_values_and_unspecified_as_all() -> None:
    assert draw_state(assessor_pool_pb2.DRAW_STATE_FAILED) is DrawState.FAILED
    assert draw_state(assessor_pool_pb2.DRAW_STATE_UNSPECIFIED) is None
    by_province = assessor_pool_pb2.ListAssignmentsRequest(home_province=common_pb2.PROVINCE_AH)
    assert assignment_query(by_province).home_province == "AH"
    assert assignment_query(assessor_pool_pb2.ListAssignmentsRequest()).home_province == ""


def test_a_draw_state_the_contract_does_not_define_is_refused() -> None:
    with pytest.raises(InvalidRequest) as refused:
        draw_state(7)
    assert [v.field for v in refused.value.violations] == ["state"]


def test_a_home_province_the_contract_does_not_define_is_refused() -> None:
    with pytest.raises(InvalidRequest) as refused:
        asked = assessor_pool_pb2.ListAssignmentsRequest()
        asked.home_province = 9  # type: ignore[assignment]
        assignment_query(asked)
    [violation] = refused.value.violations
    assert violation.field == "home_province" and violation.description.startswith("9 is not")
