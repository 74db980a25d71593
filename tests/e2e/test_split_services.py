"""The split deployment as processes: relay, processor, projections and webhooks on
PostgreSQL and a real broker, each stopped cleanly by SIGTERM; an order placed by the CLI
reaches the views and a signed webhook reaches the MSP's endpoint."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from changeorders.adapters.database import datastore
from changeorders.adapters.settings import Settings
from changeorders.adapters.webhooks import WebhookStore
from changeorders.application.webhooks import WebhookRegistry
from devtools.tansu import free_port
from devtools.webhook_receiver import Receiver, webhook_receiver
from tests.kafka import Broker, services_env

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
CLI = [sys.executable, "-m", "changeorders"]
NW = ["--msp", "northwind", "--as", "alice"]


def attempt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def run(env: dict[str, str], *args: str) -> str:
    result = attempt(env, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_split_services_apply_and_project_an_order(
    broker: Broker, topic: str, postgres_schema: str, tmp_path: Path
) -> None:
    env = services_env(broker, topic, postgres_schema)
    run(env, "load")
    receiver = Receiver(free_port())
    registry = WebhookRegistry(
        WebhookStore(datastore(Settings.from_env(env), "test")), allow_http=True
    )
    receiver.secret = registry.register(
        "northwind", "alice", receiver.url, ["order.applied"]
    ).secret
    names = ("relay", "process", "project", "webhooks")
    services = [
        subprocess.Popen(
            [*CLI, name],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"{name}.log").open("w"),
        )
        for name in names
    ]
    with webhook_receiver(receiver):
        try:
            order_id = run(env, "order", "create", *NW, "acme-dental").strip()
            run(env, "order", "options", *NW, order_id, "--lead", "alice", "--seats", "3")
            run(env, "order", "review", *NW, order_id)
            run(env, "order", "confirm", *NW, order_id, "--accept-msa", "--confirm-authority")
            run(env, "order", "submit", *NW, order_id)
            deadline = time.monotonic() + 90
            while "43" not in attempt(env, "customer", "--msp", "northwind", "acme-dental").stdout:
                assert time.monotonic() < deadline, "the order never reached the customer view"
                time.sleep(0.5)
            assert "Applied" in run(env, "order", "show", "--msp", "northwind", order_id)
            while not receiver.received:
                assert time.monotonic() < deadline, "the webhook never arrived"
                time.sleep(0.2)
            assert receiver.received[0].payload["data"]["order_id"] == order_id
        finally:
            for service in services:
                service.send_signal(signal.SIGTERM)
            codes = [service.wait(timeout=30) for service in services]
    assert codes == [0, 0, 0, 0], [(tmp_path / f"{n}.log").read_text()[-2000:] for n in names]
