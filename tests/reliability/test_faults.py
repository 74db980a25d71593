"""Faults through the real broker and SMTP server, each ending with the invariants:
the views verify equal against the event store, every submitted order has one outcome,
and every applied order sent exactly two emails."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from changeorders.schemas.reference import ReferenceData
from changeorders.services.commands.bootstrap import CommandsService
from changeorders.services.projections.bootstrap import ProjectionsService
from changeorders.services.projections.verify import verify
from devtools.smtp import SmtpServer, smtp_server
from devtools.tansu import free_port
from tests.e2e.test_kafka_flow import kafka_settings, place_order, running, statuses, wait_for
from tests.kafka import Broker

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.faults]
OUTAGE_SECONDS = 8  # > the tests' 6 s consumer session: the groups rebalance afterwards


def check_invariants(
    commands: CommandsService,
    projections: list[ProjectionsService],
    smtp: SmtpServer,
    orders: list[str],
) -> None:
    client = TestClient(commands.api())
    wait_for(
        lambda: all(statuses(client).get(o) == "notified" for o in orders),
        timeout=120,
        what="every order applied, notified and projected",
    )
    assert len(smtp.inbox.messages) == 2 * len(orders)
    assert len({m["Message-ID"] for _, m in smtp.inbox.messages}) == 2 * len(orders)
    app = commands.application
    for order_id in orders:
        outcomes = [
            type(e).__name__
            for e in app.order_history(app.find_order(order_id))  # type: ignore[arg-type]
            if type(e).__name__ in ("Applied", "Rejected")
        ]
        assert outcomes == ["Applied"]
    assert verify(app, projections[0].queries._views, commands.settings).equal


def test_broker_paused_while_orders_are_submitted(
    broker: Broker, topic: str, postgres_schema: str, sample_data: ReferenceData, tmp_path: Path
) -> None:
    port = free_port()
    settings = kafka_settings(broker, topic, postgres_schema, port, tmp_path, 2)
    with (
        smtp_server(port) as smtp,
        running(settings, sample_data, projections=1) as (
            commands,
            projections,
        ),
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
        check_invariants(commands, projections, smtp, orders)
