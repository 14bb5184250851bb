"""A relay's Kafka producer, replaced when it is stuck.

kafka-python 3.0.12's producer can be left unable to deliver after a broker
dies: a batch neither acknowledged nor expired, or a metadata loop ended by an
error it does not catch (see feeding.FEED_STUCK_AFTER_S). A relay sends again
from its outbox whatever failed, so a new producer is all it takes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError

from services.common.kafka_io import DELIVERY_TIMEOUT_MS, Headers, close_aside, make_producer

log = logging.getLogger(__name__)

# A flush still waiting this long has a batch that neither succeeds nor
# expires: kafka-python 3 has left one so, after a leader moved during broker
# kills, while it kept retrying against the old leader.
STUCK_AFTER_S = DELIVERY_TIMEOUT_MS / 1000 + 15


class RenewingProducer:
    """The producer of a relay, replaced by a new one (fresh connections and
    metadata) when a flush is stuck, or when its batches keep failing with
    nothing acknowledged for a delivery timeout (kafka-python 3.0.12's metadata
    loop can end on a bare ConnectionResetError, and the producer then sends to
    partitions' old leaders for good: see feeding.FEED_STUCK_AFTER_S). The
    batch fails either way, so the relay sends it again from its outbox:
    nothing is lost, and a copy that the old producer gets out after all is a
    revision the consumers already hold."""

    def __init__(
        self,
        make: Callable[[], KafkaProducer],
        stuck_after_s: float = STUCK_AFTER_S,
        topics: Sequence[str] = (),
        failing_for_s: float = DELIVERY_TIMEOUT_MS / 1000,
    ) -> None:
        """`topics`: learnt at once. kafka-python fetches a topic's partitions
        on its first send, and under a busy exchange's GIL those fetches held
        the first publishes after a start back by 1 to 2 s."""
        self._make = make
        self._stuck_after_s = stuck_after_s
        self._failing_for_s = failing_for_s
        self._producer = make()
        self._lock = threading.Lock()
        self.renewals = 0
        # What was sent since the last flush, and when a flush last found all of it acknowledged.
        self._sent: list[Any] = []
        self._acknowledged_at = time.monotonic()
        for topic in topics:
            try:
                self._producer.partitions_for(topic)
            except KafkaTimeoutError:
                log.warning("partitions of %s not known yet: the first send will wait", topic)
                break

    def send(self, topic: str, value: bytes, key: bytes, headers: Headers | None = None) -> object:
        future = self._producer.send(topic, value=value, key=key, headers=headers)
        self._sent.append(future)
        return future

    def flush(self, timeout: float | None = None) -> None:
        producer = self._producer
        own_bound = timeout is not None and timeout < self._stuck_after_s
        try:
            producer.flush(timeout=timeout if own_bound else self._stuck_after_s)
        except KafkaTimeoutError:
            if not own_bound:
                self._renew(producer, f"a Kafka flush waited {self._stuck_after_s:.0f} s")
            raise
        sent, self._sent = self._sent, []
        now = time.monotonic()
        # Another thread's sends may still be in flight: they prove nothing yet.
        if sent and all(f.succeeded() for f in sent):
            self._acknowledged_at = now
        elif any(f.failed() for f in sent) and now - self._acknowledged_at >= self._failing_for_s:
            self._renew(producer, f"Kafka acknowledged nothing for {self._failing_for_s:.0f} s")

    def _renew(self, stuck: KafkaProducer, why: str) -> None:
        with self._lock:
            if self._producer is not stuck:
                return  # another caller renewed it already
            log.warning("%s: replacing the producer; its batch goes again", why)
            # The old producer's sends are the relay's to retry, not the new one's record.
            self._sent, self._acknowledged_at = [], time.monotonic()
            self._producer = self._make()
            self.renewals += 1
        close_aside(lambda: stuck.close(timeout=5), "stuck-producer")

    def close(self, timeout: float | None = None) -> None:
        self._producer.close(timeout=timeout)


def make_relay_producer(
    bootstrap: str, client_id: str, topics: Sequence[str] = ()
) -> RenewingProducer:
    """make_producer() for a relay sending to `topics`: renewed when stuck."""
    return RenewingProducer(lambda: make_producer(bootstrap, client_id), topics=topics)
