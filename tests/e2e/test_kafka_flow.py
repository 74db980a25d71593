"""End to end through the real broker: HTTP API -> store -> relay -> Kafka -> processor,
notifier (real SMTP server) and two projection consumers in one group (several partitions)
-> views and emails; poison is parked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from kafka import KafkaProducer

from changeorders.adapters.dead_letters import list_parked
from changeorders.adapters.kafka_feed import KafkaFeed, dead_letter_topic
from changeorders.adapters.settings import Settings
from changeorders.bootstrap import (
    Embedded,
    build_embedded,
    build_notifier,
    build_processor,
    build_projections,
    build_relay,
)
from changeorders.schemas.reference import ReferenceData
from devtools.smtp import SmtpServer, smtp_server
from devtools.tansu import free_port
from tests.kafka import Broker

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

FAST_GROUP: dict[str, Any] = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}
HEADERS = {"Authorization": "Bearer demo-northwind-7Qm2xV", "X-Acting-User": "alice"}


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server(free_port()) as server:
        yield server


def feed_of(worker: object) -> KafkaFeed:
    assert isinstance(worker, KafkaFeed)
    return worker


@contextmanager
def running(
    settings: Settings, data: ReferenceData, projections: int
) -> Iterator[tuple[Embedded, list[KafkaFeed]]]:
    """The split deployment in threads: relay, processor, notifier, projection consumers."""
    commands = build_embedded(settings)
    commands.application.load_reference_data(data)
    stop = threading.Event()
    views = [feed_of(build_projections(settings, **FAST_GROUP).worker) for _ in range(projections)]
    app = commands.application
    workers = [
        threading.Thread(target=build_relay(settings, app).run_until, args=(stop,)),
        threading.Thread(
            target=build_processor(settings, app, **FAST_GROUP).run_until, args=(stop,)
        ),
        threading.Thread(
            target=build_notifier(settings, app, **FAST_GROUP).run_until, args=(stop,)
        ),
        *(threading.Thread(target=p.run_until, args=(stop,)) for p in views),
    ]
    for worker in workers:
        worker.start()
    try:
        yield commands, views
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
        commands.close()


def kafka_settings(
    broker: Broker, topic: str, schema: str, smtp_port: int, outbox: Path, partitions: int
) -> Settings:
    return Settings(
        event_store="postgres",
        postgres_schema=schema,
        delivery="kafka",
        kafka_bootstrap=broker.bootstrap,
        events_topic=topic,
        topic_partitions=partitions,
        group_prefix=topic,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        outbox_dir=outbox,
    )


@pytest.fixture
def distributed(
    broker: Broker,
    topic: str,
    postgres_schema: str,
    sample_data: ReferenceData,
    smtp: SmtpServer,
    tmp_path: Path,
) -> Iterator[tuple[Embedded, list[KafkaFeed]]]:
    settings = kafka_settings(broker, topic, postgres_schema, smtp.port, tmp_path, 3)
    with running(settings, sample_data, projections=2) as (commands, projections):
        wait_for(
            lambda: (
                all(p.assignment() for p in projections)
                and sum(len(p.assignment()) for p in projections) == 3
            ),
            what="the two projection consumers sharing the three partitions",
        )
        yield commands, projections


def place_order(client: TestClient, customer: str, seats: int) -> str:
    """As a portal would: when the account moved on since the review, review again."""
    order = client.post("/v1/orders", headers=HEADERS, json={"customer": customer}).json()
    order_id = order["order_id"]
    options = {
        "seat_adjustment": seats,
        "implementation_lead": "alice",
        "primary": {"mode": "keep"},
    }
    assert client.put(f"/v1/orders/{order_id}/options", headers=HEADERS, json=options).is_success
    ticks = {"accept_msa": True, "confirm_authority": True}
    for _ in range(10):
        assert client.post(f"/v1/orders/{order_id}/review", headers=HEADERS).is_success
        confirm = client.post(f"/v1/orders/{order_id}/confirm", headers=HEADERS, json=ticks)
        assert confirm.is_success
        submit = client.post(f"/v1/orders/{order_id}/submit", headers=HEADERS)
        if submit.status_code == 202:
            return str(order_id)
        assert submit.json()["rule"] == "account-changed-since-review", submit.text
    raise AssertionError(f"order {order_id} never submitted")


def statuses(client: TestClient) -> dict[str, str]:
    orders = client.get("/v1/orders", headers=HEADERS, params={"open_only": False}).json()
    return {o["order_id"]: o["status"] for o in orders}


def test_orders_reach_the_views_and_inboxes_through_the_broker(
    distributed: tuple[Embedded, list[KafkaFeed]],
    topic: str,
    broker: Broker,
    smtp: SmtpServer,
) -> None:
    commands, projections = distributed
    client = TestClient(commands.api())
    customers = ["acme-dental", "harbor-logistics", "pinecrest-legal", "sunrise-bakery"]
    orders = [place_order(client, c, seats) for c in customers for seats in (1, 2)]

    wait_for(
        lambda: all(statuses(client).get(o) == "notified" for o in orders),
        what="every order applied, notified and projected",
    )
    recipients = [rcpt for rcpt, _ in smtp.inbox.messages]
    assert len(recipients) == 2 * len(orders)  # two emails per order, none twice
    message_ids = {message["Message-ID"] for _, message in smtp.inbox.messages}
    assert len(message_ids) == 2 * len(orders)
    seats = {c["customer"]: c["seats"] for c in client.get("/v1/customers", headers=HEADERS).json()}
    assert seats["acme-dental"] == 40 + 3
    assert seats["sunrise-bakery"] == 8 + 3
    assignments = [p.assignment() for p in projections]
    assert all(assignments), "both consumers of the group own partitions"
    assert sum(len(a) for a in assignments) == 3

    poison = KafkaProducer(bootstrap_servers=broker.bootstrap)
    poison.send(topic, key=b"acme-dental", value=b"\x00 not an event").get(timeout=10)
    poison.close()
    later = place_order(client, "acme-dental", 5)
    wait_for(lambda: statuses(client).get(later) == "notified", what="the stream going on")
    wait_for(
        lambda: len(list_parked(broker.bootstrap, dead_letter_topic(topic))) >= 3,
        what="the poison parked by the views, processor and notifier groups",
    )
    parked = list_parked(broker.bootstrap, dead_letter_topic(topic))
    assert {p.group for p in parked} == {f"{topic}-{g}" for g in ("views", "processor", "notifier")}
    assert all(p.value == b"\x00 not an event" for p in parked)
    assert all(p.error_class == "UnreadableEvent" for p in parked)
    assert all(p.source_topic == topic for p in parked)


def test_smtp_down_then_back_through_the_broker(
    broker: Broker, topic: str, postgres_schema: str, sample_data: ReferenceData, tmp_path: Path
) -> None:
    """The notifier keeps retrying the same record while SMTP is down; nothing is lost."""
    port = free_port()
    settings = kafka_settings(broker, topic, postgres_schema, port, tmp_path, 2)
    with running(settings, sample_data, projections=0) as (commands, _):
        client = TestClient(commands.api())
        order_id = UUID(place_order(client, "acme-dental", 2))

        def notifications() -> dict[str, dict[str, str]]:
            order = commands.application.find_order(order_id)
            return {} if order is None else order.notifications

        wait_for(lambda: "submitter" in notifications(), what="the first send to fail")
        assert notifications()["submitter"]["state"] == "failed"
        with smtp_server(port) as smtp:
            wait_for(lambda: len(smtp.inbox.messages) == 2, what="both emails once SMTP is back")
            wait_for(
                lambda: [n["state"] for n in notifications().values()] == ["sent", "sent"],
                what="both notifications recorded as sent",
            )
        assert len(smtp.inbox.messages) == 2
