"""`changeorders relay` as a long-running service: publishes, then stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from changeorders.schemas.events import parse_published
from tests.kafka import Broker, read_all

pytestmark = pytest.mark.kafka


def test_relay_service_publishes_and_stops_on_sigterm(
    tmp_path: Path, broker: Broker, topic: str
) -> None:
    env = os.environ | {
        "CHANGEORDERS_SQLITE_PATH": str(tmp_path / "events.sqlite3"),
        "CHANGEORDERS_KAFKA_BOOTSTRAP": broker.bootstrap,
        "CHANGEORDERS_EVENTS_TOPIC": topic,
        "CHANGEORDERS_TOPIC_PARTITIONS": "2",
    }
    cli = [sys.executable, "-m", "changeorders"]
    subprocess.run([*cli, "load"], env=env, check=True, capture_output=True, timeout=60)
    relay = subprocess.Popen([*cli, "relay"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        records = read_all(broker.bootstrap, topic, expected=37, timeout=30)
        types = [parse_published(r.value).type for r in records]
        assert types.count("CustomerAccount.Opened") == 12
        assert len(records) == 37  # every event the load stored, less the 3 API-token events
    finally:
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=20) == 0
