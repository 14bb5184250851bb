"""Enum values outside the contract, found anywhere in a message.

Proto3 enums are open: a number no version of the contract defines parses,
and is kept, as it was sent. A reader that maps enums (to a status, a
province, a relation) must not meet one, so whatever crosses a trust boundary
is checked first. The check for each message type is derived once from its
descriptor, so an enum field added to the contract is covered without code,
and checking an event costs a few attribute reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

Check = Callable[[Any], str | None]

_CHECKS: dict[str, Check] = {}


def out_of_range(message: Message) -> str | None:
    """Where `message` (at any depth) holds an enum number its enum does not
    define, and which, e.g. "record.assessor.affiliations[1].relation: 9 is not
    a value of AffiliationRelation"; None when every enum value is defined."""
    return _check_of(message.DESCRIPTOR)(message)


def _check_of(descriptor: Any) -> Check:
    check = _CHECKS.get(descriptor.full_name)
    if check is None:
        # Placeholder first: a message type that contains itself terminates.
        _CHECKS[descriptor.full_name] = _nothing
        check = _CHECKS[descriptor.full_name] = _build(descriptor)
    return check


def _nothing(_: Any) -> None:
    return None


def _build(descriptor: Descriptor) -> Check:
    parts: list[Check] = []
    for field in descriptor.fields:
        repeated = field.is_repeated
        if field.enum_type is not None:
            parts.append(_enum_part(field.name, field.enum_type, repeated))
        elif (
            field.message_type is not None
            and not field.message_type.GetOptions().map_entry
            and _has_enums(field.message_type, set())
        ):
            parts.append(_message_part(field, repeated))
    if not parts:
        return _nothing

    def check(message: Any) -> str | None:
        for part in parts:
            problem = part(message)
            if problem is not None:
                return problem
        return None

    return check


def _has_enums(descriptor: Descriptor, seen: set[str]) -> bool:
    if descriptor.full_name in seen:
        return False
    seen.add(descriptor.full_name)
    return any(
        f.enum_type is not None or (f.message_type is not None and _has_enums(f.message_type, seen))
        for f in descriptor.fields
    )


def _enum_part(name: str, enum: Any, repeated: bool) -> Check:
    known = frozenset(v.number for v in enum.values)

    def problem(value: int, where: str) -> str:
        return f"{where}: {value} is not a value of {enum.name}"

    if repeated:

        def check_all(message: Any) -> str | None:
            for i, value in enumerate(getattr(message, name)):
                if value not in known:
                    return problem(value, f"{name}[{i}]")
            return None

        return check_all

    def check_one(message: Any) -> str | None:
        value = getattr(message, name)
        return None if value in known else problem(value, name)

    return check_one


def _message_part(field: FieldDescriptor, repeated: bool) -> Check:
    name = field.name
    inner = field.message_type
    assert inner is not None
    # The inner type's check, looked up at its first use rather than at each:
    # while this one is built, a type that contains itself has a placeholder.
    found: list[Check] = []

    def inner_check() -> Check:
        if not found:
            found.append(_check_of(inner))
        return found[0]

    if repeated:

        def check_all(message: Any) -> str | None:
            items = getattr(message, name)
            if not items:
                return None
            check = inner_check()
            for i, item in enumerate(items):
                problem = check(item)
                if problem is not None:
                    return f"{name}[{i}].{problem}"
            return None

        return check_all

    def check_one(message: Any) -> str | None:
        if not message.HasField(name):
            return None
        problem = (found[0] if found else inner_check())(getattr(message, name))
        return None if problem is None else f"{name}.{problem}"

    return check_one
