"""Pipeline stage: stored events -> relay -> broker -> projection, each beside its bare
kafka-python baseline (same bytes, same acks; a plain read of the same topic)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from kafka import KafkaConsumer, TopicPartition

from bench import rebuild
from bench.measure import Figure, timed
from changeorders.adapters.database import datastore
from changeorders.adapters.kafka_feed import (
    dead_letter_topic,
    ensure_topics,
    feed_from_settings,
    new_producer,
)
from changeorders.adapters.publishing import published_events
from changeorders.adapters.settings import Settings
from changeorders.adapters.views.tables import views_recorder
from changeorders.bootstrap import Embedded, build_embedded, build_relay
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from changeorders.services.projections.projection import ChangeOrderViews
from devtools.orders import submit_order

PARTITIONS = 3
REPEATS = 3
FAST_GROUP = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}


def place_orders(service: Embedded, orders: int) -> None:
    app = service.application
    keep = Options(1, "alice", PrimaryChoice.KEEP)
    customers = app.msp("northwind").customers[:4]
    for n in range(orders):
        customer = customers[n % len(customers)]
        order_id = submit_order(app, "northwind", "alice", customer, keep)
        app.process_order(order_id)


def stored_payloads(service: Embedded) -> list[tuple[bytes, bytes]]:
    return [
        ((e.customer or str(e.aggregate_id)).encode(), e.model_dump_json().encode())
        for e in published_events(service.application)
    ]


def bare_produce(bootstrap: str, topic: str, payloads: list[tuple[bytes, bytes]]) -> float:
    producer = new_producer(bootstrap)
    with timed() as clock:
        sends = [producer.send(topic, key=k, value=v) for k, v in payloads]
        producer.flush()
        for send in sends:
            send.get()
    producer.close()
    return clock.seconds


def bare_consume(bootstrap: str, topic: str, count: int) -> float:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    seen = 0
    with timed() as clock:
        while seen < count:
            seen += sum(len(b) for b in consumer.poll(timeout_ms=500).values())
    consumer.close()
    return clock.seconds


def project(settings: Settings, topic: str, count: int) -> float:
    """Views from the topic in a fresh group, in events/s. Only polls that bring records
    are timed (fetch + views + commit), so the group join's empty polls are not counted."""
    views = ChangeOrderViews(views_recorder(datastore(settings, "bench-views")))
    fresh = replace(settings, events_topic=topic, group_prefix=f"bench-{uuid.uuid4().hex[:8]}")
    feed = feed_from_settings(fresh, "views", views, **FAST_GROUP)
    handled, busy = 0, 0.0
    while handled < count:
        with timed() as clock:
            done = feed.pump()
        if done:
            handled, busy = handled + done, busy + clock.seconds
    return handled / busy


def measure(settings: Settings, data: ReferenceData, orders: int) -> list[Figure]:
    service = build_embedded(settings)
    service.application.load_reference_data(data)
    place_orders(service, orders)
    payloads = stored_payloads(service)
    count = len(payloads)
    relay_seconds = bare_seconds = 0.0
    for _ in range(REPEATS):  # ours and the baseline take turns, each on a fresh topic
        topic, bare_topic = (f"bench-{uuid.uuid4().hex[:8]}" for _ in range(2))
        ensure_topics(
            settings.kafka_bootstrap, [topic, bare_topic, dead_letter_topic(topic)], PARTITIONS, 1
        )
        with timed() as clock:
            build_relay(settings, service.application, topic).drain()
        relay_seconds += clock.seconds / REPEATS
        bare_seconds += bare_produce(settings.kafka_bootstrap, bare_topic, payloads) / REPEATS
    read_seconds = bare_consume(settings.kafka_bootstrap, bare_topic, count)
    projected = project(settings, topic, count)
    rebuilt = rebuild.measure(service.application, settings, "PostgreSQL")
    service.close()
    relayed = count / relay_seconds
    return [
        Figure(
            "relay",
            "stored events -> broker",
            relayed,
            count / bare_seconds,
            "events/s",
            "baseline: bare idempotent producer, same bytes, acks=all",
        ),
        Figure(
            "projections",
            "broker -> views (1 consumer)",
            projected,
            count / read_seconds,
            "events/s",
            "baseline: bare read of the same topic",
        ),
        Figure(
            "pipeline",
            "relay then projection, end to end",
            1 / (1 / relayed + 1 / projected),
            None,
            "events/s",
            f"{count} events from {orders} orders",
        ),
        *rebuilt,
    ]
