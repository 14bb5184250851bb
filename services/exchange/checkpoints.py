"""The exchange's chain checkpoints: signed ChainCheckpoint messages (core/chain.py)."""

from __future__ import annotations

import datetime as dt

from services.common.convert import PROVINCE_TO_PB
from services.common.signing import Signer
from services.core.chain import signed_message
from services.core.provinces import Province
from services.exchange.outbox import CheckpointSigner
from yrdhub.v1 import events_pb2


def checkpoint_signer(province: Province, signer: Signer) -> CheckpointSigner:
    def sign(sequence: int, chain_link: bytes, now: dt.datetime) -> bytes:
        signed_at = now.astimezone(dt.UTC).isoformat()
        signature = signer.sign(signed_message(province.value, sequence, chain_link, signed_at))
        return events_pb2.ChainCheckpoint(
            province=PROVINCE_TO_PB[province],
            sequence=sequence,
            chain_link=chain_link,
            signed_at=signed_at,
            key_id=signer.key_id,
            signature=signature,
        ).SerializeToString()

    return sign
