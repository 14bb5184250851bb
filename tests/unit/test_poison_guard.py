"""Who is to blame when a batch fails to apply: the items that fail alone,
unless all of several do, which the store or the code explains better, until
the same batch has failed so three times."""

from __future__ import annotations

import pytest

from services.common.feeding import PoisonGuard


class _Store:
    """Applies integers; refuses those in `poison`."""

    def __init__(self, poison: set[int]) -> None:
        self.poison = poison
        self.applied: list[int] = []

    def trial(self, items: list[int]) -> None:
        bad = [i for i in items if i in self.poison]
        if bad:
            raise ValueError(f"cannot store {bad}")

    def apply(self, items: list[int]) -> int:
        self.trial(items)
        self.applied += items
        return len(items)


def test_the_items_that_fail_alone_are_set_aside_and_the_rest_applied() -> None:
    store, aside = _Store({3, 7}), list[tuple[int, Exception]]()
    applied = PoisonGuard().apply(range(10), store.apply, store.trial, aside.extend, "b")
    assert applied == 8 and store.applied == [0, 1, 2, 4, 5, 6, 8, 9]
    assert [item for item, _ in aside] == [3, 7]


def test_a_batch_whose_every_item_fails_is_retried_before_it_is_set_aside() -> None:
    store, aside, guard = _Store({1, 2}), list[tuple[int, Exception]](), PoisonGuard(strikes=3)
    for _ in range(2):
        with pytest.raises(ValueError):
            guard.apply([1, 2], store.apply, store.trial, aside.extend, "b1")
    assert aside == []
    assert guard.apply([1, 2], store.apply, store.trial, aside.extend, "b1") == 0
    assert [item for item, _ in aside] == [1, 2]


def test_a_failure_no_item_causes_alone_is_raised() -> None:
    calls = iter([True])

    def flaky(items: list[int]) -> int:
        if next(calls, False):
            raise RuntimeError("a fault of the moment")
        return len(items)

    with pytest.raises(RuntimeError):
        PoisonGuard().apply([1, 2, 3], flaky, lambda items: None, lambda p: None, "b")
