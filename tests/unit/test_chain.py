"""The chain walk: what a province's signed checkpoints vouch for, and what not."""

from __future__ import annotations

from services.core.chain import GENESIS, Link, SignedMark, digest, fold, link, verify_chain, walk


def _chain(n: int, start: bytes = GENESIS, tag: bytes = b"e") -> tuple[list[Link], list[bytes]]:
    links, after = [], []
    current = start
    for s in range(1, n + 1):
        d = digest(tag + bytes([s]))
        links.append(Link(s, current, d))
        current = link(current, d)
        after.append(current)
    return links, after


def test_only_events_up_to_a_verified_checkpoint_are_vouched_for() -> None:
    links, after = _chain(5)
    result = walk(0, GENESIS, {x.sequence: [x] for x in links}, {3: after[2]})
    assert [x.sequence for x in result.verified] == [1, 2, 3]
    assert (result.sequence, result.chain_link) == (3, after[2])
    assert result.off_chain == [] and result.broken_at is None


def test_a_forged_branch_that_copies_the_links_loses_to_the_checkpoint() -> None:
    links, after = _chain(4)
    # The forger copies event 2's previous_hash and goes on chaining its own.
    forged, _ = _chain(2, start=after[0], tag=b"forged")
    forged = [Link(x.sequence + 1, x.previous_hash, x.digest) for x in forged]
    candidates: dict[int, list[Link]] = {}
    for x in [*forged, *links]:  # the forgery arrives first
        candidates.setdefault(x.sequence, []).append(x)
    result = walk(0, GENESIS, candidates, {4: after[3]})
    assert result.verified == links
    assert sorted(x.sequence for x in result.off_chain) == [2, 3]


def test_a_gap_holds_what_follows_it() -> None:
    links, after = _chain(3)
    result = walk(0, GENESIS, {1: [links[0]], 3: [links[2]]}, {3: after[2]})
    assert result.verified == [] and result.sequence == 0 and result.broken_at is None


def test_an_event_that_does_not_link_breaks_the_chain_there() -> None:
    links, after = _chain(2)
    bad = Link(2, b"\x01" * 32, links[1].digest)
    result = walk(1, after[0], {2: [bad]}, {})
    assert result.verified == [] and result.broken_at == 2


def test_one_record_verifies_with_the_digests_after_it() -> None:
    links, after = _chain(6)
    # Event 2 with the digests of events 3..6 and the checkpoint's link at 6.
    assert (
        fold(link(links[1].previous_hash, links[1].digest), [x.digest for x in links[2:]])
        == after[5]
    )


def _marks(after: list[bytes], *sequences: int) -> list[SignedMark]:
    return [SignedMark(s, after[s - 1], None) for s in sequences]


def test_a_whole_chain_verifies_offline_and_forgeries_beside_it_are_named() -> None:
    links, after = _chain(5)
    forged = Link(3, links[2].previous_hash, digest(b"forged"))
    verdict = verify_chain([*links, forged], [*_marks(after, 2, 5), SignedMark(3, b"x", "bad")])
    assert verdict.ok and verdict.verified_through == 5
    assert verdict.rejected == [
        "checkpoint at sequence 3: bad",
        "event at sequence 3 is not on the signed chain",
    ]


def test_offline_verification_names_the_first_break() -> None:
    links, after = _chain(6)
    missing = verify_chain([*links[:3], *links[4:]], _marks(after, 2, 6))
    assert missing.problems == ["missing sequence 4"] and missing.verified_through == 2
    tampered = Link(4, links[3].previous_hash, digest(b"changed"))
    broken = verify_chain([*links[:3], tampered, *links[4:]], _marks(after, 2, 6))
    assert broken.problems == ["broken link at sequence 5"]
    uncovered = verify_chain(links, _marks(after, 2))
    assert uncovered.problems == ["no checkpoint covers the events after sequence 2"]


def test_the_verified_summary_counts_only_what_is_on_the_signed_chain() -> None:
    """A forged event and a forged checkpoint beside the chain (as a Kafka
    credential without the key makes them) are listed as rejected, and not
    counted among the events and checkpoints verified."""
    links, after = _chain(5)
    forged = Link(3, links[2].previous_hash, digest(b"forged"))
    verdict = verify_chain([*links, forged], [*_marks(after, 2, 5), SignedMark(5, b"x", "bad")])
    assert verdict.ok
    assert (verdict.events, verdict.checkpoints) == (5, 2)
    assert len(verdict.rejected) == 2


def test_an_empty_chain_has_nothing_to_verify_and_nothing_wrong() -> None:
    """A province that published nothing: no missing sequence, broken link or
    bad checkpoint; a forged checkpoint beside it is only rejected."""
    empty = verify_chain([], [])
    assert empty.ok and (empty.events, empty.checkpoints, empty.rejected) == (0, 0, [])
    forged = verify_chain([], [SignedMark(1, b"x", "bad")])
    assert forged.ok and forged.rejected == ["checkpoint at sequence 1: bad"]
    vouched = verify_chain([], [SignedMark(3, b"x", None)])
    assert not vouched.ok
