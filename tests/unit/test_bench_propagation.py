"""The bench's account of a status change's way: its figures and its stages."""

from __future__ import annotations

import pytest

from bench.measures import Propagation, Stages, stages_of
from bench.run import propagation_figures
from yrdhub.v1 import registry_pb2


def test_the_stages_split_a_change_s_way_by_its_provenance_clocks() -> None:
    change = registry_pb2.ChangeEvent()
    provenance = change.record.provenance
    provenance.accepted_at.FromMicroseconds(1_000_003_000)  # 3 ms after it was sent
    provenance.applied_at.FromMicroseconds(1_000_010_000)  # 7 ms in the relay and Kafka
    stages = stages_of(sent=1000.0, change=change, received=1000.0155)
    assert stages.call_and_checks == pytest.approx(3.0)
    assert stages.outbox_relay_kafka == pytest.approx(7.0)
    assert stages.apply_and_stream == pytest.approx(5.5)


def test_the_figure_is_the_slower_path_and_the_stages_their_medians() -> None:
    served = [10.0 + n for n in range(100)]  # p99: 109
    streamed = [5.0 + n for n in range(100)]  # p50: 55, p99: 104
    stages = [Stages(1.0 + n, 2.0, 3.0 * n) for n in range(5)]
    figures = propagation_figures(Propagation(served, streamed, stages))
    assert figures["propagation_p99_ms"] == 109.0
    assert figures["propagation_served_p99_ms"] == 109.0
    assert figures["propagation_stream_p99_ms"] == 104.0
    assert figures["propagation_stream_p50_ms"] == 55.0
    assert figures["propagation_stage_p50_ms"] == {
        "call_and_checks": 3.0,
        "outbox_relay_kafka": 2.0,
        "apply_and_stream": 6.0,
    }
    slower_stream = propagation_figures(Propagation(streamed, served, stages))
    assert slower_stream["propagation_p99_ms"] == 109.0
