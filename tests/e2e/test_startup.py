"""Every service started at the same moment on a fresh PostgreSQL schema: none crashes on
another's table or function creation (the schema lock makes them take turns), and each
exits 0 within 10 s of SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.kafka import Broker, services_env

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
SERVICES = ("relay", "process", "notify", "project", "webhooks", "serve")
ROUNDS = 3


def tables_in(schema: str) -> int:
    with psycopg.connect(host="127.0.0.1", dbname="test", user="postgres") as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_all_services_started_at_once_on_a_fresh_schema_all_come_up(
    broker: Broker, topic: str, postgres_schema: str, tmp_path: Path, round_: int
) -> None:
    env = services_env(broker, topic, postgres_schema, CHANGEORDERS_OUTBOX_DIR=str(tmp_path))
    logs = {name: tmp_path / f"{name}.log" for name in SERVICES}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "changeorders", name]
            + (["--port", "0"] if name == "serve" else []),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[name].open("w"),
        )
        for name in SERVICES
    ]
    try:
        deadline = time.monotonic() + 60
        while tables_in(postgres_schema) < 12 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # every service past its start-up
        crashed = {
            n: p.poll() for n, p in zip(SERVICES, started, strict=True) if p.poll() is not None
        }
        assert crashed == {}, {n: logs[n].read_text()[-1500:] for n in crashed}
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        codes = {
            name: stopped_within(process, 10)
            for name, process in zip(SERVICES, started, strict=True)
        }
    assert codes == dict.fromkeys(SERVICES, 0), {
        n: logs[n].read_text()[-1500:] for n in SERVICES if codes[n] != 0
    }


def stopped_within(process: subprocess.Popen[bytes], seconds: float) -> int | None:
    """The exit code after SIGTERM, or None (and killed) when it took longer."""
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
