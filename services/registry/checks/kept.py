"""What checks read, kept per code until what it rests on moves.

Checks ask for the same codes over and over (a platform checking its listings,
a popular product's label), and between two commits of the registry the
answer to a code does not change. So each code's read is kept under a key
naming everything it rests on (for the registry, at least the reader's
version, which moves with every commit): a call with another key drops all
that was kept. Past a bound the older half is dropped, but for the codes the
call asked: a platform re-checking more codes than the bound still finds most
of them kept (dropping all at once lost them together: a cliff at scale).

Single certificate checks keep their rows by the same rule inline
(PointReader.answers_by_code): one code a call, on the hottest path, where
each Python call more costs a check about two microseconds under load; past
their bound they keep `newer_part` too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping
from typing import Generic, TypeVar

V = TypeVar("V")


class KeptReads(Generic[V]):
    """Shared by the threads that check (the event loop, the verify page's
    readers): a kept mapping is only ever added to, and replaced whole with
    its key, so what a call was handed keeps every code it asked."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._kept: tuple[Hashable, dict[str, V]] = (object(), {})

    def many(
        self, key: Hashable, codes: Collection[str], read: Callable[[set[str]], Mapping[str, V]]
    ) -> Mapping[str, V]:
        """A value for each of `codes`: kept ones as of `key`, the others from
        `read` (called once, with those codes, and answering each of them).
        Take `key` before reading what it names: a commit meanwhile moves it,
        and the next call drops what this one kept."""
        kept_key, values = self._kept
        if kept_key != key:
            values = {}
            self._kept = (key, values)
        missing = set(codes).difference(values)
        if missing:
            got = read(missing)
            if len(values) + len(missing) > self.bound:
                values = newer_part(values, self.bound // 2, also=codes)
                self._kept = (key, values)
            values.update((c, got[c]) for c in missing)
        return values


def newer_part(values: Mapping[str, V], count: int, also: Collection[str] = ()) -> dict[str, V]:
    """A new mapping (others may be reading `values`) of the `count` codes kept
    last, and of those of `also` that were kept. Read first, kept first: a
    dict keeps its order, so no recency is tracked on a hit."""
    items = list(values.items())
    newer = dict(items[max(0, len(items) - count) :])
    newer.update((c, values[c]) for c in values.keys() & also)
    return newer


class KeptWire:
    """Where a kept answer's wire form is kept once encoded, with the answer (for
    a label check: its LabelCheck's fields after the query and code)."""

    __slots__ = ("fields",)

    def __init__(self) -> None:
        self.fields: bytes | None = None
