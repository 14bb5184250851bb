"""Draw commitments on Kafka: the registry signs each recorded commitment and
publishes it, acknowledged, before it reads the pool (DrawCommitment on
yrd.draw_commitment.v1). Whoever keeps the topic sees every draw the hub
committed to: a seed cannot be tried and quietly dropped."""

from __future__ import annotations

import hashlib

from services.common.kafka_io import Sender
from services.common.signing import Signer
from services.core.draws import commitment_message
from services.registry.pool.draws import DrawHead
from services.registry.pool.mapping import DRAW_KIND_TO_PB
from yrdhub.v1 import assessor_pool_pb2


def commitment_of(head: DrawHead, signer: Signer) -> assessor_pool_pb2.DrawCommitment:
    committed_at = head.committed_at.isoformat()
    spec_sha256 = hashlib.sha256(head.spec.encode()).digest()
    message = commitment_message(
        head.draw_id, head.seed_commitment, committed_at, spec_sha256, head.policy_version
    )
    return assessor_pool_pb2.DrawCommitment(
        draw_id=head.draw_id,
        kind=DRAW_KIND_TO_PB[head.kind],
        seed_commitment=head.seed_commitment,
        committed_at=committed_at,
        spec_sha256=spec_sha256,
        policy_version=head.policy_version,
        key_id=signer.key_id,
        signature=signer.sign(message),
    )


class CommitmentPublisher:
    """Called by the pool between recording a commitment and reading the pool."""

    def __init__(self, sender: Sender, topic: str, signer: Signer, timeout_s: float = 10) -> None:
        self._sender = sender
        self._topic = topic
        self._signer = signer
        self._timeout_s = timeout_s

    def __call__(self, head: DrawHead) -> None:
        value = commitment_of(head, self._signer).SerializeToString()
        future = self._sender.send(self._topic, value=value, key=head.draw_id.encode())
        self._sender.flush(timeout=self._timeout_s)
        future.get(timeout=0)  # type: ignore[attr-defined]  # raises if Kafka refused it
