"""Faults through the real broker and SMTP server, each ending with the invariants:
the views verify equal against the event store, every submitted order has one outcome,
and every applied order sent exactly two emails."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from changeorders.adapters.database import datastore
from changeorders.adapters.views.tables import views_recorder
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.schemas.reference import ReferenceData
from changeorders.services.projections.verify import verify
from devtools.smtp import SmtpServer, smtp_server
from devtools.tansu import free_port
from tests.e2e.test_kafka_flow import kafka_settings, place_order, running, statuses, wait_for
from tests.kafka import Broker, services_env

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.faults]
CLI = [sys.executable, "-m", "changeorders"]
OUTAGE_SECONDS = 8  # > the tests' 6 s consumer session: the groups rebalance afterwards


def check_invariants(
    commands: Embedded, smtp: SmtpServer, orders: list[str], *, killed: bool = False
) -> None:
    """Every order applied once, notified and projected; each email sent once, except that
    a notifier SIGKILLed after the SMTP server accepted an email and before its ledger
    recorded it sends it again with the same Message-ID (receivers dedupe by it)."""
    client = TestClient(commands.api())
    wait_for(
        lambda: all(statuses(client).get(o) == "notified" for o in orders),
        timeout=120,
        what="every order applied, notified and projected",
    )
    message_ids = [m["Message-ID"] for _, m in smtp.inbox.messages]
    assert len(set(message_ids)) == 2 * len(orders)
    assert len(message_ids) <= 2 * len(orders) + (1 if killed else 0)
    app = commands.application
    for order_id in orders:
        outcomes = [
            type(e).__name__
            for e in app.order_history(app.find_order(order_id))  # type: ignore[arg-type]
            if type(e).__name__ in ("Applied", "Rejected")
        ]
        assert outcomes == ["Applied"]
    live = views_recorder(datastore(commands.settings, "views"))
    assert verify(app, live, commands.settings).equal


def test_broker_paused_while_orders_are_submitted(
    broker: Broker, topic: str, postgres_schema: str, sample_data: ReferenceData, tmp_path: Path
) -> None:
    port = free_port()
    settings = kafka_settings(broker, topic, postgres_schema, port, tmp_path, 2)
    with (
        smtp_server(port) as smtp,
        running(settings, sample_data, projections=1) as (commands, _),
    ):
        client = TestClient(commands.api())
        orders = [place_order(client, "acme-dental", 1)]
        wait_for(lambda: statuses(client).get(orders[0]) == "notified", what="warm-up")
        broker.process.send_signal(signal.SIGSTOP)  # the broker stops answering...
        try:
            orders += [place_order(client, c, 2) for c in ("harbor-logistics", "pinecrest-legal")]
            time.sleep(OUTAGE_SECONDS)  # the fault itself: longer than a group session
        finally:
            broker.process.send_signal(signal.SIGCONT)  # ...and comes back
        orders += [place_order(client, "sunrise-bakery", 3)]
        check_invariants(commands, smtp, orders)


def test_services_killed_mid_stream_and_restarted(
    broker: Broker, topic: str, postgres_schema: str, sample_data: ReferenceData, tmp_path: Path
) -> None:
    """SIGKILL the processor, notifier and projections while orders flow; restart them."""
    port = free_port()
    settings = kafka_settings(broker, topic, postgres_schema, port, tmp_path, 2)
    env = services_env(
        broker,
        topic,
        postgres_schema,
        CHANGEORDERS_SMTP_HOST="127.0.0.1",
        CHANGEORDERS_SMTP_PORT=str(port),
        # default claims: a notifier killed mid-send is taken over when its 15 s lease lapses
    )

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("ab")
        return subprocess.Popen([*CLI, name], env=env, stdout=log, stderr=log)

    commands = build_embedded(settings)
    commands.application.load_reference_data(sample_data)
    client = TestClient(commands.api())
    with smtp_server(port) as smtp:
        services = {name: start(name) for name in ("relay", "process", "notify", "project")}
        try:
            orders = [place_order(client, c, 1) for c in ("acme-dental", "harbor-logistics")]
            wait_for(lambda: len(smtp.inbox.messages) >= 1, what="the first email")
            for name in ("process", "notify", "project"):
                services[name].send_signal(signal.SIGKILL)
                services[name].wait(timeout=10)
            orders += [place_order(client, c, 2) for c in ("acme-dental", "sunrise-bakery")]
            for name in ("process", "notify", "project"):
                services[name] = start(name)
            check_invariants(commands, smtp, orders, killed=True)
        finally:
            for service in services.values():
                service.send_signal(signal.SIGTERM)
            for service in services.values():
                service.wait(timeout=30)
            commands.close()
