"""Where the contract lets a record carry a person's identity (name,
identity number, phone): an assessor, an enforcement officer, a signatory
ban, a qualification's signatories, and whatever records.proto adds, found
from its descriptors. Only an exchange may read one, to make a pseudonym of
it; everywhere else an identity found in a record is taken out."""

from __future__ import annotations

from functools import cache

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from yrdhub.v1 import records_pb2

_IDENTITY = records_pb2.AssessorIdentity.DESCRIPTOR.full_name


def strip_identities(message: Message) -> bool:
    """Clears every identity in `message` (a Record, or any message of the
    contract); whether there was one."""
    own, nested = _places(message.DESCRIPTOR)
    found = False
    for name in own:
        if message.HasField(name):
            message.ClearField(name)
            found = True
    for name, repeated in nested:
        if repeated:
            for item in getattr(message, name):
                found = strip_identities(item) or found
        elif message.HasField(name):
            found = strip_identities(getattr(message, name)) or found
    return found


@cache
def _places(message: Descriptor) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]:
    """A message's own identity fields, and its fields (name, repeated) whose
    messages hold one, at any depth."""
    own: list[str] = []
    nested: list[tuple[str, bool]] = []
    for field in message.fields:
        inner = field.message_type
        if inner is None:
            continue
        if inner.full_name == _IDENTITY:
            own.append(field.name)
        elif _holds_identity(inner, frozenset({message.full_name})):
            nested.append((field.name, field.is_repeated))
    return tuple(own), tuple(nested)


def _holds_identity(message: Descriptor, seen: frozenset[str]) -> bool:
    for field in message.fields:
        inner = field.message_type
        if inner is None or inner.full_name in seen:
            continue
        if inner.full_name == _IDENTITY or _holds_identity(inner, seen | {message.full_name}):
            return True
    return False
