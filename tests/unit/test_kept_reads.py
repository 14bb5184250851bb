"""Reads kept per code until their key moves (services/registry/checks/kept.py)."""

from __future__ import annotations

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


def test_past_the_bound_all_is_dropped_but_what_the_call_asked() -> None:
    asked: list[set[str]] = []

    def read(codes: set[str]) -> dict[str, str]:
        asked.append(codes)
        return {c: c.upper() for c in codes}

    kept = KeptReads[str](bound=2)
    kept.many(0, ["a", "b"], read)
    got = kept.many(0, ["b", "c"], read)
    assert (got["b"], got["c"]) == ("B", "C")
    assert asked[-1] == {"c"}
    kept.many(0, ["a"], read)
    assert asked[-1] == {"a"}  # dropped when c came
