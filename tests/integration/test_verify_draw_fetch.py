"""`yrdhub verify-draw --registry`: a registry it cannot reach is a message, not a traceback."""

from __future__ import annotations

import pytest

from services.hub import verify_draw


def test_a_draw_that_cannot_be_fetched_says_why_without_a_traceback() -> None:
    # Nothing listens on port 1: what a plaintext client meets at a TLS hub too.
    with pytest.raises(SystemExit) as stopped:
        verify_draw.fetch_draw("127.0.0.1:1", "team-9", secure=False)
    said = str(stopped.value)
    assert said.startswith("could not fetch draw team-9 from 127.0.0.1:1: UNAVAILABLE")
    assert "--tls-dir" in said
