"""Reads kept per code until their key moves (services/registry/checks/kept.py)."""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Iterator

import pytest

from services.registry.checks.kept import KeptReads


def test_codes_kept_under_a_key_are_not_read_again_until_it_moves() -> None:
    asked: list[set[str]] = []
    world = {"a": 1, "b": 2, "c": 3}

    def read(codes: set[str]) -> dict[str, int]:
        asked.append(codes)
        return {c: world.get(c, 0) for c in codes}

    kept = KeptReads[int](bound=10)
    assert dict(kept.many(1, ["a", "x"], read)) == {"a": 1, "x": 0}
    assert kept.many(1, ["x", "b"], read)["b"] == 2
    assert asked == [{"a", "x"}, {"b"}]
    world["a"] = 10
    assert kept.many(1, ["a"], read)["a"] == 1  # the key names what changed it: not moved
    assert kept.many(2, ["a"], read)["a"] == 10
    assert asked[-1] == {"a"}


def test_past_the_bound_the_older_half_is_dropped_but_what_the_call_asked() -> None:
    asked: list[set[str]] = []

    def read(codes: set[str]) -> dict[str, str]:
        asked.append(codes)
        return {c: c.upper() for c in codes}

    kept = KeptReads[str](bound=4)
    for code in "abcd":
        kept.many(0, [code], read)
    got = kept.many(0, ["a", "e"], read)  # past the bound: b goes, c and d stay
    assert (got["a"], got["e"]) == ("A", "E")
    assert asked[-1] == {"e"}
    before = len(asked)
    assert dict(kept.many(0, ["c", "d", "e", "a"], read)) == {c: c.upper() for c in "acde"}
    assert len(asked) == before
    kept.many(0, ["b"], read)
    assert asked[-1] == {"b"}


def test_a_platform_asking_a_few_more_codes_than_the_bound_finds_most_kept() -> None:
    """Listings over 10% more codes than are kept, asked again and again: most
    answers still come from what was kept, more than when all was dropped at
    once."""
    reads = 0

    def read(codes: set[str]) -> dict[str, int]:
        nonlocal reads
        reads += len(codes)
        return dict.fromkeys(codes, 1)

    kept = KeptReads[int](bound=1000)
    rng = random.Random(5)
    catalogue = [f"c{i}" for i in range(1100)]
    asked = 0
    for _ in range(200):
        listing = rng.sample(catalogue, 100)
        kept.many(0, listing, read)
        asked += len(listing)
    assert reads < asked * 0.33  # dropping all at once: 0.39


@pytest.fixture
def switching_often() -> Iterator[None]:
    """Threads handed the GIL every microsecond, so interleavings show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_threads_sharing_it_get_every_code_they_asked_as_of_their_own_key(
    switching_often: None,
) -> None:
    """The event loop and the verify page's readers check labels at once, each
    under the key it took: none gets a value of another key, or misses a code,
    while the others move the key on and cross the bound."""
    kept = KeptReads[tuple[int, str]](bound=5)
    errors: list[str] = []

    def checker(n: int) -> None:
        for i in range(3000):
            key = (i // 7) % 3
            codes = [f"c{(n + i + j) % 9}" for j in range(3)]

            def read(missing: set[str], key: int = key) -> dict[str, tuple[int, str]]:
                return {c: (key, c) for c in missing}

            got = kept.many(key, codes, read)
            wrong = [c for c in codes if got.get(c) != (key, c)]
            if wrong:
                errors.append(f"key {key}: {wrong}")

    threads = [threading.Thread(target=checker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
