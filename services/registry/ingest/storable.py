"""Whether the registry's tables can hold an event's columns, asked before
the apply transaction rather than learnt from the database refusing it.

The limits come from the record tables themselves (records/tables.py): the
length of each bounded text column and the range of each integer column, as
PostgreSQL enforces them (SQLite would store anything, so one rule serves
both). Text columns must also be visible text (core/text.py): PostgreSQL
refuses NUL outright, and these columns are shown to officials and the public.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, TypeDecorator

from services.core.text import single_line
from services.registry.records.tables import record_table, version_table

_INT_RANGE = {BigInteger: 2**63 - 1, Integer: 2**31 - 1}


def _limits() -> tuple[dict[str, int | None], dict[str, int]]:
    """(text column: its length or None when unbounded, integer column: its
    largest value) over the record tables."""
    texts: dict[str, int | None] = {}
    ranges: dict[str, int] = {}
    for table in (record_table, version_table):
        for column in table.c:
            kind, name = column.type, column.name
            if isinstance(kind, Integer):
                top = _INT_RANGE[BigInteger if isinstance(kind, BigInteger) else Integer]
                ranges[name] = min(top, ranges.get(name, top))
            elif isinstance(kind, String) or (
                # sqlmodel's AutoString decorates a String.
                isinstance(kind, TypeDecorator) and isinstance(kind.impl_instance, String)
            ):
                length = getattr(kind, "length", None)
                held = texts.get(name, length)
                texts[name] = length if held is None else min(held, length or held)
    return texts, ranges


TEXTS, RANGES = _limits()


def unstorable(row: object) -> str | None:
    """Why the record tables cannot hold `row`'s values (the attributes named
    as their columns; None values and absent attributes pass), or None."""
    for name, limit in TEXTS.items():
        value = getattr(row, name, None)
        if value is None:
            continue
        # What nearly every value is (single_line's own first test, inline:
        # this runs for a dozen columns of every event the registry reads).
        if value.isprintable() and (limit is None or len(value) <= limit):
            continue
        if limit is not None and len(value) > limit:
            return f"{name} is {len(value)} characters long, more than the {limit} stored"
        try:
            single_line(value)
        except ValueError as exc:
            return f"{name}: {exc}"
    for name, top in RANGES.items():
        number = getattr(row, name, None)
        if number is not None and not -top <= number <= top:
            return f"{name} {number} is beyond what is stored (at most {top})"
    return None
