"""Filters of WatchChanges and ListConflicts: a value the contract does not
define is refused with its place, never dropped (dropping a filter's only
value would answer with everything)."""

from __future__ import annotations

import pytest

from services.core.conflicts import ConflictType
from services.core.errors import InvalidRequest
from services.registry.reconciliation.mapping import change_filter, conflict_types
from yrdhub.v1 import common_pb2, reconciliation_pb2, registry_pb2


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
