"""Raw kafka-python baselines: what the client library alone achieves on this broker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.common.kafka_io import assign_from, ensure_topics, make_consumer, make_producer


def raw_produce_rps(bootstrap: str, topic: str, messages: Sequence[tuple[bytes, bytes]]) -> float:
    """Messages/s of an idempotent acks=all producer with the hub's batching settings,
    sending (key, value) pairs to a fresh topic and waiting for every acknowledgement."""
    ensure_topics(bootstrap, [topic])
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        batch_size=512 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    try:
        producer.send(topic, key=b"warm-up", value=b"warm-up").get(timeout=30)
        started = time.perf_counter()
        futures = [producer.send(topic, key=k, value=v) for k, v in messages]
        producer.flush()
        for f in futures:
            f.get(timeout=0)
        return len(messages) / (time.perf_counter() - started)
    finally:
        producer.close()


def raw_consume_rps(
    bootstrap: str, topics: Sequence[str], expected: int, timeout: float = 300
) -> float:
    """Messages/s of a plain consumer reading every partition of the topics from the start."""
    consumer = plain_consumer(bootstrap, topics)
    try:
        seen = 0
        started = time.perf_counter()
        deadline = started + timeout
        while seen < expected and time.perf_counter() < deadline:
            for messages in consumer.poll(timeout_ms=100, max_records=5000).values():
                seen += len(messages)
        if seen < expected:
            raise TimeoutError(f"raw consumer read {seen} of {expected} messages")
        return seen / (time.perf_counter() - started)
    finally:
        consumer.close()


def plain_consumer(bootstrap: str, topics: Sequence[str]) -> KafkaConsumer:
    """A consumer with no group, at the start of every partition of the topics."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        max_poll_records=5000,
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    try:
        partitions = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
    except BaseException:
        consumer.close()
        raise
    return consumer


def kafka_round_trip_ms(bootstrap: str, topic: str, samples: int) -> list[float]:
    """Milliseconds from sending one message, alone, with the hub's producer
    settings until a consumer with the hub's settings, already polling,
    receives it: the part of a status change's way that is Kafka's own."""
    ensure_topics(bootstrap, [topic])
    producer = make_producer(bootstrap, "bench-round-trip")
    consumer = make_consumer(bootstrap, "bench-round-trip")
    received: dict[bytes, float] = {}
    failed: list[BaseException] = []
    arrived = threading.Condition()
    stop = threading.Event()

    def consume() -> None:
        try:
            while not stop.is_set():
                for messages in consumer.poll(timeout_ms=100).values():
                    with arrived:
                        received.update((m.value, time.perf_counter()) for m in messages)
                        arrived.notify_all()
        except BaseException as exc:
            with arrived:
                failed.append(exc)
                arrived.notify_all()

    def here_or_failed(value: bytes) -> Callable[[], bool]:
        return lambda: value in received or bool(failed)

    reader = threading.Thread(target=consume, name="round-trip-consumer", daemon=True)
    try:
        assign_from(consumer, [topic], {})
        consumer.seek_to_end()
        for tp in consumer.assignment():
            consumer.position(tp)  # settled before the first message goes
        reader.start()
        trips = []
        for n in range(samples + 1):  # the first warms both clients up
            value = f"round-trip {n}".encode()
            sent = time.perf_counter()
            producer.send(topic, key=value, value=value)
            producer.flush()
            with arrived:
                if not arrived.wait_for(here_or_failed(value), 30):
                    raise TimeoutError("a message sent alone did not arrive in 30 s")
                if failed:
                    raise RuntimeError("the round trip's consumer failed") from failed[0]
                got = received[value]
            if n:
                trips.append((got - sent) * 1000)
        return trips
    finally:
        stop.set()
        if reader.is_alive():
            reader.join()  # a consumer is used by one thread at a time
        producer.close()
        consumer.close()
