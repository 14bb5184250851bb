"""Who is to blame when a batch fails to apply: the events that fail alone,
unless all of several do, which the store or the code explains better, until
the same batch has failed so three times."""

from __future__ import annotations

from services.common.feeding import Suspicion


def test_some_events_failing_alone_are_to_blame_at_once() -> None:
    assert Suspicion().to_blame("batch", failing=1, items=10)
    assert Suspicion().to_blame("batch", failing=1, items=1)
    assert not Suspicion().to_blame("batch", failing=0, items=10)


def test_a_batch_whose_every_event_fails_is_retried_before_it_is_set_aside() -> None:
    judge = Suspicion(strikes=3)
    assert [judge.to_blame("b1", 5, 5) for _ in range(3)] == [False, False, True]
    # Another batch starts counting again.
    assert not judge.to_blame("b2", 5, 5)
