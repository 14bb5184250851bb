"""Protobuf wire format by hand, for messages assembled from bytes at hand:
the registry's answers from stored bytes, an exchange's events from the
record bytes it validated.

A message is a sequence of fields, each a key (field number and wire type)
and a value; parsers accept fields in any order, and merge two occurrences
of the same message field. That lets a hot read answer with bytes stored
when the data was written plus the few fields only known at read time,
without parsing and re-serializing the stored part; and an event to carry
its record's canonical bytes as they were hashed, not copied and encoded again.
"""

from __future__ import annotations

from collections.abc import Iterable

_VARINT = 0
_LENGTH_DELIMITED = 2


def _encode(value: int) -> bytes:
    if value < 0:
        raise ValueError(f"varints here encode non-negative integers, not {value}")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Lengths of strings and messages are mostly below 16 KiB: encoded once.
_SMALL = [_encode(v) for v in range(1 << 14)]


def varint(value: int) -> bytes:
    """Base-128 varint of a non-negative integer (enums, bools, lengths)."""
    return _SMALL[value] if 0 <= value < 16384 else _encode(value)


def varint_field(number: int, value: int) -> bytes:
    # varint() written out twice: answers stamp a field or two on every call.
    key = number << 3 | _VARINT
    head = _SMALL[key] if 0 <= key < 16384 else _encode(key)
    return head + (_SMALL[value] if 0 <= value < 16384 else _encode(value))


def field_key(number: int) -> bytes:
    """The key of a length-delimited field, for callers that encode many of them."""
    return varint(number << 3 | _LENGTH_DELIMITED)


def bytes_field(number: int, data: bytes) -> bytes:
    """A length-delimited field: a nested message, a string's UTF-8 or raw bytes."""
    return varint(number << 3 | _LENGTH_DELIMITED) + varint(len(data)) + data


def string_field(number: int, text: str) -> bytes:
    return bytes_field(number, text.encode())


def packed_field(number: int, values: Iterable[int]) -> bytes:
    """A repeated scalar (e.g. enum) field in proto3's packed encoding."""
    body = b"".join(varint(v) for v in values)
    return bytes_field(number, body) if body else b""
