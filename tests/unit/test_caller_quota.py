"""A caller's share of a server: calls and streams in progress are counted per
identity, and one caller at its limit leaves the others theirs."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from services.common.caller_quota import CallerQuota
from services.core.errors import ResourceExhausted
from services.core.identity import Identity, Role
from services.core.provinces import Province

SH = Identity(Role.REGULATOR, Province.SH)
JS = Identity(Role.REGULATOR, Province.JS)


def test_calls_beyond_a_callers_share_are_refused_and_others_go_on() -> None:
    quota = CallerQuota(calls=3, streams=1)
    with ExitStack() as held:
        held.enter_context(quota.hold(SH, stream=True))
        held.enter_context(quota.hold(SH, stream=False))
        with pytest.raises(ResourceExhausted, match="streams in progress"):
            held.enter_context(quota.hold(SH, stream=True))
        held.enter_context(quota.hold(SH, stream=False))
        with pytest.raises(ResourceExhausted, match="3 calls in progress"):
            held.enter_context(quota.hold(SH, stream=False))
        held.enter_context(quota.hold(JS, stream=True))
    # All ended, refused ones included: the whole share is free again.
    with quota.hold(SH, stream=True), quota.hold(SH, stream=False), quota.hold(SH, stream=False):
        pass


def test_a_call_that_fails_gives_its_place_back() -> None:
    quota = CallerQuota(calls=1, streams=1)
    with pytest.raises(RuntimeError), quota.hold(SH, stream=False):
        raise RuntimeError("the servicer failed")
    with quota.hold(SH, stream=False):
        pass
