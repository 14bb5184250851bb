"""A received record made canonical where it stands: the fields validation
changed (stripped, put in canonical form, filled in) are written back into
the message they were read from, and nothing else is touched. The exchange
changes a record's form once: the message is read into fields and checked,
and the message itself, so corrected, is what goes on. It is never rebuilt
from the domain record made from it.

The fields are those of record_mapping.record_fields: named as in the
contract, enums by their values' names without the enum's prefix, dates as
ISO text, absent values as None. What validation makes of them is the
domain record's JSON form (model_dump(mode="json")), which names its fields
the same way.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message import Message

from yrdhub.v1 import records_pb2

# A certificate's status and the status as its issuer wrote it are fields of
# the domain record, and one Status message in the contract.
_IN_STATUS = {"status": ("status", "canonical"), "original_status": ("status", "original")}
_NESTED = {
    records_pb2.Qualification.DESCRIPTOR.full_name: _IN_STATUS,
    records_pb2.GreenCertification.DESCRIPTOR.full_name: _IN_STATUS,
}


def write_normalised(body: Message, normalised: dict[str, Any], given: dict[str, Any]) -> None:
    """Sets each field of `body` (a record's body: a Qualification, an
    Assessor, ...) that `given` names and whose `normalised` value differs
    from it."""
    nested = _NESTED.get(body.DESCRIPTOR.full_name, {})
    for name, theirs in given.items():
        ours = normalised.get(name)
        # Empty, absent and zero are one value in the contract (proto3 has no null).
        if ours == theirs or (not ours and not theirs):
            continue
        holder, field = body, name
        if name in nested:
            part, field = nested[name]
            holder = getattr(body, part)
        _set(holder, holder.DESCRIPTOR.fields_by_name[field], ours, theirs)


# `field`: a FieldDescriptor (upb's own class, which the stubs type apart).
def _set(holder: Message, field: Any, ours: Any, theirs: Any) -> None:
    if not field.is_repeated:
        if field.message_type is None:
            setattr(holder, field.name, _scalar(field, ours))
        else:
            _write_or_fill(getattr(holder, field.name), ours or {}, theirs)
        return
    items = getattr(holder, field.name)
    ours = ours or []
    if field.message_type is None:
        del items[:]
        items.extend(_scalar(field, v) for v in ours)
    elif type(theirs) is list and len(theirs) == len(ours):
        for item, mine, given in zip(items, ours, theirs, strict=True):
            write_normalised(item, mine, given)
    else:  # items dropped or merged: the list as validation left it
        del items[:]
        for mine in ours:
            _write_or_fill(items.add(), mine, None)


def _write_or_fill(item: Message, ours: dict[str, Any], theirs: Any) -> None:
    if type(theirs) is not dict:  # an item of its own: every field it has
        fields = item.DESCRIPTOR.fields_by_name
        theirs = dict.fromkeys(name for name in ours if name in fields)
    write_normalised(item, ours, theirs)


def _scalar(field: Any, value: Any) -> Any:
    if value is None:
        return field.default_value
    if field.enum_type is not None:
        return _enum_number(field.enum_type, str(value))
    return value


def _enum_number(enum: EnumDescriptor, name: str) -> int:
    return int(_values(enum)[name])


@cache
def _values(enum: EnumDescriptor) -> dict[str, int]:
    """An enum's numbers by the names the domain gives them: the contract's
    names without their prefix ("ASSESSOR_LEVEL_TEAM_LEADER" is "TEAM_LEADER"),
    which every enum's zero value, "<PREFIX>UNSPECIFIED", shows."""
    prefix = enum.values_by_number[0].name.removesuffix("UNSPECIFIED")
    return {v.name.removeprefix(prefix): v.number for v in enum.values}
